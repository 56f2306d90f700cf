/// The text forms the portable value rules accept and write: numbers, dates, times, timestamps,
/// Julian day numbers, UUIDs; and what makes text unfit for a UTF-8 target.
enum PortableSyntax {
    /// Why `bytes` cannot be a text value of a UTF-8 target (invalid UTF-8, a NUL character), or nil.
    static func textProblem(_ bytes: [UInt8]) -> String? {
        if bytes.contains(0) { return "text contains a NUL character, which the target's text types cannot hold" }
        if String(validating: bytes, as: UTF8.self) == nil { return "text is not valid UTF-8" }
        return nil
    }

    /// `[+-]digits[.digits][e[+-]digits]` (or `.digits`).
    static func isDecimal(_ text: String) -> Bool {
        var bytes = Substring(text).utf8[...]
        if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        let isDigit = { (byte: UInt8) in byte >= 0x30 && byte <= 0x39 }
        let whole = bytes.prefix(while: isDigit)
        bytes = bytes.dropFirst(whole.count)
        var fraction = 0
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            fraction = bytes.prefix(while: isDigit).count
            bytes = bytes.dropFirst(fraction)
        }
        guard whole.count + fraction > 0 else { return false }
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            let exponent = bytes.prefix(while: isDigit).count
            guard exponent > 0 else { return false }
            bytes = bytes.dropFirst(exponent)
        }
        return bytes.isEmpty
    }

    /// Digits before the decimal point of a plain decimal (no exponent), leading zeros left out; nil
    /// for exponent notation.
    static func integerDigits(_ text: String) -> Int? {
        guard !text.contains(where: { $0 == "e" || $0 == "E" }) else { return nil }
        let unsigned = text.drop { $0 == "-" || $0 == "+" }
        return unsigned.prefix { $0 != "." }.drop { $0 == "0" }.count
    }

    /// MariaDB's zero date and its partial forms (`0000-00-00`, `2020-00-00`, `0000-00-00 00:00:00`).
    static func isZeroDate(_ text: String) -> Bool {
        guard text.count >= 10 else { return false }
        let parts = text.prefix(10).split(separator: "-")
        guard parts.count == 3, parts.allSatisfy({ $0.allSatisfy(\.isNumber) }) else { return false }
        return parts.contains { Int($0) == 0 }
    }

    /// `YYYY-MM-DD` naming a day of the calendar.
    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return false }
        return (1...12).contains(month) && day >= 1 && day <= daysIn(month: month, year: year) && year >= 1
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `HH:MM[:SS[.fraction]]` as `HH:MM:SS[.fraction]`, or nil (hours 0–23; 24:00:00 is refused).
    static func timeOfDay<S: StringProtocol>(_ text: S) -> String? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts[0].count == 2, parts[1].count == 2,
            let hour = Int(parts[0]), let minute = Int(parts[1]), (0...23).contains(hour), (0...59).contains(minute)
        else { return nil }
        guard parts.count == 3 else { return "\(parts[0]):\(parts[1]):00" }
        let secondParts = parts[2].split(separator: ".", omittingEmptySubsequences: false)
        guard secondParts[0].count == 2, let second = Int(secondParts[0]), (0...59).contains(second), secondParts.count <= 2 else {
            return nil
        }
        if secondParts.count == 2 {
            guard !secondParts[1].isEmpty, secondParts[1].allSatisfy(\.isNumber) else { return nil }
        }
        return "\(parts[0]):\(parts[1]):\(parts[2])"
    }

    /// `YYYY-MM-DD[ T]HH:MM[:SS[.fraction]][Z|±HH[:MM]]` as `YYYY-MM-DD HH:MM:SS[.fraction][±HH:MM]`, or nil.
    static func timestamp(_ text: String) -> String? {
        guard text.count >= 16 else { return nil }
        let date = String(text.prefix(10))
        let separator = text[text.index(text.startIndex, offsetBy: 10)]
        guard isDate(date), separator == " " || separator == "T" else { return nil }
        var rest = text.dropFirst(11)
        var offset = ""
        if rest.hasSuffix("Z") {
            rest = rest.dropLast()
            offset = "+00:00"
        } else if let sign = rest.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let zone = rest[rest.index(after: sign)...]
            let zoneParts = zone.split(separator: ":")
            guard zoneParts.count <= 2, zoneParts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isNumber) }) else { return nil }
            offset = String(rest[sign]) + zoneParts[0] + ":" + (zoneParts.count == 2 ? zoneParts[1] : "00")
            rest = rest[..<sign]
        }
        guard let time = timeOfDay(rest) else { return nil }
        return date + " " + time + offset
    }

    /// Whether a normalized timestamp ends with an offset.
    static func hasOffset(_ text: String) -> Bool {
        guard text.count > 19 else { return false }
        return text.dropFirst(19).contains { $0 == "+" || $0 == "-" }
    }

    /// A Julian day number (SQLite's reading of a number as a date: days since noon UTC on
    /// 24 November 4714 BC, proleptic Gregorian) as a date and the seconds into that day (UTC); nil
    /// outside years 1–9999.
    static func julianDay(_ value: PortableValue) -> (date: String, seconds: Double)? {
        let day: Double
        switch value {
        case .integer(let number): day = Double(number)
        case .real(let number): day = number
        default: return nil
        }
        guard day.isFinite, day >= 1_721_425.5, day < 5_373_484.5 else { return nil }
        // Milliseconds, as SQLite's own date functions round them.
        let milliseconds = (day * 86_400_000).rounded()
        let dayStartMilliseconds = ((day + 0.5).rounded(.down) - 0.5) * 86_400_000
        let secondsIntoDay = (milliseconds - dayStartMilliseconds) / 1000
        let julianDayNumber = Int((day + 0.5).rounded(.down))
        // Richards' algorithm: Julian day number → Gregorian calendar date.
        let f = julianDayNumber + 1401 + (((4 * julianDayNumber + 274_277) / 146_097) * 3) / 4 - 38
        let e = 4 * f + 3
        let g = (e % 1461) / 4
        let h = 5 * g + 2
        let dayOfMonth = (h % 153) / 5 + 1
        let month = (h / 153 + 2) % 12 + 1
        let year = e / 1461 - 4716 + (14 - month) / 12
        func pad(_ number: Int, _ width: Int) -> String {
            let digits = String(number)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return ("\(pad(year, 4))-\(pad(month, 2))-\(pad(dayOfMonth, 2))", secondsIntoDay)
    }

    /// Seconds into a day as `HH:MM:SS[.fff]`.
    static func clock(_ seconds: Double) -> String {
        let milliseconds = Int((seconds * 1000).rounded())
        let whole = milliseconds / 1000
        func pad(_ number: Int) -> String { number < 10 ? "0\(number)" : String(number) }
        var text = "\(pad(whole / 3600)):\(pad(whole / 60 % 60)):\(pad(whole % 60))"
        if milliseconds % 1000 != 0 {
            let fraction = String(milliseconds % 1000)
            text += "." + String(repeating: "0", count: 3 - fraction.count) + fraction
        }
        return text
    }

    /// 32 hex digits as the 8-4-4-4-12 form.
    static func dashedUUID(_ hex: String) -> String {
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }
}
