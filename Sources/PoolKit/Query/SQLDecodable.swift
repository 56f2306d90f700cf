import Foundation

/// A Swift type a result value can be read as: `Int`, `Int64`, `Int32`, `Double`, `String`,
/// `Bool`, `Date`, `[UInt8]`, `Data`, `UUID`, `Decimal`, ``SQLNumeric``, ``SQLCalendarDate``,
/// ``SQLTimeOfDay``, ``SQLInterval``, `Duration`, ``SQLJSON``, `SQLValue`, and `Optional` of any of
/// them (NULL becomes `nil`). docs/values.md maps each to each engine's types.
///
/// Conversions follow what engines return: an integer column can be read as `Bool` (0 / 1, as
/// MariaDB and SQLite store booleans) or `Double`; a text column holding a number (PostgreSQL
/// `numeric`, MariaDB `DECIMAL`) as `Double` or `Int`; a date in text (ISO 8601) as `Date`.
public protocol SQLDecodable: Sendable {
    init(sqlValue: SQLValue) throws
}

extension SQLValue: SQLDecodable {
    public init(sqlValue: SQLValue) throws { self = sqlValue }
}

extension Optional: SQLDecodable where Wrapped: SQLDecodable {
    public init(sqlValue: SQLValue) throws {
        if case .null = sqlValue { self = nil } else { self = try Wrapped(sqlValue: sqlValue) }
    }
}

extension Int64: SQLDecodable {
    public init(sqlValue: SQLValue) throws {
        switch sqlValue {
        case .int(let value): self = value
        case .bool(let value): self = value ? 1 : 0
        case .double(let value):
            guard let exact = Int64(exactly: value) else { throw SQLDecodingError("it is not a whole number in range") }
            self = exact
        case .text(let text):
            guard let value = Int64(text) else { throw SQLDecodingError("the text is not a whole number") }
            self = value
        default: throw SQLDecodingError("it is not a number")
        }
    }
}

extension Int: SQLDecodable {
    public init(sqlValue: SQLValue) throws { self = Int(try Int64(sqlValue: sqlValue)) }
}

extension Int32: SQLDecodable {
    public init(sqlValue: SQLValue) throws {
        guard let value = Int32(exactly: try Int64(sqlValue: sqlValue)) else { throw SQLDecodingError("it is out of Int32's range") }
        self = value
    }
}

extension Double: SQLDecodable {
    public init(sqlValue: SQLValue) throws {
        switch sqlValue {
        case .double(let value): self = value
        case .int(let value): self = Double(value)
        case .text(let text):
            guard let value = Double(text) else { throw SQLDecodingError("the text is not a number") }
            self = value
        default: throw SQLDecodingError("it is not a number")
        }
    }
}

extension String: SQLDecodable {
    public init(sqlValue: SQLValue) throws {
        switch sqlValue {
        case .text(let text): self = text
        case .int(let value): self = String(value)
        case .double(let value): self = String(value)
        case .bool(let value): self = value ? "true" : "false"
        case .bytes(let bytes):
            guard let text = String(validating: bytes, as: UTF8.self) else { throw SQLDecodingError("the bytes are not UTF-8") }
            self = text
        case .date(let date): self = SQLDateFormat.string(from: date)
        case .null: throw SQLDecodingError("NULL needs an optional type, e.g. String?")
        }
    }
}

extension Bool: SQLDecodable {
    public init(sqlValue: SQLValue) throws {
        switch sqlValue {
        case .bool(let value): self = value
        case .int(0): self = false
        case .int(1): self = true
        case .text(let text):
            switch text.lowercased() {
            case "t", "true", "1", "on", "yes": self = true
            case "f", "false", "0", "off", "no": self = false
            default: throw SQLDecodingError("the text is not a boolean")
            }
        default: throw SQLDecodingError("it is not a boolean")
        }
    }
}

