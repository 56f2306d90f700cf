import PoolKit

/// The expressions in the DDL a SQLite archive keeps, as the user wrote it: the CHECK constraints
/// of a `CREATE TABLE` (column and table ones) and the keys and predicate of a `CREATE INDEX`.
/// Statements are read with the portable tokenizer in SQLite's quoting, so a `CHECK` inside a
/// string, a name or a default is never taken for one.
enum SQLiteDDLExpressions {
    struct Check {
        /// `CONSTRAINT name`, if given.
        var name: String?
        /// The column whose definition holds it; nil for a table constraint.
        var column: String?
        /// The condition, without its parentheses.
        var text: String
    }

    /// The CHECKs of `ddl`, and the columns declared with a collation other than BINARY.
    static func checks(inCreateTable ddl: String) throws -> (checks: [Check], collated: Set<String>) {
        let characters = Array(ddl)
        let tokens = try SQLExpressionTokenizer.tokens(ddl, dialect: SQLiteExpressionDialect.dialect, lenient: true)
        guard let open = tokens.firstIndex(where: { $0.isSymbol("(") }) else { return ([], []) }
        var checks: [Check] = []
        var collated: Set<String> = []
        for piece in pieces(tokens, inside: open) {
            guard let first = piece.first else { continue }
            let isColumn = first.keyword.map { !["CONSTRAINT", "CHECK", "PRIMARY", "UNIQUE", "FOREIGN"].contains($0) } ?? (first.kind == .quotedName)
            let column = isColumn ? first.text : nil
            var name: String?
            var index = isColumn ? 1 : 0
            var depth = 0
            while index < piece.count {
                let token = piece[index]
                if token.isSymbol("(") { depth += 1 } else if token.isSymbol(")") { depth -= 1 }
                if depth == 0 {
                    switch token.keyword {
                    case "CONSTRAINT" where index + 1 < piece.count:
                        name = piece[index + 1].text
                        index += 1
                    case "COLLATE" where index + 1 < piece.count:
                        if let column, piece[index + 1].text.uppercased() != "BINARY" { collated.insert(column) }
                    case "CHECK" where index + 1 < piece.count && piece[index + 1].isSymbol("("):
                        let close = matching(piece, from: index + 1)
                        let end = close < piece.count ? piece[close].start : piece.last!.end
                        checks.append(Check(name: name, column: column, text: String(characters[piece[index + 1].end..<end]).trimmingSpaces))
                        name = nil
                        index = close
                    case "NOT", "NULL", "PRIMARY", "UNIQUE", "DEFAULT", "REFERENCES", "FOREIGN", "GENERATED", "AS":
                        name = nil  // a constraint name belongs to the constraint it precedes
                    default: break
                    }
                }
                index += 1
            }
        }
        return (checks, collated)
    }

    struct Index {
        var unique: Bool
        var table: String
        /// Each key as written (an expression or a name, with `ASC`/`DESC`).
        var keys: [String]
        var predicate: String?
    }

    /// `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (keys) [WHERE predicate]`.
    static func index(_ ddl: String) throws -> Index? {
        let characters = Array(ddl)
        let tokens = try SQLExpressionTokenizer.tokens(ddl, dialect: SQLiteExpressionDialect.dialect, lenient: true)
        guard let on = tokens.firstIndex(where: { $0.keyword == "ON" }), on + 2 < tokens.count, tokens[on + 2].isSymbol("(") else { return nil }
        let close = matching(tokens, from: on + 2)
        let keys = pieces(tokens, inside: on + 2).map { piece in String(characters[piece.first!.start..<piece.last!.end]) }
        var predicate: String?
        if close + 1 < tokens.count, tokens[close + 1].keyword == "WHERE" {
            var end = tokens.count
            while end > close + 2, tokens[end - 1].isSymbol(";") { end -= 1 }
            guard end > close + 2 else { return nil }
            predicate = String(characters[tokens[close + 2].start..<tokens[end - 1].end])
        }
        return Index(unique: tokens.prefix(on).contains { $0.keyword == "UNIQUE" }, table: tokens[on + 1].text, keys: keys, predicate: predicate)
    }

    /// The comma-separated pieces inside the parentheses opening at `open`.
    private static func pieces(_ tokens: [SQLExpressionToken], inside open: Int) -> [[SQLExpressionToken]] {
        var pieces: [[SQLExpressionToken]] = []
        var current: [SQLExpressionToken] = []
        var depth = 0
        for token in tokens[(open + 1)...] {
            if token.isSymbol("(") { depth += 1 }
            if token.isSymbol(")") {
                if depth == 0 { break }
                depth -= 1
            }
            if depth == 0 && token.isSymbol(",") {
                pieces.append(current)
                current = []
            } else {
                current.append(token)
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces.filter { !$0.isEmpty }
    }

    /// The index of the `)` closing the `(` at `open`; the count when it is not closed.
    private static func matching(_ tokens: [SQLExpressionToken], from open: Int) -> Int {
        var depth = 0
        for index in open..<tokens.count {
            if tokens[index].isSymbol("(") { depth += 1 }
            if tokens[index].isSymbol(")") {
                depth -= 1
                if depth == 0 { return index }
            }
        }
        return tokens.count
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
