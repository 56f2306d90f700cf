import Foundation

/// What became of one value on its way to the target.
public enum PortableConversion: Sendable, Hashable {
    /// Carried as it was (in the target column's form).
    case value(PortableValue)
    /// Carried after a documented rule changed its form (text `'42'` in an INTEGER column of SQLite
    /// → 42, a Julian day number → a date): counted per rule in the report.
    case converted(PortableValue, rule: String)
    /// Became NULL by a documented rule (MariaDB's zero date `0000-00-00`): counted in the report.
    case nulled(rule: String)
    /// Cannot be represented in the target column; the reason names what is wrong with the value.
    case refused(reason: String)
}

/// Turns a raw value of a source archive into the form of the target column's type, by the rules of
/// docs/migrating.md. Never changes a value silently: a changed form is `.converted` or `.nulled`
/// with its rule's name, a value the target cannot hold is `.refused`.
public struct PortableValueConverter: Sendable {
    /// The source's archive carries every value as text (MariaDB, PostgreSQL): reading a number from
    /// text is the encoding, not a conversion. False for SQLite, whose archive keeps storage classes.
    public var textualSource: Bool

    public init(textualSource: Bool) {
        self.textualSource = textualSource
    }

    public func convert(_ value: PortableValue, from source: PortableType, to target: PortableType) -> PortableConversion {
        if case .null = value { return .value(.null) }
        if case .unreadable(let reason) = value { return .refused(reason: reason) }
        switch target {
        case .boolean: return toBoolean(value, from: source)
        case .integer(let bits): return toInteger(value, bits: bits, from: source)
        case .decimal(let precision, let scale): return toDecimal(value, precision: precision, scale: scale)
        case .real, .double: return toFloating(value, single: target == .real)
        case .text(let maxLength): return toText(value, maxLength: maxLength, from: source)
        case .fixedText(let length): return toText(value, maxLength: length, from: source)
        case .blob: return toBlob(value)
        case .date: return toDate(value)
        case .time: return toTime(value)
        case .timestamp(let zone): return toTimestamp(value, withTimeZone: zone)
        case .json: return toJSON(value)
        case .uuid: return toUUID(value)
        case .enumeration(let labels): return toLabel(value, labels: labels)
        case .set(let labels): return toLabels(value, labels: labels)
        case .bits(let length): return toBits(value, length: length)
        }
    }

    /// A rule's result: counted when the value's form was not the one the source's type implies.
    private func ruled(_ value: PortableValue, _ rule: String, counted: Bool) -> PortableConversion {
        counted ? .converted(value, rule: rule) : .value(value)
    }

    // MARK: - Numbers and booleans

    private func toBoolean(_ value: PortableValue, from source: PortableType) -> PortableConversion {
        switch value {
        case .integer(let number):
            if number == 0 || number == 1 { return .value(.boolean(number == 1)) }
            return .refused(reason: "\(number) is neither 0 nor 1")
        case .real(let number):
            if number == 0 || number == 1 { return .converted(.boolean(number == 1), rule: "real-to-boolean") }
            return .refused(reason: "\(number) is neither 0 nor 1")
        case .text(let bytes), .blob(let bytes):
            // A BIT(1) arrives as one raw byte.
            if case .bits = source, bytes.count == 1, bytes[0] <= 1 { return .value(.boolean(bytes[0] == 1)) }
            let text = String(decoding: bytes, as: UTF8.self).lowercased()
            switch text {
            case "1", "t", "true", "y", "yes", "on":
                return ruled(.boolean(true), "text-to-boolean", counted: !textualSource || text != "1")
            case "0", "f", "false", "n", "no", "off":
                return ruled(.boolean(false), "text-to-boolean", counted: !textualSource || text != "0")
            default: return .refused(reason: "'\(text.prefix(40))' is not a boolean")
            }
        case .boolean: return .value(value)
        default: return .refused(reason: "\(value.shown) is not a boolean")
        }
    }

