/// An expression of a CHECK constraint or an index (a key or a partial index's predicate) in the
/// portable subset: what a source driver's dialect reads (``PortableExpressionParser``) and a target's
/// writes (``PortableExpressionWriter``) with the same meaning. Anything outside the subset is not
/// translated: the object is listed as not carried, with its definition and the reason.
///
/// Literals are already of the type they are compared with (a SQLite `flag = 1` on a boolean column
/// is `flag = true`; PostgreSQL's `'2020-01-01'::date` is a date), no-op casts are gone, and every
/// text operand of a comparison is marked ``exactText(_:ordering:)`` so that a target whose default
/// comparison of text is not by code point (MariaDB's padding collations) writes one that is.
public indirect enum PortableExpression: Sendable, Hashable {
    /// A column of the table, by its target name.
    case column(String)
    /// An unsigned number as written: digits, a fraction, an exponent (`-1` is `negate(1)`).
    case number(String)
    case string(String)
    /// `YYYY-MM-DD`, compared with a date column.
    case date(String)
    /// `YYYY-MM-DD HH:MM:SS[.fraction]`, compared with a timestamp (without time zone) column.
    case timestamp(String)
    case boolean(Bool)
    case null
    case not(PortableExpression)
    case negate(PortableExpression)
    case binary(PortableOperator, PortableExpression, PortableExpression)
    case isNull(PortableExpression, negated: Bool)
    /// `a IS [NOT] DISTINCT FROM b` (SQLite `IS NOT`, MariaDB `<=>`).
    case distinct(PortableExpression, PortableExpression, negated: Bool)
    case inList(PortableExpression, [PortableExpression], negated: Bool)
    case between(PortableExpression, PortableExpression, PortableExpression, negated: Bool)
    /// `value LIKE pattern`, the pattern with `\` as its escape character.
    case like(PortableExpression, pattern: String, negated: Bool)
    case function(PortableFunction, [PortableExpression])
    /// A text operand of a comparison, compared by code point, case and trailing spaces counting;
    /// `ordering`: by `<`/`>` (or BETWEEN), not only for equality.
    case exactText(PortableExpression, ordering: Bool)
}

/// The binary operators of the portable subset.
public enum PortableOperator: String, Sendable, Hashable {
    case and = "AND", or = "OR"
    case equal = "=", notEqual = "<>", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case plus = "+", minus = "-", times = "*", modulo = "%"
    case concat = "||"

    var isComparison: Bool { [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual].contains(self) }
    var isOrdering: Bool { [.less, .lessOrEqual, .greater, .greaterOrEqual].contains(self) }
}

/// Functions with the same meaning in every engine that has them; each dialect names them.
public enum PortableFunction: String, Sendable, Hashable, CaseIterable {
    /// Characters of a text (SQLite `length`, PostgreSQL `char_length`/`length`, MariaDB `char_length`).
    case charLength = "char_length"
    /// Bytes of a text's UTF-8 form (MariaDB `length`/`octet_length`, PostgreSQL `octet_length`).
    case octetLength = "octet_length"
    /// Case mapping follows each engine's own rules (SQLite: ASCII letters only; PostgreSQL: the
    /// database's locale; MariaDB: the collation), so these are carried only where a difference
    /// cannot change a result: in the keys and predicates of indexes that are not unique.
    case lower, upper
    case abs, coalesce, nullif
}

extension PortableExpression {
    /// The same expression with every column name passed through `rename`.
    public func renamingColumns(_ rename: (String) -> String) -> PortableExpression {
        func walk(_ expression: PortableExpression) -> PortableExpression {
            switch expression {
            case .column(let name): return .column(rename(name))
            case .number, .string, .date, .timestamp, .boolean, .null: return expression
            case .not(let inner): return .not(walk(inner))
            case .negate(let inner): return .negate(walk(inner))
            case .binary(let op, let left, let right): return .binary(op, walk(left), walk(right))
            case .isNull(let inner, let negated): return .isNull(walk(inner), negated: negated)
            case .distinct(let left, let right, let negated): return .distinct(walk(left), walk(right), negated: negated)
            case .inList(let inner, let list, let negated): return .inList(walk(inner), list.map(walk), negated: negated)
            case .between(let inner, let low, let high, let negated): return .between(walk(inner), walk(low), walk(high), negated: negated)
            case .like(let inner, let pattern, let negated): return .like(walk(inner), pattern: pattern, negated: negated)
            case .function(let function, let arguments): return .function(function, arguments.map(walk))
            case .exactText(let inner, let ordering): return .exactText(walk(inner), ordering: ordering)
            }
        }
        return walk(self)
    }

    /// The names of the columns the expression uses.
    public var columns: Set<String> {
        var names: Set<String> = []
        _ = renamingColumns { name in
            names.insert(name)
            return name
        }
        return names
    }
}
