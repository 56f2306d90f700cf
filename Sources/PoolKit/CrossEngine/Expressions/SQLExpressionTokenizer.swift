/// One piece of SQL expression text, with where it lies in the text (character offsets).
package struct SQLExpressionToken: Sendable, Hashable {
    package enum Kind: Sendable, Hashable {
        /// A bare word: a keyword, a function or an unquoted name.
        case word
        case quotedName
        case string
        case number
        /// An operator or punctuation: `(`, `)`, `,`, `::`, `<=`, `||`, `~~`, …
        case symbol
    }
    package var kind: Kind
    /// The word or symbol as written; a name or string with its quotes undone.
    package var text: String
    package var start: Int
    package var end: Int

    /// The word upper-cased, or nil for other tokens.
    package var keyword: String? { kind == .word ? text.uppercased() : nil }
    package func isSymbol(_ symbol: String) -> Bool { kind == .symbol && text == symbol }
}

/// Splits SQL text into tokens by a dialect's quoting rules. Text it cannot read (an unclosed quote,
/// a character no rule covers) is a refusal naming it.
package enum SQLExpressionTokenizer {
    private static let symbols = ["!~~*", "~~*", "!~~", "<=>", "::", "<=", ">=", "<>", "!=", "==", "||", "~~", "(", ")", ",", "[", "]", ".", "=", "<", ">", "+", "-", "*", "/", "%"]

    /// `lenient`: for reading whole statements (a driver finding the CHECKs of a `CREATE TABLE`):
    /// comments are skipped and any other character is a symbol of its own.
    package static func tokens(_ text: String, dialect: PortableExpressionDialect, lenient: Bool = false) throws -> [SQLExpressionToken] {
        let characters = Array(text)
        var tokens: [SQLExpressionToken] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let start = index
            if character.isWhitespace {
                index += 1
                continue
            }
            if character == "-" && index + 1 < characters.count && characters[index + 1] == "-" {
                guard lenient else { throw PortableExpressionRefusal("it contains an SQL comment") }
                while index < characters.count && characters[index] != "\n" { index += 1 }
                continue
            }
            if character == "/" && index + 1 < characters.count && characters[index + 1] == "*" {
                guard lenient else { throw PortableExpressionRefusal("it contains an SQL comment") }
                index += 2
                while index + 1 < characters.count && !(characters[index] == "*" && characters[index + 1] == "/") { index += 1 }
                index += 2
                continue
            }
            if character == "'" {
                let (value, next) = try quoted(characters, from: index, close: "'", backslashEscapes: dialect.backslashEscapes)
                tokens.append(SQLExpressionToken(kind: .string, text: value, start: start, end: next))
                index = next
            } else if let close = dialect.identifierQuotes[character] {
                let (value, next) = try quoted(characters, from: index, close: close, backslashEscapes: false)
                tokens.append(SQLExpressionToken(kind: .quotedName, text: value, start: start, end: next))
                index = next
            } else if character.isNumber && character.isASCII || character == "." && index + 1 < characters.count && characters[index + 1].isASCII && characters[index + 1].isNumber {
                var end = index
                while end < characters.count, characters[end].isASCII, characters[end].isNumber || characters[end] == "." { end += 1 }
                if end < characters.count, characters[end] == "e" || characters[end] == "E" {
                    var exponent = end + 1
                    if exponent < characters.count, characters[exponent] == "+" || characters[exponent] == "-" { exponent += 1 }
                    if exponent < characters.count, characters[exponent].isASCII, characters[exponent].isNumber {
                        end = exponent
                        while end < characters.count, characters[end].isASCII, characters[end].isNumber { end += 1 }
                    }
                }
                let number = String(characters[index..<end])
                guard PortableSyntax.isDecimal(number) || lenient else { throw PortableExpressionRefusal("'\(number)' is not a number this translation reads") }
                if !lenient, end < characters.count, characters[end].isLetter || characters[end] == "_" {
                    throw PortableExpressionRefusal("'\(number)\(characters[end])…' is not a number this translation reads")
                }
                tokens.append(SQLExpressionToken(kind: .number, text: number, start: start, end: end))
                index = end
            } else if character.isLetter || character == "_" {
                var end = index
                while end < characters.count, characters[end].isLetter || characters[end].isNumber || characters[end] == "_" || characters[end] == "$" { end += 1 }
                tokens.append(SQLExpressionToken(kind: .word, text: String(characters[index..<end]), start: start, end: end))
                index = end
            } else if let symbol = symbols.first(where: { matches($0, characters, at: index) }) {
                tokens.append(SQLExpressionToken(kind: .symbol, text: symbol, start: start, end: index + symbol.count))
                index += symbol.count
            } else if lenient {
                tokens.append(SQLExpressionToken(kind: .symbol, text: String(character), start: start, end: index + 1))
                index += 1
            } else {
                throw PortableExpressionRefusal("it uses '\(character)', which this translation does not read")
            }
        }
        return tokens
    }

    private static func matches(_ symbol: String, _ characters: [Character], at index: Int) -> Bool {
        let symbolCharacters = Array(symbol)
        guard index + symbolCharacters.count <= characters.count else { return false }
        return Array(characters[index..<(index + symbolCharacters.count)]) == symbolCharacters
    }

    /// The quoted run opening at `start` (``SQLTextSplitting/quotedRun(_:from:close:backslashEscapes:)``);
    /// a quote left open is refused.
    private static func quoted(_ characters: [Character], from start: Int, close: Character, backslashEscapes: Bool) throws -> (String, Int) {
        let run = SQLTextSplitting.quotedRun(characters, from: start, close: close, backslashEscapes: backslashEscapes)
        guard run.closed else { throw PortableExpressionRefusal("a quote opened at character \(start + 1) is not closed") }
        return (run.value, run.next)
    }
}