    private func toInteger(_ value: PortableValue, bits: Int, from source: PortableType) -> PortableConversion {
        let range: ClosedRange<Int64> =
            bits == 16 ? Int64(Int16.min)...Int64(Int16.max) : bits == 32 ? Int64(Int32.min)...Int64(Int32.max) : Int64.min...Int64.max
        func checked(_ number: Int64, _ rule: String?) -> PortableConversion {
            guard range.contains(number) else { return .refused(reason: "\(number) is outside the range of a \(bits)-bit integer") }
            return rule.map { .converted(.integer(number), rule: $0) } ?? .value(.integer(number))
        }
        switch value {
        case .integer(let number): return checked(number, nil)
        case .boolean(let flag): return checked(flag ? 1 : 0, "boolean-to-integer")
        case .real(let number):
            guard number.rounded() == number, let exact = Int64(exactly: number) else {
                return .refused(reason: "\(number) is not an integer")
            }
            return checked(exact, "real-to-integer")
        case .text(let bytes), .blob(let bytes):
            if case .bits = source {  // BIT(n): big-endian bytes
                guard bytes.count <= 8 else { return .refused(reason: "a bit string of \(bytes.count) bytes is wider than 64 bits") }
                let number = bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                guard let signed = Int64(exactly: number) else { return .refused(reason: "\(number) is outside the range of a 64-bit integer") }
                return checked(signed, "bits-to-integer")
            }
            let text = String(decoding: bytes, as: UTF8.self)
            if let number = Int64(text) { return checked(number, textualSource ? nil : "text-to-integer") }
            return .refused(reason: "'\(text.prefix(40))' is not an integer")
        default: return .refused(reason: "\(value.shown) is not an integer")
        }
    }

    private func toDecimal(_ value: PortableValue, precision: Int?, scale: Int?) -> PortableConversion {
        var rule: String?
        let text: String
        // An integer's or a finite double's own text is always a number: only its size is checked.
        var wellFormed = false
        switch value {
        case .integer(let number):
            text = String(number)
            wellFormed = true
        case .real(let number):
            guard number.isFinite else { return .refused(reason: "\(number) is not a finite number") }
            text = String(number)
            wellFormed = true
        case .decimal(let digits): text = digits
        case .text(let bytes):
            text = String(decoding: bytes, as: UTF8.self)
            if !textualSource { rule = "text-to-numeric" }
        default: return .refused(reason: "\(value.shown) is not a number")
        }
        guard wellFormed || PortableSyntax.isDecimal(text) else { return .refused(reason: "'\(text.prefix(40))' is not a number") }
        if let precision, let digits = PortableSyntax.integerDigits(text), digits > precision - (scale ?? 0) {
            return .refused(reason: "\(text) does not fit numeric(\(precision),\(scale ?? 0))")
        }
        return rule.map { .converted(.decimal(text), rule: $0) } ?? .value(.decimal(text))
    }

    private func toFloating(_ value: PortableValue, single: Bool) -> PortableConversion {
        switch value {
        case .real(let number): return .value(.real(number))
        case .integer(let number): return .value(.real(Double(number)))
        case .decimal(let text): return Double(text).map { .value(.real($0)) } ?? .refused(reason: "'\(text)' is not a number")
        case .text(let bytes):
            let text = String(decoding: bytes, as: UTF8.self)
            guard let number = Double(text.trimmingCharacters(in: .whitespaces)) else {
                return .refused(reason: "'\(text.prefix(40))' is not a number")
            }
            return ruled(.real(number), "text-to-real", counted: !textualSource)
        default: return .refused(reason: "\(value.shown) is not a number")
        }
    }

    // MARK: - Text and bytes

    private func toText(_ value: PortableValue, maxLength: Int?, from source: PortableType) -> PortableConversion {
        var rule: String?
        let bytes: [UInt8]
        switch value {
        case .text(let raw): bytes = raw
        case .integer(let number):
            bytes = Array(String(number).utf8)
            rule = "number-to-text"
        case .real(let number):
            bytes = Array(String(number).utf8)
            rule = "number-to-text"
        case .blob(let raw):
            bytes = raw
            rule = "blob-to-text"
        case .boolean(let flag): bytes = Array((flag ? "true" : "false").utf8)
        case .decimal(let text), .date(let text), .time(let text), .timestamp(let text), .uuid(let text), .bits(let text):
            bytes = Array(text.utf8)
        case .json(let raw): bytes = raw
        case .labels(let labels): bytes = Array(labels.joined(separator: ",").utf8)
        case .null: return .value(.null)
        case .unreadable(let reason): return .refused(reason: reason)
        }
        if let problem = PortableSyntax.textProblem(bytes) { return .refused(reason: problem) }
        if let maxLength, bytes.count > maxLength {  // bytes ≥ characters: count characters only then
            let characters = String(decoding: bytes, as: UTF8.self).count
            if characters > maxLength { return .refused(reason: "\(characters) characters are more than the column's \(maxLength)") }
        }
        return rule.map { .converted(.text(bytes), rule: $0) } ?? .value(.text(bytes))
    }