extension Date: SQLDecodable {
    public init(sqlValue: SQLValue) throws {
        switch sqlValue {
        case .date(let date): self = date
        case .text(let text):
            guard let date = SQLDateFormat.date(from: text) else { throw SQLDecodingError("the text is not a date and time") }
            self = date
        default: throw SQLDecodingError("it is not a date and time")
        }
    }
}

extension [UInt8]: SQLDecodable {
    public init(sqlValue: SQLValue) throws {
        switch sqlValue {
        case .bytes(let bytes): self = bytes
        case .text(let text): self = Array(text.utf8)
        default: throw SQLDecodingError("it is not bytes")
        }
    }
}

/// Dates as engines write them in text: `2024-05-01 12:34:56.789+00`, `2024-05-01T12:34:56Z`,
/// `2024-05-01 12:34:56` (taken as UTC), `2024-05-01`, offsets with seconds (`+00:53:28`), years
/// of five digits and years before 1 (`0001-12-31 20:29:08-03:30:52 BC`).
package enum SQLDateFormat {
    /// `yyyy-MM-dd HH:mm:ss.SSSSSS` in UTC, which every engine reads.
    package static func string(from date: Date) -> String {
        var seconds = date.timeIntervalSince1970.rounded(.down)
        var micros = Int(((date.timeIntervalSince1970 - seconds) * 1_000_000).rounded())
        if micros == 1_000_000 {
            seconds += 1
            micros = 0
        }
        let parts = Calendar.utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: seconds))
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.year, 4))-\(pad(parts.month, 2))-\(pad(parts.day, 2)) \(pad(parts.hour, 2)):\(pad(parts.minute, 2)):\(pad(parts.second, 2)).\(pad(micros, 6))"
    }

    /// Parses the forms above; nil if `text` is none of them.
    package static func date(from text: String) -> Date? {
        var text = Substring(text.trimmingCharacters(in: .whitespaces))
        // PostgreSQL writes years before 1 as `… BC`, and a year may have five digits once a
        // session time zone moves 9999-12-31 past midnight.
        let beforeChrist = text.hasSuffix(" BC")
        if beforeChrist { text = text.dropLast(3) }
        let yearDigits = text.prefix { $0.isASCII && $0.isNumber }.count
        func number(_ count: Int) -> Int? {
            guard text.count >= count, let value = Int(text.prefix(count)) else { return nil }
            text = text.dropFirst(count)
            return value
        }
        func skip(_ characters: Set<Character>) -> Bool {
            guard let first = text.first, characters.contains(first) else { return false }
            text = text.dropFirst()
            return true
        }
        guard yearDigits >= 4, let year = number(yearDigits), skip(["-"]), let month = number(2), skip(["-"]), let day = number(2) else {
            return nil
        }
        var components = DateComponents(era: beforeChrist ? 0 : 1, year: year, month: month, day: day, hour: 0, minute: 0, second: 0)
        var fraction = 0.0
        var offset = 0
        if skip([" ", "T"]) {
            guard let hour = number(2), skip([":"]), let minute = number(2), skip([":"]), let second = number(2) else { return nil }
            components.hour = hour
            components.minute = minute
            components.second = second
            if skip(["."]) {
                let digits = text.prefix { $0.isNumber }
                fraction = Double("0." + digits) ?? 0
                text = text.dropFirst(digits.count)
            }
            if skip(["Z"]) {
            } else if let sign = text.first, sign == "+" || sign == "-" {
                text = text.dropFirst()
                guard let hours = number(2) else { return nil }
                _ = skip([":"])
                let minutes = number(2) ?? 0
                // PostgreSQL writes seconds for historical local mean times (`+00:53:28`).
                let seconds = skip([":"]) ? number(2) : 0
                guard let seconds else { return nil }
                offset = (sign == "+" ? 1 : -1) * (hours * 3600 + minutes * 60 + seconds)
            }
        }
        guard text.isEmpty, let base = Calendar.utc.date(from: components) else { return nil }
        return base.addingTimeInterval(fraction - Double(offset))
    }
}

extension Calendar {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
