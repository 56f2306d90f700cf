import Foundation
import PoolKit

/// Small readers of the DDL a PostgreSQL `copy` archive keeps (written by the catalog reader and
/// `pg_get_indexdef`/`pg_get_constraintdef`): identifiers, qualified names, string literals, lists.
enum PostgresDDLText {
    /// An identifier at the start of `text` (`"a""b"` or a bare word) and what follows it.
    static func identifier(_ text: Substring) -> (name: String, rest: Substring)? {
        var text = text.drop { $0 == " " }
        if text.first == "\"" { return quoted(text, by: "\"").map { ($0.value, $0.rest) } }
        let word = text.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "$" }
        guard !word.isEmpty else { return nil }
        return (String(word), text.dropFirst(word.count))
    }

    /// `schema.name` (either part quoted or bare) → the name, its schema and what follows.
    static func qualifiedName(_ text: Substring) -> (schema: String?, name: String, rest: Substring)? {
        guard let first = identifier(text) else { return nil }
        if first.rest.first == ".", let second = identifier(first.rest.dropFirst()) {
            return (first.name, second.name, second.rest)
        }
        return (nil, first.name, first.rest)
    }

    /// A string literal `'…'` at the start of `text` (`''` undone) and what follows it.
    static func literal(_ text: Substring) -> (value: String, rest: Substring)? {
        let text = text.drop { $0 == " " }
        guard text.first == "'" else { return nil }
        return quoted(text, by: "'")
    }

    /// The run quoted by `quote` at the start of `text` (doubled quotes undone) and what follows it.
    private static func quoted(_ text: Substring, by quote: Character) -> (value: String, rest: Substring)? {
        var text = text.dropFirst()
        var value = ""
        while let character = text.first {
            text = text.dropFirst()
            if character == quote {
                if text.first == quote {
                    value.append(quote)
                    text = text.dropFirst()
                    continue
                }
                return (value, text)
            }
            value.append(character)
        }
        return nil
    }

    /// `text` split at top-level commas (outside quotes and parentheses), trimmed.
    static func splitTopLevel<S: StringProtocol>(_ text: S) -> [String] { SQLTextSplitting.splitTopLevel(text, backslashEscapes: false) }

    /// The text inside the parentheses that open at the first `(` of `text`, and what follows.
    static func parenthesized(_ text: Substring) -> (inner: String, rest: Substring)? {
        guard let open = text.firstIndex(of: "(") else { return nil }
        var depth = 0
        var quote: Character?
        var index = open
        while index < text.endIndex {
            let character = text[index]
            if let q = quote {
                if character == q { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "(" {
                depth += 1
            } else if character == ")" {
                depth -= 1
                if depth == 0 { return (String(text[text.index(after: open)..<index]), text[text.index(after: index)...]) }
            }
            index = text.index(after: index)
        }
        return nil
    }

    /// A column list of plain names with an optional `ASC`/`DESC` each; nil when an item is an
    /// expression, has an operator class or a collation.
    static func plainColumns(_ list: String) -> [(name: String, descending: Bool)]? {
        var columns: [(name: String, descending: Bool)] = []
        for item in splitTopLevel(list) {
            guard let (name, rest) = identifier(Substring(item)) else { return nil }
            let words = rest.split(separator: " ").map { $0.uppercased() }
            guard words.allSatisfy({ ["ASC", "DESC", "NULLS", "FIRST", "LAST"].contains($0) }) else { return nil }
            columns.append((name, words.contains("DESC")))
        }
        return columns
    }
}
