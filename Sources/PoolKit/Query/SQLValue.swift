import Foundation

/// A value bound to a statement's placeholder, or read from a result column.
///
/// Values are sent to the engine separately from the SQL text (PostgreSQL `$1`, MariaDB `?`,
/// SQLite `?`), never spliced into it, so no value can change what a statement does:
///
/// ```swift
/// let rows = try await connection.query("SELECT name FROM users WHERE id = $1 AND active = $2", [42, true])
/// let name = try rows.first?.decode(String.self, column: "name")
/// ```
public enum SQLValue: Sendable, Hashable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case bytes([UInt8])
    case bool(Bool)
    /// A point in time; sent and read as UTC.
    case date(Date)
}

extension SQLValue: ExpressibleByNilLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral, ExpressibleByBooleanLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// A Swift type a ``SQLValue`` is made from, so values can be passed as they are:
/// `[SQLValue(42), SQLValue(name), SQLValue(nil as Date?)]`.
public protocol SQLValueConvertible: Sendable {
    var sqlValue: SQLValue { get }
}

extension SQLValue {
    /// The value of `value` (`nil` becomes `.null`).
    public init(_ value: some SQLValueConvertible) { self = value.sqlValue }
}

extension SQLValue: SQLValueConvertible { public var sqlValue: SQLValue { self } }
extension Int: SQLValueConvertible { public var sqlValue: SQLValue { .int(Int64(self)) } }
extension Int64: SQLValueConvertible { public var sqlValue: SQLValue { .int(self) } }
extension Int32: SQLValueConvertible { public var sqlValue: SQLValue { .int(Int64(self)) } }
extension Double: SQLValueConvertible { public var sqlValue: SQLValue { .double(self) } }
extension String: SQLValueConvertible { public var sqlValue: SQLValue { .text(self) } }
extension Bool: SQLValueConvertible { public var sqlValue: SQLValue { .bool(self) } }
extension Date: SQLValueConvertible { public var sqlValue: SQLValue { .date(self) } }
extension [UInt8]: SQLValueConvertible { public var sqlValue: SQLValue { .bytes(self) } }
extension Optional: SQLValueConvertible where Wrapped: SQLValueConvertible {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}
