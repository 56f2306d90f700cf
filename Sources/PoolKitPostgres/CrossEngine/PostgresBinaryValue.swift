import PoolKit

/// Values of PostgreSQL's binary COPY format (each type's `send` form, big-endian) as portable
/// values: the types ``PostgresTypeMapping`` maps to portable types as those; money as a decimal;
/// `oid`, `xid`, `cid` and `xid8` as integers; the other built-in types it reads (network,
/// geometric, range, text search types, arrays, intervals, …) as the text PostgreSQL writes for
/// them (``PostgresBinaryText``).
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
        // Carried as PostgreSQL's text for them (PostgresBinaryText), money as a decimal, the OID family as integers.
        "money": .money, "oid": .unsigned32, "xid": .unsigned32, "cid": .unsigned32, "xid8": .unsigned64,
        "time with time zone": .timetz, "\"char\"": .char, "pg_lsn": .pgLSN, "tid": .tid, "xml": .text, "jsonpath": .jsonpath,
        "inet": .network, "cidr": .network, "macaddr": .macaddr, "macaddr8": .macaddr, "tsvector": .tsvector, "tsquery": .tsquery,
        "point": .geometry(.point), "line": .geometry(.line), "lseg": .geometry(.lineSegment), "box": .geometry(.box),
        "path": .geometry(.path), "polygon": .geometry(.polygon), "circle": .geometry(.circle),
        "int4range": .range(.int4), "int8range": .range(.int8), "numrange": .range(.numeric), "daterange": .range(.date),
        "tsrange": .range(.timestamp), "tstzrange": .range(.timestamptz), "int4multirange": .multirange(.int4),
        "int8multirange": .multirange(.int8), "nummultirange": .multirange(.numeric), "datemultirange": .multirange(.date),
        "tsmultirange": .multirange(.timestamp), "tstzmultirange": .multirange(.timestamptz),
    ]

    indirect enum Kind: Sendable {
        case boolean, int2, int4, int8, float4, float8, numeric, text, jsonb, bytes, date, time, timestamp, timestamptz, uuid, bits, interval
        /// `money` (hundredths in an int8), `oid`/`xid`/`cid` (uint32), `xid8` (uint64).
        case money, unsigned32, unsigned64
        /// Types carried as PostgreSQL's text for them.
        case timetz, char, pgLSN, tid, jsonpath, network, macaddr, tsvector, tsquery
        case geometry(PostgresGeometryText.Shape)
        case array(Kind), range(Kind), multirange(Kind)
        /// A type with no portable form: each value is refused, naming it.
        case unreadable(String)

        /// Whether an array of it separates elements with `;` (box's delimiter) rather than `,`.
        var isBox: Bool {
            if case .geometry(.box) = self { return true }
            return false
        }
    }

    /// How a column of catalog type `type` is read.
    static func kind(_ type: String) -> Kind {
        let lower = type.lowercased()
        if lower.hasSuffix("[]") { return .array(kind(String(lower.dropLast(2)))) }
        return decoders[PostgresTypeMapping.baseName(lower)] ?? .text
    }

    /// An array's element type OID → its kind: the built-in types' OIDs, fixed in every database.
    static func elementKind(oid: UInt32) -> Kind? { elementKinds[oid] }

    private static let elementKinds: [UInt32: Kind] = [
        16: .boolean, 21: .int2, 23: .int4, 20: .int8, 700: .float4, 701: .float8, 1700: .numeric, 25: .text, 1043: .text,
        1042: .text, 19: .text, 114: .text, 3802: .jsonb, 17: .bytes, 1082: .date, 1083: .time, 1114: .timestamp,
        1184: .timestamptz, 2950: .uuid, 1560: .bits, 1562: .bits, 1186: .interval,
        790: .money, 26: .unsigned32, 28: .unsigned32, 29: .unsigned32, 5069: .unsigned64, 1266: .timetz, 18: .char, 3220: .pgLSN,
        27: .tid, 142: .text, 4072: .jsonpath, 869: .network, 650: .network, 829: .macaddr, 774: .macaddr, 3614: .tsvector,
        3615: .tsquery, 600: .geometry(.point), 628: .geometry(.line), 601: .geometry(.lineSegment), 603: .geometry(.box),
        602: .geometry(.path), 604: .geometry(.polygon), 718: .geometry(.circle), 3904: .range(.int4), 3926: .range(.int8),
        3906: .range(.numeric), 3912: .range(.date), 3908: .range(.timestamp), 3910: .range(.timestamptz),
        4451: .multirange(.int4), 4536: .multirange(.int8), 4532: .multirange(.numeric), 4535: .multirange(.date),
        4533: .multirange(.timestamp), 4534: .multirange(.timestamptz),
    ]

    static func decode(_ bytes: ArraySlice<UInt8>, as kind: Kind) throws -> PortableValue {
        func integer(_ width: Int) throws -> Int64 {
            guard bytes.count == width else { throw PostgresBinaryText.corrupt("a \(width * 8)-bit integer of \(bytes.count) bytes") }
            var value: UInt64 = 0
            for byte in bytes { value = value << 8 | UInt64(byte) }
            let shift = UInt64(64 - width * 8)
            return Int64(bitPattern: value << shift) >> Int64(shift)
        }
        switch kind {
        case .unreadable(let type): return .unreadable(reason: "its type \(type) has no portable form")
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
            guard bytes.count == 16 else { throw PostgresBinaryText.corrupt("a uuid of \(bytes.count) bytes") }
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
            guard bytes.count >= 4 else { throw PostgresBinaryText.corrupt("a bit string of \(bytes.count) bytes") }
            let length = Int(try decode(bytes.prefix(4), as: .int4).integerValue)
            let all = bytes.dropFirst(4).map { byte in (0..<8).reversed().map { byte >> $0 & 1 == 1 ? "1" : "0" }.joined() }.joined()
            return .bits(String(all.prefix(length)))
        case .interval:
            guard bytes.count == 16 else { throw PostgresBinaryText.corrupt("an interval of \(bytes.count) bytes") }
            let micro = try decode(bytes.prefix(8), as: .int8).integerValue
            let days = try decode(bytes.dropFirst(8).prefix(4), as: .int4).integerValue
            let months = try decode(bytes.suffix(4), as: .int4).integerValue
            return .text(Array(PostgresClock.interval(months: months, days: days, microseconds: micro).utf8))
        case .money: return .decimal(try PostgresBinaryText.text(bytes, as: kind))
        case .unsigned32, .unsigned64:
            // An xid8 beyond 2⁶³−1 stays a decimal, which an integer column refuses by name.
            let text = try PostgresBinaryText.text(bytes, as: kind)
            return Int64(text).map(PortableValue.integer) ?? .decimal(text)
        case .timetz, .char, .pgLSN, .tid, .jsonpath, .network, .macaddr, .tsvector, .tsquery, .geometry, .array, .range, .multirange:
            return .text(Array(try PostgresBinaryText.text(bytes, as: kind).utf8))
        }
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
}

extension PortableValue {
    /// The integer of an `.integer`, else 0.
    fileprivate var integerValue: Int64 {
        if case .integer(let value) = self { return value }
        return 0
    }
}
