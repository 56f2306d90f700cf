/// MariaDB's backslash escapes in string literals (its default; `NO_BACKSLASH_ESCAPES` turns them off).
package enum SQLBackslashEscapes {
    /// What `\` followed by `escaped` stands for: `\n`, `\r`, `\t`, `\0`, `\Z` (Ctrl-Z) and `\b` are
    /// control characters; `\%` and `\_` stay as written (two characters, for LIKE patterns); any
    /// other character stands for itself (`\\`, `\'`, `\"`).
    package static func value(of escaped: Character) -> String {
        switch escaped {
        case "n": return "\n"
        case "r": return "\r"
        case "t": return "\t"
        case "0": return "\0"
        case "Z": return "\u{1A}"
        case "b": return "\u{08}"
        case "%", "_": return "\\" + String(escaped)
        default: return String(escaped)
        }
    }
}
