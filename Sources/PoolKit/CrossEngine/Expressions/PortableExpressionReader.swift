/// A column as an expression of its table sees it.
public struct PortableExpressionColumn: Sendable, Hashable {
    public var name: String
    public var type: PortableType
    /// Whether the source compares this column's text by code point, with case and trailing spaces
    /// counting (SQLite's BINARY, PostgreSQL's deterministic collations for equality, MariaDB's
    /// `_nopad_bin`); false for a collation that ignores case or pads (MariaDB's `_ci` and `_bin`, SQLite's NOCASE).
    public var exactText: Bool
    /// Whether the source stores this column's text as UTF-8, so that its length in bytes is the
    /// same in a UTF-8 target (false for a MariaDB `latin1` column).
    public var utf8: Bool

    public init(name: String, type: PortableType, exactText: Bool = true, utf8: Bool = true) {
        self.name = name
        self.type = type
        self.exactText = exactText
        self.utf8 = utf8
    }
}

/// Reads CHECK conditions and index keys written in a source dialect into portable expressions,
/// resolving names against the table's columns and checking types so that the expression means
/// the same in every target: a literal is taken as the type it is compared with, a cast survives
/// only when it changes no value, and what could mean something else (text compared by a collation,
/// integer division, a LIKE that ignores case, a function not in ``PortableFunction``) is refused
/// with the reason.
///
/// `strict` is for what decides a result — a CHECK, the keys and predicate of a unique index. A key or
/// predicate of an index that is not unique changes no result, only speed, so there case mapping,
/// LIKE and text order may follow the target's own rules.
public struct PortableExpressionReader: Sendable {
    public let dialect: PortableExpressionDialect
    public let columns: [PortableExpressionColumn]

    public init(dialect: PortableExpressionDialect, columns: [PortableExpressionColumn]) {
        self.dialect = dialect
        self.columns = columns
    }

    /// A condition (a CHECK, a partial index's predicate): a boolean expression.
    public func condition(_ text: String, strict: Bool = true) throws -> PortableExpression {
        let syntax = try SQLExpressionParser.parse(try SQLExpressionTokenizer.tokens(text, dialect: dialect))
        let typed = try Typing(reader: self, strict: strict).type(syntax)
        guard typed.kind == .boolean else { throw PortableExpressionRefusal("it is not a condition (it gives \(typed.kind.phrase), not true or false)") }
        return typed.expression
    }

    /// An index key written as `expression [ASC|DESC] [NULLS FIRST|LAST]`.
    public func indexKey(_ text: String, strict: Bool) throws -> (expression: PortableExpression, descending: Bool) {
        let (syntax, descending) = try SQLExpressionParser.parseIndexKey(try SQLExpressionTokenizer.tokens(text, dialect: dialect))
        let typed = try Typing(reader: self, strict: strict).type(syntax)
        if case .other(let name) = typed.kind { throw PortableExpressionRefusal("a key of type \(name)") }
        return (typed.expression, descending)
    }

    func column(named name: String, quoted: Bool) -> PortableExpressionColumn? {
        // Case-insensitive engines fold ASCII letters only (SQLite); an exact match comes first.
        if let exact = columns.first(where: { $0.name == name }) { return exact }
        if dialect.caseInsensitiveNames { return columns.first { Self.foldASCII($0.name) == Self.foldASCII(name) } }
        return quoted ? nil : columns.first { $0.name == Self.foldASCII(name) }
    }

    private static func foldASCII(_ name: String) -> String {
        String(decoding: name.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
    }
}

/// What a piece of an expression gives.
enum PortableExpressionKind: Hashable {
    case boolean, integer, number, text, date, timestamp, null
    case other(String)

    var name: String {
        switch self {
        case .boolean: return "boolean"
        case .integer: return "integer"
        case .number: return "number"
        case .text: return "text"
        case .date: return "date"
        case .timestamp: return "timestamp"
        case .null: return "NULL"
        case .other(let name): return name
        }
    }

    /// The kind with its article, for reasons: `an integer`, `a text value`, `a value of type json`.
    var phrase: String {
        switch self {
        case .integer: return "an integer"
        case .text: return "a text value"
        case .null: return "NULL"
        case .other(let name): return "a value of type \(name)"
        default: return "a \(name)"
        }
    }

    var isNumeric: Bool { self == .integer || self == .number }

    init(_ type: PortableType) {
        switch type {
        case .boolean: self = .boolean
        case .integer: self = .integer
        case .decimal, .real, .double: self = .number
        case .text, .enumeration: self = .text
        case .date: self = .date
        case .timestamp(let zone): self = zone ? .other("timestamp with time zone") : .timestamp
        default: self = .other(type.name)
        }
    }
}
