/// The module and arguments of a `CREATE VIRTUAL TABLE` statement, as stored in `sqlite_schema`.
struct SQLiteVirtualTableDefinition: Sendable, Hashable {
    /// The module name as written, e.g. `fts5`.
    var module: String
    /// The module arguments, split at top-level commas and trimmed (quotes kept).
    var arguments: [String]

    /// Reads `CREATE VIRTUAL TABLE [IF NOT EXISTS] [schema.]name USING module[(arguments)]`; nil when
    /// `sql` is not such a statement.
    init?(sql: String) {
        var scanner = SQLTokenScanner(Array(sql.utf8))
        for keyword in ["create", "virtual", "table"] {
            guard scanner.nextToken().map(sqliteFoldName) == keyword else { return nil }
        }
        var token = scanner.nextToken()
        if token.map(sqliteFoldName) == "if" {
            guard scanner.nextToken().map(sqliteFoldName) == "not", scanner.nextToken().map(sqliteFoldName) == "exists" else {
                return nil
            }
            token = scanner.nextToken()
        }
        guard token != nil else { return nil }  // the name
        token = scanner.nextToken()
        if token == "." {
            guard scanner.nextToken() != nil else { return nil }
            token = scanner.nextToken()
        }
        guard token.map(sqliteFoldName) == "using", let module = scanner.nextToken() else { return nil }
        self.module = Self.unquoted(module)
        self.arguments = scanner.parenthesizedArguments()
    }

    /// The value of the FTS option `content=` when present (unquoted; empty for `content=''`).
    var contentOption: String? {
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "=") else { continue }
            let key = argument[..<equals].trimmingASCIIWhitespace()
            guard sqliteFoldName(String(key)) == "content" else { continue }
            return Self.unquoted(String(argument[argument.index(after: equals)...].trimmingASCIIWhitespace()))
        }
        return nil
    }

    /// `text` without one pair of SQL quotes ('…', "…", […], `…`), inner doubled quotes undone.
    static func unquoted(_ text: String) -> String {
        guard let first = text.first, let last = text.last, text.count >= 2 else { return text }
        let pairs: [Character: Character] = ["'": "'", "\"": "\"", "`": "`", "[": "]"]
        guard let closing = pairs[first], closing == last else { return text }
        let inner = String(text.dropFirst().dropLast())
        return first == "[" ? inner : inner.replacingDoubled(first)
    }
}

/// Splits SQL text into the tokens the parser above needs: words, quoted names and strings, and
/// single punctuation characters; whitespace and comments are skipped.
private struct SQLTokenScanner {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func nextToken() -> String? {
        skipSpaceAndComments()
        guard offset < bytes.count else { return nil }
        let start = offset
        let byte = bytes[offset]
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`"):
            skipQuoted(closing: byte)
        case UInt8(ascii: "["):
            skipQuoted(closing: UInt8(ascii: "]"))
        case _ where Self.isWordByte(byte):
            while offset < bytes.count && Self.isWordByte(bytes[offset]) { offset += 1 }
        default:
            offset += 1
        }
        return String(decoding: bytes[start..<offset], as: UTF8.self)
    }

    /// After the module name: the text between `(` and its `)` split at top-level commas.
    mutating func parenthesizedArguments() -> [String] {
        skipSpaceAndComments()
        guard offset < bytes.count, bytes[offset] == UInt8(ascii: "(") else { return [] }
        offset += 1
        var arguments: [String] = []
        var depth = 0
        var start = offset
        while offset < bytes.count {
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`"):
                skipQuoted(closing: byte)
                continue
            case UInt8(ascii: "["):
                skipQuoted(closing: UInt8(ascii: "]"))
                continue
            case UInt8(ascii: "("):
                depth += 1
            case UInt8(ascii: ")") where depth > 0:
                depth -= 1
            case UInt8(ascii: ","), UInt8(ascii: ")"):
                guard depth == 0 else { break }
                let argument = String(decoding: bytes[start..<offset], as: UTF8.self).trimmingASCIIWhitespace()
                if !argument.isEmpty || byte == UInt8(ascii: ",") { arguments.append(String(argument)) }
                if byte == UInt8(ascii: ")") { return arguments }
                start = offset + 1
            default:
                break
            }
            offset += 1
        }
        return arguments
    }

    private mutating func skipQuoted(closing: UInt8) {
        offset += 1
        while offset < bytes.count {
            if bytes[offset] == closing {
                // A doubled closing quote stands for itself (not inside [ ]).
                if closing != UInt8(ascii: "]") && offset + 1 < bytes.count && bytes[offset + 1] == closing {
                    offset += 2
                    continue
                }
                offset += 1
                return
            }
            offset += 1
        }
    }

    private mutating func skipSpaceAndComments() {
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) {
                offset += 1
            } else if byte == UInt8(ascii: "-") && offset + 1 < bytes.count && bytes[offset + 1] == UInt8(ascii: "-") {
                while offset < bytes.count && bytes[offset] != 0x0A { offset += 1 }
            } else if byte == UInt8(ascii: "/") && offset + 1 < bytes.count && bytes[offset + 1] == UInt8(ascii: "*") {
                offset += 2
                while offset + 1 < bytes.count && !(bytes[offset] == UInt8(ascii: "*") && bytes[offset + 1] == UInt8(ascii: "/")) {
                    offset += 1
                }
                offset = min(offset + 2, bytes.count)
            } else {
                return
            }
        }
    }

    /// Letters, digits, `_`, `$` and every non-ASCII byte (SQLite treats those as identifier characters).
    private static func isWordByte(_ byte: UInt8) -> Bool {
        byte >= 0x80 || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$")
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }
}

extension StringProtocol {
    /// The text without leading and trailing ASCII whitespace.
    fileprivate func trimmingASCIIWhitespace() -> SubSequence {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0B}" || $0 == "\u{0C}" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}

extension String {
    /// Undoes SQL's doubling of `quote` inside a quoted text.
    fileprivate func replacingDoubled(_ quote: Character) -> String {
        var result = ""
        var previousWasQuote = false
        for character in self {
            if character == quote && previousWasQuote {
                previousWasQuote = false
                continue
            }
            previousWasQuote = character == quote
            result.append(character)
        }
        return result
    }
}
