/// A PostgreSQL `interval`: months, days and microseconds, kept apart as PostgreSQL keeps them
/// (a month is not a fixed number of days, nor a day — across a daylight-saving change — a fixed
/// number of hours).
///
/// ```swift
/// let period = SQLInterval(months: 1, days: 2, microseconds: 3_600_000_000)   // 1 mon 2 days 01:00:00
/// try await connection.execute("UPDATE plans SET period = \(period) WHERE id = \(id)")
/// ```
///
/// A plain `Duration` binds and decodes too: as an `interval` without months or days on PostgreSQL,
/// and as a MariaDB `TIME` (−838:59:59 … 838:59:59).
public struct SQLInterval: Sendable, Hashable, CustomStringConvertible {
    public var months: Int32
    public var days: Int32
    public var microseconds: Int64

    public init(months: Int32 = 0, days: Int32 = 0, microseconds: Int64 = 0) {
        self.months = months
        self.days = days
        self.microseconds = microseconds
    }

    /// A duration: microseconds only (finer parts are cut off).
    public init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(microseconds: seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
    }

    /// The interval as a `Duration`, or nil when it has months or days (not a fixed length).
    public var duration: Duration? {
        guard months == 0, days == 0 else { return nil }
        return .microseconds(microseconds)
    }

    /// `[-]H:MM:SS[.ffffff]` for an interval of time only (PostgreSQL's `interval` and MariaDB's
    /// `TIME` both read it); `M months D days S seconds` otherwise (PostgreSQL).
    public var description: String {
        let magnitude = microseconds.magnitude
        let seconds = magnitude / 1_000_000
        let fraction = magnitude % 1_000_000
        let time = (microseconds < 0 ? "-" : "") + "\(seconds / 3600):" + zeroPadded(Int(seconds / 60 % 60), 2) + ":"
            + zeroPadded(Int(seconds % 60), 2) + (fraction > 0 ? "." + zeroPadded(Int(fraction), 6) : "")
        guard months != 0 || days != 0 else { return time }
        return "\(months) months \(days) days " + time
    }

    /// Parses PostgreSQL's default output (`1 year 2 mons -3 days +04:05:06.5`, `00:00:01`) and
    /// MariaDB's `TIME` (`-838:59:59.000000`); nil for anything else.
    public init?(_ text: String) {
        var months: Int64 = 0
        var days: Int64 = 0
        var microseconds: Int64 = 0
        var words = text.split(separator: " ")[...]
        while let word = words.popFirst() {
            if word.contains(":") {
                guard words.isEmpty, let time = Self.parseTime(word) else { return nil }
                microseconds = time
                break
            }
            guard let amount = Int64(word), let unit = words.popFirst() else { return nil }
            switch unit {
            case "year", "years": months += amount * 12
            case "mon", "mons", "month", "months": months += amount
            case "day", "days": days += amount
            default: return nil
            }
        }
        guard let months = Int32(exactly: months), let days = Int32(exactly: days) else { return nil }
        self.init(months: months, days: days, microseconds: microseconds)
    }

    /// `[+-]H:MM:SS[.f…]` in microseconds.
    private static func parseTime(_ text: Substring) -> Int64? {
        var text = text
        var negative = false
        if let sign = text.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            text = text.dropFirst()
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let hours = Int64(parts[0]), let minutes = Int64(parts[1]) else { return nil }
        let secondParts = parts[2].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let seconds = Int64(secondParts[0]) else { return nil }
        var fraction: Int64 = 0
        if secondParts.count == 2 {
            let digits = secondParts[1].prefix(6)
            guard !digits.isEmpty, let value = Int64(digits + String(repeating: "0", count: 6 - digits.count)) else { return nil }
            fraction = value
        }
        let total = ((hours * 60 + minutes) * 60 + seconds) * 1_000_000 + fraction
        return negative ? -total : total
    }
}

extension SQLInterval: SQLValueConvertible, SQLDecodable {
    public var sqlValue: SQLValue { .text(description) }

    public init(sqlValue: SQLValue) throws {
        guard case .text(let text) = sqlValue, let interval = SQLInterval(text) else {
            throw SQLDecodingError("it is not an interval (PostgreSQL interval, MariaDB TIME)")
        }
        self = interval
    }
}

extension Duration: SQLValueConvertible, SQLDecodable {
    /// Sent as `[-]H:MM:SS.ffffff` (microseconds), which PostgreSQL reads into `interval` and
    /// MariaDB into `TIME`.
    public var sqlValue: SQLValue { SQLInterval(self).sqlValue }

    /// From an interval of time only; one with months or days is refused (not a fixed length).
    public init(sqlValue: SQLValue) throws {
        guard let duration = try SQLInterval(sqlValue: sqlValue).duration else {
            throw SQLDecodingError("the interval has months or days, which are not a fixed length; read it as SQLInterval")
        }
        self = duration
    }
}
