import Foundation

/// An exact decimal number of any size, kept as its digits: PostgreSQL `numeric` (up to 131,072
/// digits before the point and 16,383 after, plus `NaN` and `±Infinity`), MariaDB `DECIMAL` (65
/// digits), or a decimal stored as TEXT in SQLite. Never converted through `Double`.
///
/// ```swift
/// let price: SQLNumeric = "12345678901234567890.0000000001"
/// try await connection.execute("INSERT INTO prices (amount) VALUES (\(price))")
/// let total = try await connection.query("SELECT sum(amount) FROM prices").scalar(SQLNumeric.self)
/// ```
///
/// Equal numbers are equal whatever their scale (`1.50` == `1.5`); ``description`` keeps the text as
/// the engine wrote it. ``decimal`` gives a Foundation `Decimal` when one holds the value exactly.
public struct SQLNumeric: Sendable, Hashable, LosslessStringConvertible, ExpressibleByStringLiteral {
    /// The number as written, e.g. `-12.50`, `NaN`, `Infinity`.
    public let description: String
    /// Sign, digits without leading or trailing zeros, and the power of ten of the last digit:
    /// the value's identity. `NaN` and the infinities have their own.
    private let canonical: Canonical

    private enum Canonical: Hashable {
        case finite(negative: Bool, digits: String, exponent: Int)
        case nan
        case infinity(negative: Bool)
    }

    /// Parses `[+-]digits[.digits][e[+-]digits]`, `NaN`, `Infinity`, `-Infinity` (any case); nil for anything else.
    public init?(_ text: String) {
        guard let canonical = Self.parse(text) else { return nil }
        self.description = text
        self.canonical = canonical
    }

    /// A literal; it must be a number (a typo in a literal is a programming error).
    public init(stringLiteral value: String) {
        guard let number = SQLNumeric(value) else { preconditionFailure("'\(value)' is not a decimal number") }
        self = number
    }

    /// The exact value of `decimal`.
    public init(_ decimal: Decimal) {
        self.init(decimal.isNaN ? "NaN" : decimal.description)!
    }

    /// The value as a Foundation `Decimal` (38 significant digits), or nil when `Decimal` cannot
    /// hold it exactly: more digits, an exponent out of its range, or an infinity.
    public var decimal: Decimal? {
        switch canonical {
        case .nan: return .nan
        case .infinity: return nil
        case .finite:
            guard let value = Decimal(string: description, locale: Locale(identifier: "en_US_POSIX")),
                SQLNumeric(value) == self
            else { return nil }
            return value
        }
    }

    public static func == (lhs: SQLNumeric, rhs: SQLNumeric) -> Bool { lhs.canonical == rhs.canonical }
    public func hash(into hasher: inout Hasher) { hasher.combine(canonical) }

    private static func parse(_ text: String) -> Canonical? {
        var rest = Substring(text)
        var negative = false
        if let sign = rest.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            rest = rest.dropFirst()
        }
        switch rest.lowercased() {
        case "nan": return negative || text.first == "+" ? nil : .nan
        case "infinity", "inf": return .infinity(negative: negative)
        default: break
        }
        var exponent = 0
        if let e = rest.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            let power = rest[rest.index(after: e)...]
            let digitsOfPower = power.first == "-" || power.first == "+" ? power.dropFirst() : power
            guard !digitsOfPower.isEmpty, digitsOfPower.allSatisfy(\.isASCIIDigit), let value = Int(power) else { return nil }
            exponent = value
            rest = rest[..<e]
        }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty), whole.allSatisfy(\.isASCIIDigit), fraction.allSatisfy(\.isASCIIDigit) else {
            return nil
        }
        var digits = Substring(whole + fraction)
        exponent -= fraction.count
        while digits.first == "0" { digits = digits.dropFirst() }
        while digits.last == "0" {
            digits = digits.dropLast()
            exponent += 1
        }
        if digits.isEmpty { return .finite(negative: false, digits: "", exponent: 0) }
        return .finite(negative: negative, digits: String(digits), exponent: exponent)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension SQLNumeric: SQLValueConvertible, SQLDecodable {
    /// Sent as text, which the engine reads into the column's exact type.
    public var sqlValue: SQLValue { .text(description) }

    /// From the engine's text (PostgreSQL `numeric`, MariaDB `DECIMAL`, SQLite TEXT) or an integer;
    /// a floating-point value is refused, since it is not exact.
    public init(sqlValue: SQLValue) throws {
        switch sqlValue {
        case .text(let text):
            guard let number = SQLNumeric(text) else { throw SQLDecodingError("the text is not a decimal number") }
            self = number
        case .int(let value): self = SQLNumeric(String(value))!
        case .double: throw SQLDecodingError("a floating-point value is not exact; read it as Double, or store it as a decimal type")
        default: throw SQLDecodingError("it is not a number")
        }
    }
}

extension Decimal: SQLValueConvertible, SQLDecodable {
    /// Sent as its exact text (never through `Double`): PostgreSQL reads it into `numeric`, MariaDB
    /// into `DECIMAL`; SQLite keeps it as TEXT in a column without numeric affinity.
    public var sqlValue: SQLValue { SQLNumeric(self).sqlValue }

    /// From an exact decimal (text) or an integer. Throws when `Decimal` cannot hold the value
    /// exactly (more than 38 significant digits, an infinity): read such values as ``SQLNumeric``.
    public init(sqlValue: SQLValue) throws {
        let number = try SQLNumeric(sqlValue: sqlValue)
        guard let decimal = number.decimal else {
            throw SQLDecodingError("Decimal cannot hold \(number.description.count > 40 ? "a number of \(number.description.count) characters" : number.description) exactly; read it as SQLNumeric")
        }
        self = decimal
    }
}
