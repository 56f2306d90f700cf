import Foundation

/// Splitting SQL text the way the drivers' DDL readers need it, quote- and parenthesis-aware.
package enum SQLTextSplitting {
    /// `text` split at top-level commas (outside `'…'`, `"…"`, `` `…` `` and parentheses), each
    /// piece trimmed. `backslashEscapes`: a backslash escapes the next character inside string
    /// quotes (MariaDB's default), not inside backticks.
    package static func splitTopLevel<S: StringProtocol>(_ text: S, backslashEscapes: Bool) -> [String] {
        var pieces: [String] = []
        var current = ""
        var depth = 0
        var quote: Character?
        var escaped = false
        for character in text {
            if escaped {
                escaped = false
            } else if let open = quote {
                if backslashEscapes && character == "\\" && open != "`" { escaped = true } else if character == open { quote = nil }
            } else if character == "'" || character == "\"" || character == "`" {
                quote = character
            } else if character == "(" {
                depth += 1
            } else if character == ")" {
                depth -= 1
            } else if character == "," && depth == 0 {
                pieces.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
                current = ""
                continue
            }
            current.append(character)
        }
        let last = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !last.isEmpty { pieces.append(last) }
        return pieces
    }

    /// The quoted run whose opening quote is `characters[start]`, up to its `close`: doubled
    /// closing quotes undone, and backslash escapes (``SQLBackslashEscapes``) when
    /// `backslashEscapes`. Returns the text, the index after the closing quote (or the end), and
    /// whether the quote was closed.
    package static func quotedRun(
        _ characters: [Character], from start: Int, close: Character, backslashEscapes: Bool
    ) -> (value: String, next: Int, closed: Bool) {
        var value = ""
        var index = start + 1
        while index < characters.count {
            let character = characters[index]
            if backslashEscapes && character == "\\" && index + 1 < characters.count {
                value += SQLBackslashEscapes.value(of: characters[index + 1])
                index += 2
                continue
            }
            if character == close {
                if index + 1 < characters.count && characters[index + 1] == close {
                    value.append(close)
                    index += 2
                    continue
                }
                return (value, index + 1, true)
            }
            value.append(character)
            index += 1
        }
        return (value, index, false)
    }
}
