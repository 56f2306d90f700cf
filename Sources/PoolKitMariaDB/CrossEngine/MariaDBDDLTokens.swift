import Foundation
import PoolKit

/// The pieces of MariaDB DDL as `SHOW CREATE TABLE` and the snapshot strategy's `ALTER TABLE`
/// statements write it: words, `'strings'`, `` `identifiers` ``, parenthesized groups (kept raw) and
/// punctuation. Enough to read column attributes, keys and foreign keys without a full SQL parser.
enum MariaDBDDLToken: Hashable {
    case word(String)
    case string(String)
    case identifier(String)
    /// The text inside a pair of parentheses, nested ones included, raw.
    case group(String)
    case punctuation(Character)

    /// The word upper-cased, or nil.
    var keyword: String? {
        if case .word(let word) = self { return word.uppercased() }
        return nil
    }
}

enum MariaDBDDLTokenizer {
    static func tokens(_ text: String) -> [MariaDBDDLToken] {
        let characters = Array(text)
        var tokens: [MariaDBDDLToken] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character.isWhitespace {
                index += 1
            } else if character == "'" || character == "\"" {
                let (value, next) = quoted(characters, from: index, quote: character)
                tokens.append(.string(value))
                index = next
            } else if character == "`" {
                let (value, next) = quoted(characters, from: index, quote: "`")
                tokens.append(.identifier(value))
                index = next
            } else if character == "(" {
                let end = matchingParenthesis(characters, from: index)
                tokens.append(.group(String(characters[(index + 1)..<max(index + 1, end)])))
                index = end + 1
            } else if character.isLetter || character.isNumber || character == "_" || character == "-" || character == "." || character == "+" {
                var end = index
                while end < characters.count,
                    characters[end].isLetter || characters[end].isNumber || "_.-+".contains(characters[end])
                {
                    end += 1
                }
                tokens.append(.word(String(characters[index..<end])))
                index = end
            } else {
                tokens.append(.punctuation(character))
                index += 1
            }
        }
        return tokens
    }

    /// A quoted piece starting at `start`: doubled quotes and (for strings, not backticks) backslash
    /// escapes undone (``SQLTextSplitting/quotedRun(_:from:close:backslashEscapes:)``).
    private static func quoted(_ characters: [Character], from start: Int, quote: Character) -> (String, Int) {
        let run = SQLTextSplitting.quotedRun(characters, from: start, close: quote, backslashEscapes: quote != "`")
        return (run.value, run.next)
    }

    /// The index of the `)` that closes the `(` at `start`, skipping quoted text; the end if none.
    static func matchingParenthesis(_ characters: [Character], from start: Int) -> Int {
        var depth = 0
        var index = start
        var quote: Character?
        while index < characters.count {
            let character = characters[index]
            if let open = quote {
                if character == "\\" && open != "`" {
                    index += 2
                    continue
                }
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" || character == "`" {
                quote = character
            } else if character == "(" {
                depth += 1
            } else if character == ")" {
                depth -= 1
                if depth == 0 { return index }
            }
            index += 1
        }
        return characters.count
    }

    /// `text` split at top-level commas (outside quotes and parentheses), each piece trimmed.
    static func splitTopLevel(_ text: String) -> [String] { SQLTextSplitting.splitTopLevel(text, backslashEscapes: true) }
}