    private func toBlob(_ value: PortableValue) -> PortableConversion {
        switch value {
        case .blob(let bytes): return .value(.blob(bytes))
        case .text(let bytes): return ruled(.blob(bytes), "text-to-blob", counted: !textualSource)
        case .integer(let number): return .converted(.blob(Array(String(number).utf8)), rule: "number-to-blob")
        case .real(let number): return .converted(.blob(Array(String(number).utf8)), rule: "number-to-blob")
        default: return .refused(reason: "\(value.shown) is not bytes")
        }
    }

    private func toJSON(_ value: PortableValue) -> PortableConversion {
        let bytes: [UInt8]
        switch value {
        case .text(let raw), .blob(let raw), .json(let raw): bytes = raw
        case .integer, .real: bytes = Array(value.shown.utf8)
        default: return .refused(reason: "\(value.shown) is not JSON")
        }
        if let problem = PortableSyntax.textProblem(bytes) { return .refused(reason: problem) }
        guard (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil else {
            return .refused(reason: "'\(String(decoding: bytes.prefix(40), as: UTF8.self))' is not valid JSON")
        }
        return .value(.json(bytes))
    }

    private func toUUID(_ value: PortableValue) -> PortableConversion {
        switch value {
        case .uuid: return .value(value)
        case .blob(let bytes) where bytes.count == 16:
            let hex = bytes.map { String(format2: $0) }.joined()
            return .converted(.uuid(PortableSyntax.dashedUUID(hex)), rule: "blob-to-uuid")
        case .text(let bytes):
            let text = String(decoding: bytes, as: UTF8.self).lowercased()
            let hex = text.filter { $0 != "-" }
            guard hex.count == 32, hex.allSatisfy(\.isHexDigit), text.count == 32 || text.count == 36 else {
                return .refused(reason: "'\(text.prefix(40))' is not a UUID")
            }
            return .value(.uuid(PortableSyntax.dashedUUID(hex)))
        default: return .refused(reason: "\(value.shown) is not a UUID")
        }
    }

    private func toLabel(_ value: PortableValue, labels: [String]) -> PortableConversion {
        if case .labels(let members) = value, members.count == 1 { return toLabel(.text(Array(members[0].utf8)), labels: labels) }
        guard case .text(let bytes) = value else { return .refused(reason: "\(value.shown) is not one of the labels") }
        let text = String(decoding: bytes, as: UTF8.self)
        guard labels.contains(text) else { return .refused(reason: "'\(text.prefix(40))' is not one of \(labels.joined(separator: ", "))") }
        return .value(.text(bytes))
    }

    private func toLabels(_ value: PortableValue, labels: [String]) -> PortableConversion {
        guard case .text(let bytes) = value else { return .refused(reason: "\(value.shown) is not a set of labels") }
        let text = String(decoding: bytes, as: UTF8.self)
        let members = text.isEmpty ? [] : text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        if let stranger = members.first(where: { !labels.contains($0) }) {
            return .refused(reason: "'\(stranger.prefix(40))' is not one of \(labels.joined(separator: ", "))")
        }
        return .value(.labels(members))
    }

    private func toBits(_ value: PortableValue, length: Int) -> PortableConversion {
        switch value {
        case .bits(let text):
            if text.count == length { return .value(value) }
            if text.count < length { return .converted(.bits(String(repeating: "0", count: length - text.count) + text), rule: "bits-widened") }
            return .refused(reason: "\(text) is wider than bit(\(length))")
        case .text(let bytes), .blob(let bytes):
            let all = bytes.map { byte in (0..<8).reversed().map { byte >> $0 & 1 == 1 ? "1" : "0" }.joined() }.joined()
            let extra = all.count - length
            if extra > 0 {
                guard !all.prefix(extra).contains("1") else { return .refused(reason: "\(all) is wider than bit(\(length))") }
                return .value(.bits(String(all.dropFirst(extra))))
            }
            return .value(.bits(String(repeating: "0", count: -extra) + all))
        case .integer(let number) where number >= 0:
            let binary = String(number, radix: 2)
            guard binary.count <= length else { return .refused(reason: "\(number) is wider than bit(\(length))") }
            return .converted(.bits(String(repeating: "0", count: length - binary.count) + binary), rule: "integer-to-bits")
        default: return .refused(reason: "\(value.shown) is not a bit string")
        }
    }

    // MARK: - Dates and times

    private func toDate(_ value: PortableValue) -> PortableConversion {
        switch value {
        case .date: return .value(value)
        case .timestamp(let text):
            if text.dropFirst(10).hasPrefix(" 00:00:00"), !text.dropFirst(19).contains(where: { $0 != "+" && $0 != "0" && $0 != ":" && $0 != "." }) {
                return .converted(.date(String(text.prefix(10))), rule: "midnight-timestamp-to-date")
            }
            return .refused(reason: "\(text) has a time of day, which a date column would drop")
        case .text(let bytes):
            if PortableSyntax.isZeroDate(bytes) { return .nulled(rule: "zero-date") }
            if PortableSyntax.isDate(bytes) { return .value(.date(String(decoding: bytes, as: UTF8.self))) }
            let text = String(decoding: bytes, as: UTF8.self)
            if let timestamp = PortableSyntax.timestamp(bytes), timestamp.hasSuffix(" 00:00:00") {
                return .converted(.date(String(timestamp.prefix(10))), rule: "midnight-timestamp-to-date")
            }
            return .refused(reason: "'\(text.prefix(40))' is not a date (YYYY-MM-DD)")
        case .integer, .real:
            guard let (date, seconds) = PortableSyntax.julianDay(value) else { return .refused(reason: "\(value.shown) is not a Julian day number") }
            guard seconds == 0 else { return .refused(reason: "Julian day \(value.shown) has a time of day, which a date column would drop") }
            return .converted(.date(date), rule: "julian-day-to-date")
        default: return .refused(reason: "\(value.shown) is not a date")
        }
    }

    private func toTime(_ value: PortableValue) -> PortableConversion {
        if case .time = value { return .value(value) }
        guard case .text(let bytes) = value else { return .refused(reason: "\(value.shown) is not a time of day") }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let time = PortableSyntax.timeOfDay(text) else { return .refused(reason: "'\(text.prefix(40))' is not a time of day (HH:MM:SS)") }
        return time == text ? .value(.time(time)) : .converted(.time(time), rule: "time-normalized")
    }

    private func toTimestamp(_ value: PortableValue, withTimeZone: Bool) -> PortableConversion {
        var rule: String?
        var text: String
        switch value {
        case .timestamp(let typed): text = typed
        case .date(let day):
            text = day + " 00:00:00"
            rule = "date-to-timestamp"
        case .text(let bytes):
            if PortableSyntax.isZeroDate(bytes) { return .nulled(rule: "zero-date") }
            if PortableSyntax.isDate(bytes) {
                text = String(decoding: bytes, as: UTF8.self) + " 00:00:00"
                rule = "date-to-timestamp"
            } else if let parsed = PortableSyntax.timestamp(bytes) {
                text = parsed
                if !textualSource && !parsed.utf8.elementsEqual(bytes) { rule = "timestamp-normalized" }
            } else {
                return .refused(reason: "'\(String(decoding: bytes.prefix(40), as: UTF8.self))' is not a timestamp (YYYY-MM-DD HH:MM:SS)")
            }
        case .integer, .real:
            guard let (date, seconds) = PortableSyntax.julianDay(value) else { return .refused(reason: "\(value.shown) is not a Julian day number") }
            text = date + " " + PortableSyntax.clock(seconds)
            rule = "julian-day-to-timestamp"
        default: return .refused(reason: "\(value.shown) is not a timestamp")
        }
        // An instant without an offset is read as UTC (MariaDB's dump session and SQLite's date functions use UTC).
        if withTimeZone && !PortableSyntax.hasOffset(text) { text += "+00:00" }
        // An instant into a column without a zone: written in UTC, the form every source here gives.
        if !withTimeZone && PortableSyntax.hasOffset(text) {
            guard text.hasSuffix("+00:00") else { return .refused(reason: "\(text) is not in UTC") }
            text.removeLast(6)
            rule = rule ?? "instant-as-utc"
        }
        return rule.map { .converted(.timestamp(text), rule: $0) } ?? .value(.timestamp(text))
    }
}
