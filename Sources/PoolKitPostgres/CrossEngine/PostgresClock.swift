/// PostgreSQL's clock: days and microseconds since 2000-01-01, as text.
enum PostgresClock {
    static func date(daysSince2000 days: Int64) -> String {
        // Days since 2000-01-01 → civil date (Howard Hinnant's algorithm, from 1970-01-01).
        let z = days + 10957 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        // PostgreSQL's text: year 0 is 1 BC.
        if year < 1 { return "\(pad(1 - year, 4))-\(pad(month, 2))-\(pad(day, 2)) BC" }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Whether a date or timestamp of ``date(daysSince2000:)`` or ``timestamp(microsecondsSince2000:)``
    /// has a year of 1–9999, the years SQLite's date functions and MariaDB's columns hold.
    static func isPortable(_ text: String) -> Bool {
        !text.hasSuffix(" BC") && text.utf8.count >= 10 && text.utf8[text.utf8.index(text.utf8.startIndex, offsetBy: 4)] == UInt8(ascii: "-")
    }

    static func time(microseconds: Int64) -> String {
        let seconds = microseconds / 1_000_000
        var text = "\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2))"
        let fraction = microseconds % 1_000_000
        if fraction != 0 {
            var digits = pad(fraction, 6)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text
    }

    static func timestamp(microsecondsSince2000 micro: Int64) -> String {
        let perDay: Int64 = 86_400_000_000
        var days = micro / perDay
        var rest = micro % perDay
        if rest < 0 {
            days -= 1
            rest += perDay
        }
        let day = date(daysSince2000: days)
        if day.hasSuffix(" BC") { return day.dropLast(3) + " " + time(microseconds: rest) + " BC" }
        return day + " " + time(microseconds: rest)
    }

    /// A `time with time zone` as PostgreSQL writes it: the time, then the zone's offset from UTC
    /// (`12:34:56.5+02`, `01:02:03-05:30`, `00:00:00+05:45:10`); the binary form counts the offset
    /// in seconds west of UTC.
    static func time(microseconds: Int64, secondsWest: Int64) -> String {
        let seconds = abs(secondsWest)
        var zone = (secondsWest <= 0 ? "+" : "-") + pad(seconds / 3600, 2)
        if seconds % 60 != 0 {
            zone += ":" + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2)
        } else if seconds % 3600 != 0 {
            zone += ":" + pad(seconds / 60 % 60, 2)
        }
        return time(microseconds: microseconds) + zone
    }

    /// An interval in PostgreSQL's default output style, e.g. `1 year 2 mons 3 days 04:05:06`.
    static func interval(months: Int64, days: Int64, microseconds: Int64) -> String {
        // As PostgreSQL writes it: a unit is plural unless its value is exactly 1 (`-1 days`), and a
        // positive part after a negative one has a `+` (`-1 years +2 mons`).
        var parts: [String] = []
        var negativeBefore = false
        for (value, unit) in [(months / 12, "year"), (months % 12, "mon"), (days, "day")] where value != 0 {
            parts.append("\(!parts.isEmpty && negativeBefore && value > 0 ? "+" : "")\(value) \(unit)\(value == 1 ? "" : "s")")
            negativeBefore = value < 0
        }
        if microseconds != 0 || parts.isEmpty {
            parts.append((microseconds < 0 ? "-" : negativeBefore ? "+" : "") + time(microseconds: abs(microseconds)))
        }
        return parts.joined(separator: " ")
    }

    private static func pad(_ number: Int64, _ width: Int) -> String {
        let digits = String(abs(number))
        return (number < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
