/// How one engine spells expressions: what its driver's reader needs to read CHECK and index
/// expressions from its archives (``PortableExpressionParser``), and what its writer needs to write
/// portable expressions as its own SQL (``PortableExpressionWriter``). Each driver defines its own;
/// the core knows none.
public struct PortableExpressionDialect: Sendable {
    /// The engine's name for reasons, e.g. `PostgreSQL`.
    public var engine: String

    // Reading.
    /// Identifier quotes: opening character → closing character (`"` → `"`, `[` → `]`).
    public var identifierQuotes: [Character: Character]
    /// Whether a backslash escapes the next character in a string literal (MariaDB's default).
    public var backslashEscapes: Bool
    /// Whether names match columns without regard to case (SQLite, MariaDB); otherwise a quoted
    /// name matches exactly and a bare one in lower case (PostgreSQL).
    public var caseInsensitiveNames: Bool
    /// The function names this engine writes, lower-cased, and the portable function each means.
    public var functionNames: [String: PortableFunction]
    /// Whether `LIKE` has `\` as its escape character when no `ESCAPE` is given.
    public var likeBackslashEscape: Bool
    /// Whether `LIKE` ignores case (SQLite: ASCII letters).
    public var likeIgnoresCase: Bool
    /// Whether `<`, `>` and BETWEEN on text compare by code point (SQLite's BINARY, MariaDB's `_bin`
    /// collations) rather than by a locale (PostgreSQL's database collation).
    public var textOrderingByCodePoint: Bool

    // Writing.
    public var quoteIdentifier: @Sendable (String) -> String
    public var quoteString: @Sendable (String) -> String
    public var booleanLiteral: @Sendable (Bool) -> String
    public var dateLiteral: @Sendable (String) -> String
    public var timestampLiteral: @Sendable (String) -> String
    /// The SQL of `function` with its arguments' SQL; nil when the engine has no function of that meaning.
    public var call: @Sendable (PortableFunction, [String]) -> String?
    /// A text operand (its SQL) made to compare by code point, case and trailing spaces counting.
    public var exactText: @Sendable (_ operand: String, _ ordering: Bool) -> String
    public var concat: @Sendable (String, String) -> String
    /// `a IS [NOT] DISTINCT FROM b` in this engine.
    public var distinct: @Sendable (String, String, _ negated: Bool) -> String
    /// Whether an index key can be an expression, and an index can have a WHERE predicate.
    public var expressionIndexes: Bool
    public var partialIndexes: Bool

    public init(
        engine: String, identifierQuotes: [Character: Character], backslashEscapes: Bool, caseInsensitiveNames: Bool,
        functionNames: [String: PortableFunction], likeBackslashEscape: Bool, likeIgnoresCase: Bool, textOrderingByCodePoint: Bool,
        quoteIdentifier: @escaping @Sendable (String) -> String, quoteString: @escaping @Sendable (String) -> String,
        booleanLiteral: @escaping @Sendable (Bool) -> String, dateLiteral: @escaping @Sendable (String) -> String,
        timestampLiteral: @escaping @Sendable (String) -> String, call: @escaping @Sendable (PortableFunction, [String]) -> String?,
        exactText: @escaping @Sendable (String, Bool) -> String, concat: @escaping @Sendable (String, String) -> String,
        distinct: @escaping @Sendable (String, String, Bool) -> String, expressionIndexes: Bool, partialIndexes: Bool
    ) {
        self.engine = engine
        self.identifierQuotes = identifierQuotes
        self.backslashEscapes = backslashEscapes
        self.caseInsensitiveNames = caseInsensitiveNames
        self.functionNames = functionNames
        self.likeBackslashEscape = likeBackslashEscape
        self.likeIgnoresCase = likeIgnoresCase
        self.textOrderingByCodePoint = textOrderingByCodePoint
        self.quoteIdentifier = quoteIdentifier
        self.quoteString = quoteString
        self.booleanLiteral = booleanLiteral
        self.dateLiteral = dateLiteral
        self.timestampLiteral = timestampLiteral
        self.call = call
        self.exactText = exactText
        self.concat = concat
        self.distinct = distinct
        self.expressionIndexes = expressionIndexes
        self.partialIndexes = partialIndexes
    }
}

/// Why an expression was not translated; the reason goes into the report with the definition.
public struct PortableExpressionRefusal: Error, Sendable, Hashable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}
