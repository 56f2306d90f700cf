import PoolKit

/// Values of PostgreSQL's binary COPY format (each type's `send` form, big-endian) as portable
/// values, for the types ``PostgresTypeMapping`` maps, arrays of them and intervals.
enum PostgresBinaryValue {
    /// Whether a column of catalog type `type` can be read from binary COPY.
    static func supports(_ type: String) -> Bool {
        let lower = type.lowercased()
        if lower.hasSuffix("[]") { return supports(String(lower.dropLast(2))) }
        let base = PostgresTypeMapping.baseName(lower)
        return decoders.keys.contains(base) || base == "interval"
    }

    private static let decoders: [String: Kind] = [
        "boolean": .boolean, "smallint": .int2, "integer": .int4, "bigint": .int8, "real": .float4, "double precision": .float8,
        "numeric": .numeric, "text": .text, "name": .text, "citext": .text, "character varying": .text, "character": .text,
        "bpchar": .text, "json": .text, "jsonb": .jsonb, "bytea": .bytes, "date": .date, "time without time zone": .time,
        "timestamp without time zone": .timestamp, "timestamp with time zone": .timestamptz, "uuid": .uuid, "bit": .bits,
        "bit varying": .bits, "interval": .interval,
    ]

    indirect enum Kind: Sendable {
        case boolean, int2, int4, int8, float4, float8, numeric, text, jsonb, bytes, date, time, timestamp, timestamptz, uuid, bits, interval
        case array(Kind)
    }

    /// How a column of catalog type `type` is read.
    static func kind(_ type: String) -> Kind {
        let lower = type.lowercased()
        if lower.hasSuffix("[]") { return .array(kind(String(lower.dropLast(2)))) }
        return decoders[PostgresTypeMapping.baseName(lower)] ?? .text
    }

    /// Array element type OIDs → kinds (PostgreSQL's fixed OIDs of the built-in types).
    private static let elementKinds: [UInt32: Kind] = [
        16: .boolean, 21: .int2, 23: .int4, 20: .int8, 700: .float4, 701: .float8, 1700: .numeric, 25: .text, 1043: .text,
        1042: .text, 19: .text, 114: .text, 3802: .jsonb, 17: .bytes, 1082: .date, 1083: .time, 1114: .timestamp,
        1184: .timestamptz, 2950: .uuid, 1560: .bits, 1562: .bits, 1186: .interval,
    ]

