/// `name` as a MariaDB identifier: in backticks, each backtick doubled (`` a`b `` → `` `a``b` ``).
func mariadbIdentifier(_ name: String) -> String {
    "`" + name.replacingOccurrences(of: "`", with: "``") + "`"
}

/// `text` as a MariaDB string literal in single quotes, with `\` and `'` escaped. The sessions
/// PoolKit runs its generated SQL in never have `NO_BACKSLASH_ESCAPES` set.
func mariadbString(_ text: String) -> String {
    var out = "'"
    for character in text.unicodeScalars {
        switch character {
        case "\\": out += "\\\\"
        case "'": out += "\\'"
        case "\0": out += "\\0"
        default: out.unicodeScalars.append(character)
        }
    }
    return out + "'"
}

/// `bytes` as a hexadecimal literal `X'…'` (binary string), exact for any byte value.
func mariadbHexLiteral<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
    let digits = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = [UInt8(ascii: "X"), UInt8(ascii: "'")]
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    out.append(UInt8(ascii: "'"))
    return String(decoding: out, as: UTF8.self)
}

import Foundation
