import PoolKit

/// A value of PostgreSQL's binary COPY format as the text PostgreSQL's output function writes for
/// it in a session with `TimeZone = 'UTC'`, `DateStyle = 'ISO, YMD'`, `IntervalStyle = postgres`
/// and `extra_float_digits = 1`: the form of the types carried as text, and of the elements of
/// arrays and ranges. One exception: `money` is written as `money::numeric` writes it (`-12.34`),
/// not with the locale's currency symbol.
enum PostgresBinaryText {
    static func text(_ bytes: ArraySlice<UInt8>, as kind: PostgresBinaryValue.Kind) throws -> String {
        func integer(_ width: Int) throws -> UInt64 {
            guard bytes.count == width else { throw corrupt("a \(width * 8)-bit number of \(bytes.count) bytes") }
            var reader = BigEndianReader(bytes)
            return try reader.unsigned(width)
        }
        func signed(_ width: Int) throws -> Int64 {
            let shift = UInt64(64 - width * 8)
            return Int64(bitPattern: try integer(width) << shift) >> Int64(shift)
        }
        switch kind {
        case .unreadable(let type): throw corrupt("a value of type \(type), which has no portable form")
        case .boolean: return bytes.first == 1 ? "t" : "f"
        case .int2: return String(try signed(2))
        case .int4: return String(try signed(4))
        case .int8: return String(try signed(8))
        case .unsigned32: return String(try integer(4))
        case .unsigned64: return String(try integer(8))
        case .float4: return PostgresFloatText.float(Float(bitPattern: UInt32(try integer(4))))
        case .float8: return PostgresFloatText.double(Double(bitPattern: try integer(8)))
        case .money: return decimal(cents: try signed(8))
        case .text: return String(decoding: bytes, as: UTF8.self)
        case .jsonb, .jsonpath: return String(decoding: bytes.dropFirst(), as: UTF8.self)  // a version byte 1, then the text
        case .bytes: return "\\x" + bytes.map(hex).joined()
        case .date:
            let days = try signed(4)
            if days == Int64(Int32.max) || days == Int64(Int32.min) { return days > 0 ? "infinity" : "-infinity" }
            return PostgresClock.date(daysSince2000: days)
        case .time: return PostgresClock.time(microseconds: try signed(8))
        case .timetz:
            guard bytes.count == 12 else { throw corrupt("a time with time zone of \(bytes.count) bytes") }
            var reader = BigEndianReader(bytes)
            return PostgresClock.time(microseconds: try reader.int64(), secondsWest: Int64(try reader.int32()))
        case .timestamp, .timestamptz:
            let micro = try signed(8)
            if micro == Int64.max || micro == Int64.min { return micro > 0 ? "infinity" : "-infinity" }
            let text = PostgresClock.timestamp(microsecondsSince2000: micro)
            guard case .timestamptz = kind else { return text }
            return text.hasSuffix(" BC") ? text.dropLast(3) + "+00 BC" : text + "+00"
        case .char:
            // One byte: none for the empty "char"; `\ooo` for a byte with the high bit set.
            guard let byte = bytes.first, byte != 0 else { return "" }
            return byte < 0x80 ? String(UnicodeScalar(byte)) : "\\" + String(byte, radix: 8)
        case .pgLSN:
            let position = try integer(8)
            return String(position >> 32, radix: 16, uppercase: true) + "/" + String(position & 0xFFFF_FFFF, radix: 16, uppercase: true)
        case .tid:
            guard bytes.count == 6 else { throw corrupt("a tid of \(bytes.count) bytes") }
            var reader = BigEndianReader(bytes)
            return "(\(try reader.unsigned(4)),\(try reader.unsigned(2)))"
        case .network: return try PostgresNetworkText.address(bytes)
        case .macaddr: return PostgresNetworkText.macAddress(bytes)
        case .tsvector: return try PostgresTextSearchText.vector(bytes)
        case .tsquery: return try PostgresTextSearchText.query(bytes)
        case .geometry(let shape): return try PostgresGeometryText.text(bytes, as: shape)
        case .range(let element): return try PostgresRangeText.range(bytes, of: element)
        case .multirange(let element): return try PostgresRangeText.multirange(bytes, of: element)
        case .array: return try PostgresBinaryArrayText.text(bytes)
        case .numeric, .uuid, .bits, .interval:
            switch try PostgresBinaryValue.decode(bytes, as: kind) {
            case .decimal(let text), .uuid(let text), .bits(let text): return text
            case .text(let text): return String(decoding: text, as: UTF8.self)
            case .real(let number): return number.isNaN ? "NaN" : number < 0 ? "-Infinity" : "Infinity"
            case let other: throw corrupt("a \(kind) read as \(other.shown)")
            }
        }
    }

    /// An amount in hundredths as a decimal number with two fractional digits: `-1234` → `-12.34`.
    private static func decimal(cents: Int64) -> String {
        let magnitude = cents.magnitude
        let fraction = magnitude % 100
        return (cents < 0 ? "-" : "") + String(magnitude / 100) + (fraction < 10 ? ".0" : ".") + String(fraction)
    }

    /// `byte` as two lower-case hex digits.
    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }

    /// `text` in double quotes, with `"` and `\` escaped by a backslash, when it is empty or holds
    /// a byte of `special` or white space (C's `isspace`); else as it is. Array elements and range
    /// bounds are quoted so.
    static func quotedIfNeeded(_ text: String, special: String, alsoWhen extra: Bool = false) -> String {
        let marks = Set(special.utf8).union([0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D])
        guard extra || text.isEmpty || text.utf8.contains(where: marks.contains) else { return text }
        return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func corrupt(_ what: String) -> PoolKitError {
        PoolKitError(.archiveCorrupt, "postgres-copy-binary data holds \(what)")
    }
}
