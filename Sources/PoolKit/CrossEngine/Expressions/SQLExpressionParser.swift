/// An expression as written in a source dialect, before its names are resolved and its types
/// checked (``PortableExpressionReader`` does both).
indirect enum SQLExpressionSyntax: Hashable {
    /// A name, and whether it was quoted.
    case name(String, quoted: Bool)
    case number(String)
    case string(String)
    case boolean(Bool)
    case null
    /// `expression::type` or `CAST(expression AS type)`; the type's words lower-cased, its arguments kept.
    case cast(SQLExpressionSyntax, type: String)
    case not(SQLExpressionSyntax)
    case negate(SQLExpressionSyntax)
    /// `AND`, `OR`, comparisons, arithmetic and `||`, by their portable spelling; `/` kept as `/`.
    case binary(String, SQLExpressionSyntax, SQLExpressionSyntax)
    case isNull(SQLExpressionSyntax, negated: Bool)
    case distinct(SQLExpressionSyntax, SQLExpressionSyntax, negated: Bool)
    case inList(SQLExpressionSyntax, [SQLExpressionSyntax], negated: Bool)
    case between(SQLExpressionSyntax, SQLExpressionSyntax, SQLExpressionSyntax, negated: Bool)
    case like(SQLExpressionSyntax, SQLExpressionSyntax, escape: SQLExpressionSyntax?, negated: Bool)
    case call(String, [SQLExpressionSyntax])
}

/// A recursive-descent parser of the portable subset over any dialect's tokens: `OR`, `AND`, `NOT`,
/// comparisons (`=`, `==`, `<>`, `!=`, `<`, `<=`, `>`, `>=`, PostgreSQL's `= ANY (ARRAY[…])`,
/// `<> ALL (ARRAY[…])`, `~~`, `!~~`), `IS [NOT] NULL`, `IS [NOT] DISTINCT FROM`, SQLite's `IS [NOT]`,
/// MariaDB's `<=>`, `[NOT] IN`, `[NOT] BETWEEN`, `[NOT] LIKE … [ESCAPE …]`, `+ - * / % MOD ||`, unary
/// minus, casts, function calls, parentheses. Anything else is a refusal that says what it met.
struct SQLExpressionParser {
    private let tokens: [SQLExpressionToken]
    private var position = 0

    init(tokens: [SQLExpressionToken]) { self.tokens = tokens }

    /// The whole of `tokens` as one expression.
    static func parse(_ tokens: [SQLExpressionToken]) throws -> SQLExpressionSyntax {
        var parser = SQLExpressionParser(tokens: tokens)
        let expression = try parser.expression()
        if let extra = parser.peek { throw PortableExpressionRefusal("it continues with '\(extra.text)', which this translation does not read") }
        return expression
    }

    /// An index key: an expression, then `ASC`/`DESC` and `NULLS FIRST|LAST`; the key and whether it descends.
    static func parseIndexKey(_ tokens: [SQLExpressionToken]) throws -> (SQLExpressionSyntax, descending: Bool) {
        var parser = SQLExpressionParser(tokens: tokens)
        let expression = try parser.expression()
        var descending = false
        while let token = parser.peek {
            switch token.keyword {
            case "ASC": break
            case "DESC": descending = true
            case "NULLS", "FIRST", "LAST": break  // where NULLs sort in an index changes no result
            case "COLLATE": throw PortableExpressionRefusal("a key with a collation of its own")
            default: throw PortableExpressionRefusal("a key with '\(token.text)' (an operator class or an option), which this translation does not read")
            }
            parser.position += 1
        }
        return (expression, descending)
    }

    private var peek: SQLExpressionToken? { position < tokens.count ? tokens[position] : nil }
    private func peekKeyword(_ offset: Int = 0) -> String? { position + offset < tokens.count ? tokens[position + offset].keyword : nil }

    private mutating func next() throws -> SQLExpressionToken {
        guard let token = peek else { throw PortableExpressionRefusal("it ends where an operand was expected") }
        position += 1
        return token
    }

    private mutating func accept(keyword: String) -> Bool {
        guard peekKeyword() == keyword else { return false }
        position += 1
        return true
    }

    private mutating func accept(symbol: String) -> Bool {
        guard peek?.isSymbol(symbol) == true else { return false }
        position += 1
        return true
    }

    private mutating func expect(symbol: String) throws {
        guard accept(symbol: symbol) else { throw PortableExpressionRefusal("'\(symbol)' expected where it has '\(peek?.text ?? "the end")'") }
    }

    mutating func expression() throws -> SQLExpressionSyntax {
        var left = try conjunction()
        while accept(keyword: "OR") { left = .binary("OR", left, try conjunction()) }
        return left
    }