    static func decode(_ bytes: ArraySlice<UInt8>, as kind: Kind) throws -> PortableValue {
        func integer(_ width: Int) throws -> Int64 {
            guard bytes.count == width else { throw corrupt("a \(width * 8)-bit integer of \(bytes.count) bytes") }
            var value: UInt64 = 0
            for byte in bytes { value = value << 8 | UInt64(byte) }
            let shift = UInt64(64 - width * 8)
            return Int64(bitPattern: value << shift) >> Int64(shift)
        }
        switch kind {
        case .boolean: return .boolean(bytes.first == 1)
        case .int2: return .integer(try integer(2))
        case .int4: return .integer(try integer(4))
        case .int8: return .integer(try integer(8))
        case .float4: return .real(Double(Float(bitPattern: UInt32(truncatingIfNeeded: try integer(4)))))
        case .float8: return .real(Double(bitPattern: UInt64(bitPattern: try integer(8))))
        case .numeric: return try numeric(bytes)
        case .text: return .text(Array(bytes))
        case .jsonb: return .json(Array(bytes.dropFirst()))  // version byte 1, then the text
        case .bytes: return .blob(Array(bytes))
        case .uuid:
            guard bytes.count == 16 else { throw corrupt("a uuid of \(bytes.count) bytes") }
            let hex = bytes.map { byte -> String in
                let digits = Array("0123456789abcdef")
                return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
            }.joined()
            let characters = Array(hex)
            return .uuid([0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-"))
        case .date:
            let days = try integer(4)
            if days == Int64(Int32.max) || days == Int64(Int32.min) { return .text(Array((days > 0 ? "infinity" : "-infinity").utf8)) }
            // A year outside 1–9999 (BC, or five digits) has no portable form: carried as PostgreSQL's
            // text for it, which the conversion refuses as it refuses 'infinity'.
            let text = PostgresClock.date(daysSince2000: days)
            return PostgresClock.isPortable(text) ? .date(text) : .text(Array(text.utf8))
        case .time: return .time(PostgresClock.time(microseconds: try integer(8)))
        case .timestamp, .timestamptz:
            let micro = try integer(8)
            if micro == Int64.max || micro == Int64.min { return .text(Array((micro > 0 ? "infinity" : "-infinity").utf8)) }
            let text = PostgresClock.timestamp(microsecondsSince2000: micro)
            guard PostgresClock.isPortable(text) else { return .text(Array(text.utf8)) }
            if case .timestamptz = kind { return .timestamp(text + "+00:00") }
            return .timestamp(text)
        case .bits:
            guard bytes.count >= 4 else { throw corrupt("a bit string of \(bytes.count) bytes") }
            let length = Int(try decode(bytes.prefix(4), as: .int4).integerValue)
            let all = bytes.dropFirst(4).map { byte in (0..<8).reversed().map { byte >> $0 & 1 == 1 ? "1" : "0" }.joined() }.joined()
            return .bits(String(all.prefix(length)))
        case .interval:
            guard bytes.count == 16 else { throw corrupt("an interval of \(bytes.count) bytes") }
            let micro = try decode(bytes.prefix(8), as: .int8).integerValue
            let days = try decode(bytes.dropFirst(8).prefix(4), as: .int4).integerValue
            let months = try decode(bytes.suffix(4), as: .int4).integerValue
            return .text(Array(PostgresClock.interval(months: months, days: days, microseconds: micro).utf8))
        case .array: return .text(Array(try arrayText(bytes).utf8))
        }
    }

    /// A binary array as PostgreSQL's text form, e.g. `{1,NULL,"a b"}` (`{{1,2},{3,4}}` for two dimensions).
    private static func arrayText(_ bytes: ArraySlice<UInt8>) throws -> String {
        var reader = BigEndianReader(bytes)
        let dimensions = Int(try reader.int32())
        _ = try reader.int32()  // has-nulls flag
        let element = UInt32(bitPattern: try reader.int32())
        guard let kind = elementKinds[element] else { throw corrupt("an array of element type OID \(element), which has no portable form") }
        if dimensions == 0 { return "{}" }
        var lengths: [Int] = []
        for _ in 0..<dimensions {
            lengths.append(Int(try reader.int32()))
            _ = try reader.int32()  // lower bound
        }
        var items: [String] = []
        for _ in 0..<lengths.reduce(1, *) {
            let length = Int(try reader.int32())
            if length < 0 {
                items.append("NULL")
                continue
            }
            let value = try decode(try reader.bytes(length), as: kind)
            let text = String(decoding: PostgresPortableText.text(value) ?? [], as: UTF8.self)
            let plain = !text.isEmpty && text.uppercased() != "NULL" && !text.contains { "{},\"\\ \t\n".contains($0) }
            items.append(plain ? text : "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"")
        }
        func nest(_ items: ArraySlice<String>, _ dims: ArraySlice<Int>) -> String {
            guard let first = dims.first, dims.count > 1 else { return "{" + items.joined(separator: ",") + "}" }
            let size = items.count / max(first, 1)
            return "{" + (0..<first).map { nest(items.dropFirst($0 * size).prefix(size), dims.dropFirst()) }.joined(separator: ",") + "}"
        }
        return nest(items[...], lengths[...])
    }

    /// `numeric`: digit count, weight, sign, display scale, then base-10000 digits.
    private static func numeric(_ bytes: ArraySlice<UInt8>) throws -> PortableValue {
        var reader = BigEndianReader(bytes)
        let count = Int(try reader.int16())
        let weight = Int(try reader.int16())
        let sign = UInt16(bitPattern: try reader.int16())
        let scale = Int(try reader.int16())
        switch sign {
        case 0xC000: return .real(.nan)
        case 0xD000: return .real(.infinity)
        case 0xF000: return .real(-.infinity)
        default: break
        }
        var digits: [Int] = []
        for _ in 0..<count { digits.append(Int(try reader.int16())) }
        var whole = ""
        if weight >= 0 {
            for index in 0...weight {
                let group = index < digits.count ? digits[index] : 0
                whole += index == 0 ? String(group) : String(repeating: "0", count: 4 - String(group).count) + String(group)
            }
        } else {
            whole = "0"
        }
        var fraction = ""
        if scale > 0 {
            var index = weight + 1
            while fraction.count < scale {
                let group = index >= 0 && index < digits.count ? digits[index] : 0
                fraction += String(repeating: "0", count: 4 - String(group).count) + String(group)
                index += 1
            }
            fraction = "." + String(fraction.prefix(scale))
        }
        return .decimal((sign == 0x4000 ? "-" : "") + whole + fraction)
    }

    private static func corrupt(_ what: String) -> PoolKitError {
        PoolKitError(.archiveCorrupt, "postgres-copy-binary data holds \(what)")
    }
}

extension PortableValue {
    /// The integer of an `.integer`, else 0.
    fileprivate var integerValue: Int64 {
        if case .integer(let value) = self { return value }
        return 0
    }
}

/// Reads big-endian integers and byte runs from a slice.
struct BigEndianReader {
    private var bytes: ArraySlice<UInt8>
    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    var remaining: Int { bytes.count }

    mutating func bytes(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count >= count else { throw PoolKitError(.archiveCorrupt, "postgres-copy-binary data ends inside a value") }
        let result = bytes.prefix(count)
        bytes = bytes.dropFirst(count)
        return result
    }

    mutating func int16() throws -> Int16 {
        let piece = try bytes(2)
        return Int16(bitPattern: UInt16(piece[piece.startIndex]) << 8 | UInt16(piece[piece.startIndex + 1]))
    }

    mutating func int32() throws -> Int32 {
        let piece = try bytes(4)
        return Int32(bitPattern: piece.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    }
}

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
