/// The text forms the portable value rules accept and write: numbers, dates, times, timestamps,
/// Julian day numbers, UUIDs; and what makes text unfit for a UTF-8 target.
enum PortableSyntax {
    /// Why `bytes` cannot be a text value of a UTF-8 target (invalid UTF-8, a NUL character), or nil.
    /// ASCII without NUL — most text — is checked without building a string.
    static func textProblem(_ bytes: [UInt8]) -> String? {
        var ascii = true
        for byte in bytes {
            if byte == 0 { return "text contains a NUL character, which the target's text types cannot hold" }
            if byte >= 0x80 { ascii = false }
        }
        if !ascii && String(validating: bytes, as: UTF8.self) == nil { return "text is not valid UTF-8" }
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
        var digits = 0
        var leading = true
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "e"), UInt8(ascii: "E"): return nil
            case UInt8(ascii: "-"), UInt8(ascii: "+"): continue
            case UInt8(ascii: "."): return text.utf8.contains { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") } ? nil : digits
            case UInt8(ascii: "0") where leading: continue
            default:
                leading = false
                digits += 1
            }
        }
        return digits
    }

    /// MariaDB's zero date and its partial forms (`0000-00-00`, `2020-00-00`, `0000-00-00 00:00:00`).
    static func isZeroDate(_ text: String) -> Bool { isZeroDate(Array(text.utf8)) }

    static func isZeroDate(_ bytes: [UInt8]) -> Bool {
        guard let (year, month, day) = dateFields(bytes) else { return false }
        return year == 0 || month == 0 || day == 0
    }

    /// `YYYY-MM-DD` naming a day of the calendar.
    static func isDate(_ text: String) -> Bool { isDate(Array(text.utf8)) }

    static func isDate(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == 10, let (year, month, day) = dateFields(bytes) else { return false }
        return validDay(year, month, day)
    }

    /// The numbers of `YYYY-MM-DD` at the start of `bytes` (any values, zero included).
    private static func dateFields(_ bytes: [UInt8]) -> (Int, Int, Int)? {
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = number(bytes, 0, 4), let month = number(bytes, 5, 2), let day = number(bytes, 8, 2)
        else { return nil }
        return (year, month, day)
    }

    private static func validDay(_ year: Int, _ month: Int, _ day: Int) -> Bool {
        year >= 1 && (1...12).contains(month) && day >= 1 && day <= daysIn(month: month, year: year)
    }

    /// The decimal number in `bytes[start..<start+count]`, all digits, or nil.
    private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= bytes.count else { return nil }
        var value = 0
        for index in start..<(start + count) {
            let digit = Int(bytes[index]) - 48
            guard digit >= 0 && digit <= 9 else { return nil }
            value = value * 10 + digit
        }
        return value
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
        let bytes = Array(text.utf8)
        guard let end = timeEnd(bytes, from: 0), end == bytes.count else { return nil }
        return normalizedTime(bytes, from: 0, to: end)
    }

    /// Where a valid `HH:MM[:SS[.fraction]]` starting at `start` ends, or nil.
    private static func timeEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        guard let hour = number(bytes, start, 2), hour <= 23, start + 2 < bytes.count, bytes[start + 2] == UInt8(ascii: ":"),
            let minute = number(bytes, start + 3, 2), minute <= 59
        else { return nil }
        var end = start + 5
        guard end < bytes.count, bytes[end] == UInt8(ascii: ":") else { return end }
        guard let second = number(bytes, end + 1, 2), second <= 59 else { return nil }
        end += 3
        guard end < bytes.count, bytes[end] == UInt8(ascii: ".") else { return end }
        var digits = end + 1
        while digits < bytes.count, bytes[digits] >= 48, bytes[digits] <= 57 { digits += 1 }
        return digits > end + 1 ? digits : nil
    }

    private static func normalizedTime(_ bytes: [UInt8], from start: Int, to end: Int) -> String {
        let piece = String(decoding: bytes[start..<end], as: UTF8.self)
        return end - start == 5 ? piece + ":00" : piece
    }

    /// `YYYY-MM-DD[ T]HH:MM[:SS[.fraction]][Z|±HH[:MM]]` as `YYYY-MM-DD HH:MM:SS[.fraction][±HH:MM]`, or nil.
    static func timestamp(_ text: String) -> String? { timestamp(Array(text.utf8)) }

    static func timestamp(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= 16, let (year, month, day) = dateFields(bytes), validDay(year, month, day),
            bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "T"), let end = timeEnd(bytes, from: 11)
        else { return nil }
        var offset = ""
        if end < bytes.count {
            let sign = bytes[end]
            if sign == UInt8(ascii: "Z") && end + 1 == bytes.count {
                offset = "+00:00"
            } else if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"), let hours = number(bytes, end + 1, 2) {
                var minutes = "00"
                if end + 3 == bytes.count {
                } else if end + 6 == bytes.count, bytes[end + 3] == UInt8(ascii: ":"), let value = number(bytes, end + 4, 2) {
                    minutes = value < 10 ? "0\(value)" : String(value)
                } else {
                    return nil
                }
                offset = (sign == UInt8(ascii: "+") ? "+" : "-") + (hours < 10 ? "0\(hours)" : String(hours)) + ":" + minutes
            } else {
                return nil
            }
        }
        return String(decoding: bytes[0..<10], as: UTF8.self) + " " + normalizedTime(bytes, from: 11, to: end) + offset
    }

    /// Whether a normalized timestamp ends with an offset.
    static func hasOffset(_ text: String) -> Bool {
        text.utf8.count > 19 && text.utf8.dropFirst(19).contains { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }
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