    private mutating func conjunction() throws -> SQLExpressionSyntax {
        var left = try negation()
        while accept(keyword: "AND") { left = .binary("AND", left, try negation()) }
        return left
    }

    private mutating func negation() throws -> SQLExpressionSyntax {
        if accept(keyword: "NOT") { return .not(try negation()) }
        return try predicate()
    }

    private static let comparisons: [String: String] = ["=": "=", "==": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="]

    private mutating func predicate() throws -> SQLExpressionSyntax {
        let left = try additive()
        guard let token = peek else { return left }
        if token.kind == .symbol, let op = Self.comparisons[token.text] {
            position += 1
            if let quantifier = peekKeyword(), quantifier == "ANY" || quantifier == "ALL" {
                position += 1
                let list = try arrayList()
                switch (op, quantifier) {
                case ("=", "ANY"): return .inList(left, list, negated: false)
                case ("<>", "ALL"): return .inList(left, list, negated: true)
                default: throw PortableExpressionRefusal("'\(op) \(quantifier)' over an array")
                }
            }
            return .binary(op, left, try additive())
        }
        if token.isSymbol("<=>") {
            position += 1
            return .distinct(left, try additive(), negated: true)
        }
        if token.isSymbol("~~") || token.isSymbol("!~~") {
            position += 1
            return .like(left, try additive(), escape: nil, negated: token.text == "!~~")
        }
        if token.isSymbol("~~*") || token.isSymbol("!~~*") { throw PortableExpressionRefusal("ILIKE, which ignores case by the locale's rules") }
        switch token.keyword {
        case "IS":
            position += 1
            let negated = accept(keyword: "NOT")
            if accept(keyword: "NULL") { return .isNull(left, negated: negated) }
            if accept(keyword: "DISTINCT") {
                guard accept(keyword: "FROM") else { throw PortableExpressionRefusal("IS DISTINCT without FROM") }
                return .distinct(left, try additive(), negated: negated)
            }
            if let word = peekKeyword(), word == "TRUE" || word == "FALSE" || word == "UNKNOWN" {
                throw PortableExpressionRefusal("IS \(word), whose NULL handling this translation does not carry")
            }
            // SQLite's `a IS b`: equal, or both NULL.
            return .distinct(left, try additive(), negated: !negated)
        case "NOT":
            position += 1
            return try suffix(left, negated: true)
        case "IN", "BETWEEN", "LIKE":
            return try suffix(left, negated: false)
        case "GLOB", "REGEXP", "RLIKE", "MATCH", "SIMILAR", "ILIKE", "ISNULL", "NOTNULL":
            throw PortableExpressionRefusal("\(token.text.uppercased()), which this translation does not carry")
        default:
            return left
        }
    }

    /// `IN (…)`, `BETWEEN … AND …` or `LIKE … [ESCAPE …]` after the operand (and a `NOT`).
    private mutating func suffix(_ left: SQLExpressionSyntax, negated: Bool) throws -> SQLExpressionSyntax {
        let word = try next()
        switch word.keyword {
        case "IN":
            try expect(symbol: "(")
            if peekKeyword() == "SELECT" { throw PortableExpressionRefusal("a subquery") }
            var list = [try additive()]
            while accept(symbol: ",") { list.append(try additive()) }
            try expect(symbol: ")")
            return .inList(left, list, negated: negated)
        case "BETWEEN":
            if accept(keyword: "SYMMETRIC") { throw PortableExpressionRefusal("BETWEEN SYMMETRIC") }
            let low = try additive()
            guard accept(keyword: "AND") else { throw PortableExpressionRefusal("BETWEEN without AND") }
            return .between(left, low, try additive(), negated: negated)
        case "LIKE":
            let pattern = try additive()
            let escape = accept(keyword: "ESCAPE") ? try additive() : nil
            return .like(left, pattern, escape: escape, negated: negated)
        default:
            throw PortableExpressionRefusal("NOT \(word.text), which this translation does not read")
        }
    }

    /// `(ARRAY[a, b, …])` after `ANY`/`ALL`.
    private mutating func arrayList() throws -> [SQLExpressionSyntax] {
        try expect(symbol: "(")
        guard accept(keyword: "ARRAY") else { throw PortableExpressionRefusal("ANY/ALL over something other than an ARRAY[…] of values") }
        try expect(symbol: "[")
        var list = [try additive()]
        while accept(symbol: ",") { list.append(try additive()) }
        try expect(symbol: "]")
        try expect(symbol: ")")
        return list
    }

    private mutating func additive() throws -> SQLExpressionSyntax {
        var left = try multiplicative()
        while let token = peek, token.isSymbol("+") || token.isSymbol("-") || token.isSymbol("||") {
            position += 1
            left = .binary(token.text, left, try multiplicative())
        }
        return left
    }

    private mutating func multiplicative() throws -> SQLExpressionSyntax {
        var left = try unary()
        while let token = peek {
            if token.isSymbol("*") || token.isSymbol("/") || token.isSymbol("%") {
                position += 1
                left = .binary(token.text, left, try unary())
            } else if token.keyword == "MOD" {
                position += 1
                left = .binary("%", left, try unary())
            } else if token.keyword == "DIV" {
                throw PortableExpressionRefusal("DIV, MariaDB's integer division")
            } else {
                return left
            }
        }
        return left
    }

    private mutating func unary() throws -> SQLExpressionSyntax {
        if accept(symbol: "-") { return .negate(try unary()) }
        if accept(symbol: "+") { return try unary() }
        var operand = try primary()
        while true {
            if accept(symbol: "::") {
                operand = .cast(operand, type: try typeName())
            } else if peekKeyword() == "COLLATE" {
                throw PortableExpressionRefusal("an explicit COLLATE, whose collation the target does not have")
            } else if peek?.isSymbol("[") == true {
                throw PortableExpressionRefusal("an array subscript")
            } else {
                return operand
            }
        }
    }

    private mutating func primary() throws -> SQLExpressionSyntax {
        let token = try next()
        switch token.kind {
        case .number: return .number(token.text)
        case .string: return .string(token.text)
        case .quotedName:
            if peek?.isSymbol(".") == true { throw PortableExpressionRefusal("a qualified name") }
            return .name(token.text, quoted: true)
        case .symbol:
            guard token.text == "(" else { throw PortableExpressionRefusal("'\(token.text)' where an operand was expected") }
            if peekKeyword() == "SELECT" { throw PortableExpressionRefusal("a subquery") }
            let inner = try expression()
            if peek?.isSymbol(",") == true { throw PortableExpressionRefusal("a row value") }
            try expect(symbol: ")")
            return inner
        case .word:
            switch token.keyword {
            case "NULL": return .null
            case "TRUE": return .boolean(true)
            case "FALSE": return .boolean(false)
            case "CAST":
                try expect(symbol: "(")
                let inner = try expression()
                guard accept(keyword: "AS") else { throw PortableExpressionRefusal("CAST without AS") }
                let type = try typeName()
                try expect(symbol: ")")
                return .cast(inner, type: type)
            case "CASE", "EXISTS", "SELECT", "ARRAY", "ROW", "INTERVAL", "EXTRACT", "POSITION", "SUBSTRING", "TRIM", "OVERLAY":
                throw PortableExpressionRefusal("\(token.keyword!), which this translation does not carry")
            case "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "LOCALTIME", "LOCALTIMESTAMP", "CURRENT_USER", "SESSION_USER", "USER":
                throw PortableExpressionRefusal("\(token.keyword!), whose value depends on when and by whom it is evaluated")
            default: break
            }
            if accept(symbol: "(") {
                var arguments: [SQLExpressionSyntax] = []
                if !accept(symbol: ")") {
                    if peekKeyword() == "DISTINCT" || peek?.isSymbol("*") == true { throw PortableExpressionRefusal("an aggregate call") }
                    arguments.append(try expression())
                    while accept(symbol: ",") { arguments.append(try expression()) }
                    try expect(symbol: ")")
                }
                return .call(token.text.lowercased(), arguments)
            }
            if peek?.isSymbol(".") == true { throw PortableExpressionRefusal("a qualified name") }
            return .name(token.text, quoted: false)
        }
    }

    /// A type name after `::` or `AS`: its words lower-cased, then `(p[, s])` if given.
    private mutating func typeName() throws -> String {
        var words: [String] = []
        let continuations: Set<String> = ["WITHOUT", "WITH", "TIME", "ZONE", "VARYING", "PRECISION", "INTEGER", "UNSIGNED", "SIGNED"]
        if let first = peek, first.kind == .word || first.kind == .quotedName {
            words.append(first.text.lowercased())
            position += 1
        } else {
            throw PortableExpressionRefusal("a cast without a type")
        }
        while let word = peekKeyword(), continuations.contains(word) {
            words.append(word.lowercased())
            position += 1
        }
        var name = words.joined(separator: " ")
        if accept(symbol: "(") {
            var arguments: [String] = []
            repeat {
                let token = try next()
                guard token.kind == .number else { throw PortableExpressionRefusal("a type with the argument '\(token.text)'") }
                arguments.append(token.text)
            } while accept(symbol: ",")
            try expect(symbol: ")")
            name += "(" + arguments.joined(separator: ",") + ")"
        }
        if peek?.isSymbol("[") == true { throw PortableExpressionRefusal("a cast to an array type") }
        if peek?.kind == .quotedName || peekKeyword() == "COLLATE" { throw PortableExpressionRefusal("a cast with a collation") }
        return name
    }
}
