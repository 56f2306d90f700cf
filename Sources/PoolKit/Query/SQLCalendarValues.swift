import Foundation

/// A date without a time of day or a time zone: PostgreSQL `date`, MariaDB `DATE`, SQLite text
/// `yyyy-MM-dd`. Years 1 to 9999.
///
/// ```swift
/// try await connection.execute("INSERT INTO holidays (day) VALUES (\(SQLCalendarDate(year: 2025, month: 12, day: 25)))")
/// ```
public struct SQLCalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `yyyy-MM-dd`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...9999).contains(year), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// `yyyy-MM-dd`.
    public var description: String { zeroPadded(year, 4) + "-" + zeroPadded(month, 2) + "-" + zeroPadded(day, 2) }

    public static func < (lhs: SQLCalendarDate, rhs: SQLCalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}

extension SQLCalendarDate: SQLValueConvertible, SQLDecodable {
    /// Sent as `yyyy-MM-dd`, which every engine reads as a date.
    public var sqlValue: SQLValue { .text(description) }

    /// From a date column (read at midnight UTC) or `yyyy-MM-dd` text. A value with a time of day
    /// other than midnight is refused: it is not a date.
    public init(sqlValue: SQLValue) throws {
        switch sqlValue {
        case .date(let date):
            let parts = Calendar.utc.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
            guard parts.hour == 0, parts.minute == 0, parts.second == 0, parts.nanosecond == 0 else {
                throw SQLDecodingError("it has a time of day; read it as Date")
            }
            self.init(year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0)
        case .text(let text):
            guard let date = SQLCalendarDate(text) else { throw SQLDecodingError("the text is not a date yyyy-MM-dd between years 1 and 9999") }
            self = date
        default: throw SQLDecodingError("it is not a date")
        }
    }
}

/// A time of day without a date or a time zone, to the microsecond: PostgreSQL `time`, MariaDB
/// `TIME` (within 00:00:00 … 23:59:59.999999), SQLite text `HH:mm:ss.SSSSSS`.
public struct SQLTimeOfDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var microsecond: Int

    public init(hour: Int, minute: Int, second: Int, microsecond: Int = 0) {
        self.hour = hour
        self.minute = minute
        self.second = second
        self.microsecond = microsecond
    }

    /// Parses `HH:mm[:ss[.ffffff]]` (PostgreSQL also writes `24:00:00`); nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), parts[0].count == 2, parts[1].count == 2,
            let hour = Int(parts[0]), let minute = Int(parts[1]), (0...24).contains(hour), (0...59).contains(minute)
        else { return nil }
        var second = 0
        var microsecond = 0
        if parts.count == 3 {
            let secondParts = parts[2].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            guard secondParts[0].count == 2, let whole = Int(secondParts[0]), (0...59).contains(whole) else { return nil }
            second = whole
            if secondParts.count == 2 {
                let digits = secondParts[1]
                guard (1...6).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
                microsecond = Int(digits + String(repeating: "0", count: 6 - digits.count))!
            }
        }
        guard hour < 24 || (minute == 0 && second == 0 && microsecond == 0) else { return nil }
        self.init(hour: hour, minute: minute, second: second, microsecond: microsecond)
    }

    /// `HH:mm:ss`, with `.ffffff` when there are microseconds.
    public var description: String {
        zeroPadded(hour, 2) + ":" + zeroPadded(minute, 2) + ":" + zeroPadded(second, 2) + (microsecond > 0 ? "." + zeroPadded(microsecond, 6) : "")
    }

    public static func < (lhs: SQLTimeOfDay, rhs: SQLTimeOfDay) -> Bool {
        (lhs.hour, lhs.minute, lhs.second, lhs.microsecond) < (rhs.hour, rhs.minute, rhs.second, rhs.microsecond)
    }
}

extension SQLTimeOfDay: SQLValueConvertible, SQLDecodable {
    /// Sent as `HH:mm:ss.ffffff` text.
    public var sqlValue: SQLValue { .text(description) }

    public init(sqlValue: SQLValue) throws {
        guard case .text(let text) = sqlValue else { throw SQLDecodingError("it is not a time of day") }
        guard let time = SQLTimeOfDay(text) else {
            throw SQLDecodingError("the text is not a time of day HH:mm:ss (a MariaDB TIME may be a duration beyond 24 hours)")
        }
        self = time
    }
}

/// `value` in decimal with zeros in front up to `width` digits.
func zeroPadded(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return String(repeating: "0", count: max(0, width - text.count)) + text
}
