import Foundation
import Logging
import PoolKitConformance
import PoolKitPostgres
import Testing

/// Every value mapping of docs/values.md on the real PostgreSQL server, both ways (bound into a
/// column of the engine's type, read back from it), with extremes.
@Suite(
    "PostgreSQL value mapping",
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresValueTests {
    func withConnection(_ body: (PostgresConnection) async throws -> Void) async throws {
        let text = try #require(TestServers.url(for: .postgres), "\(TestServers.missingMessage(for: .postgres))")
        try await ValueRoundTrip.withConnection(PostgresDriver(), try ConnectionURL(text), body)
    }

    func roundTrip<T: SQLValueConvertible & SQLDecodable>(_ values: [T], as type: String, on connection: PostgresConnection) async throws -> [T] {
        try await ValueRoundTrip.run(values, as: type, on: connection)
    }

    static let thousandDigits = "-" + String(repeating: "9876543210", count: 60) + "." + String(repeating: "0123456789", count: 40)

    @Test("numeric: exact through SQLNumeric (1,000 digits, NaN, ±Infinity) and Decimal (38 digits), never through Double")
    func numeric() async throws {
        try await withConnection { connection in
            let numbers: [SQLNumeric] = [
                "0", "-0.000000001", "123456789012345678901234567890.123456789", SQLNumeric(Self.thousandDigits)!, "NaN", "Infinity",
                "-Infinity", "1.50",
            ]
            let back = try await roundTrip(numbers, as: "numeric", on: connection)
            #expect(back == numbers)
            #expect(back[3].description == Self.thousandDigits)
            #expect(back[7].description == "1.50")
            let decimals = [Decimal(string: "12345678901234567890.123456789012345678")!, Decimal(string: "-0.0001")!, Decimal(0)]
            let back1 = try await roundTrip(decimals, as: "numeric(60,30)", on: connection)
            #expect(back1 == decimals)
            // Too many digits for Decimal: an error that points to SQLNumeric, not a rounded value.
            let wide = try await connection.query("SELECT \(SQLNumeric(Self.thousandDigits)!)::numeric AS n")
            let error = #expect(throws: PoolKitError.self) { try wide.scalar(Decimal.self) }
            let message = "\(error.map { "\($0)" } ?? "")"
            #expect(message.contains("SQLNumeric") && message.contains("SQL type numeric") && message.contains("Swift type Decimal"), "\(message)")
        }
    }

    @Test("float8: NaN, ±infinity, the largest and smallest normal magnitudes, -0")
    func float8() async throws {
        try await withConnection { connection in
            let values: [Double] = [.infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNormalMagnitude, 0.1, -0.0]
            let back = try await roundTrip(values + [.nan], as: "double precision", on: connection)
            #expect(Array(back.prefix(values.count)) == values)
            #expect(back.last!.isNaN)
            #expect(back[6].sign == .minus)
        }
    }

    @Test("uuid, bytea (empty, every byte value), text with NUL-free unicode")
    func uuidAndBytes() async throws {
        try await withConnection { connection in
            let uuids = [UUID(), UUID(uuidString: "00000000-0000-0000-0000-000000000000")!, UUID(uuidString: "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")!]
            let back2 = try await roundTrip(uuids, as: "uuid", on: connection)
            #expect(back2 == uuids)
            let blobs = [Data(), Data((0...255).map { UInt8($0) }), Data([0, 0, 0])]
            let back3 = try await roundTrip(blobs, as: "bytea", on: connection)
            #expect(back3 == blobs)
            let texts = ["", "Zoë 東京 🎉", "a'b\"c\\d", String(repeating: "x", count: 100_000)]
            let back4 = try await roundTrip(texts, as: "text", on: connection)
            #expect(back4 == texts)
        }
    }

    struct Profile: Codable, Sendable, Equatable {
        var name: String
        var tags: [String]
        var limits: [String: Int]
        var nested: Nested?
        struct Nested: Codable, Sendable, Equatable { var on: Bool }
    }

    @Test("json and jsonb as Codable values, and a Decodable row's struct property read from JSON")
    func json() async throws {
        try await withConnection { connection in
            let profiles = [
                Profile(name: "Zoë \"q\" \\ 東京", tags: [], limits: ["a": Int(Int32.max)], nested: .init(on: true)),
                Profile(name: "", tags: ["x", "y"], limits: [:], nested: nil),
            ]
            for type in ["json", "jsonb"] {
                let back = try await roundTrip(try profiles.map { try SQLJSON($0) }, as: type, on: connection)
                #expect(back.map(\.value) == profiles)
            }
            struct Row: Decodable { var id: Int; var profile: Profile }
            let rows = try await connection.query("SELECT \(1) AS id, \(try SQLJSON(profiles[0]))::jsonb AS profile").decode(Row.self)
            #expect(rows.first?.profile == profiles[0])
        }
    }

    @Test("date, time, interval and Duration, with years 1 and 9999 and PostgreSQL's interval extremes")
    func calendarValues() async throws {
        try await withConnection { connection in
            let days = [SQLCalendarDate(year: 1, month: 1, day: 1), SQLCalendarDate(year: 9999, month: 12, day: 31), SQLCalendarDate(year: 2024, month: 2, day: 29)]
            let back5 = try await roundTrip(days, as: "date", on: connection)
            #expect(back5 == days)
            let times = [SQLTimeOfDay(hour: 0, minute: 0, second: 0), SQLTimeOfDay(hour: 23, minute: 59, second: 59, microsecond: 999_999), SQLTimeOfDay(hour: 12, minute: 34, second: 56, microsecond: 500_000)]
            let back6 = try await roundTrip(times, as: "time", on: connection)
            #expect(back6 == times)
            let intervals = [
                SQLInterval(months: 14, days: -3, microseconds: 3_723_000_001), SQLInterval(), SQLInterval(microseconds: -1),
                SQLInterval(months: 178_000_000 * 12), SQLInterval(months: -178_000_000 * 12), SQLInterval(days: 1),
            ]
            let back7 = try await roundTrip(intervals, as: "interval", on: connection)
            #expect(back7 == intervals)
            let durations: [Duration] = [.seconds(90061) + .milliseconds(500), .zero, .microseconds(-1), .seconds(3600 * 10_000)]
            let back8 = try await roundTrip(durations, as: "interval", on: connection)
            #expect(back8 == durations)
            let calendar = try await connection.query("SELECT '1 day'::interval AS d")
            #expect(try calendar.decode(SQLInterval.self) == [SQLInterval(days: 1)])
            #expect(throws: PoolKitError.self) { try calendar.scalar(Duration.self) }
        }
    }

    @Test("timestamptz and timestamp: years 1 and 9999, microseconds, read back the same in any session time zone")
    func timestamps() async throws {
        try await withConnection { connection in
            let moments = ValueRoundTrip.extremeMoments + [Date(timeIntervalSince1970: 0)]
            for zone in ["UTC", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham", "Europe/Amsterdam"] {
                try await connection.execute("SELECT set_config('TimeZone', \(zone), false)")
                let back = try await roundTrip(moments, as: "timestamptz", on: connection)
                for (sent, received) in zip(moments, back) {
                    #expect(abs(sent.timeIntervalSince(received)) < 0.000_001, "\(zone): \(sent) came back as \(received)")
                }
            }
            try await connection.execute("RESET TimeZone")
            let plain = try await roundTrip(moments, as: "timestamp", on: connection)
            for (sent, received) in zip(moments, plain) {
                #expect(abs(sent.timeIntervalSince(received)) < 0.000_001)
            }
        }
    }

    @Test("arrays: int8[], text[] with hostile elements and NULLs, numeric[], uuid[], empty and NULL arrays, = ANY(…)")
    func arrays() async throws {
        try await withConnection { connection in
            let integers = [PostgresArray<Int64>([Int64.min, 0, Int64.max]), PostgresArray([]), PostgresArray([42])]
            let back9 = try await roundTrip(integers, as: "int8[]", on: connection)
            #expect(back9 == integers)
            let texts = [PostgresArray<String?>(["a,b", "{c}", "\"q\"", "back\\slash", "NULL", nil, "", " spaced ", "Zoë 東京"])]
            let back10 = try await roundTrip(texts, as: "text[]", on: connection)
            #expect(back10 == texts)
            let numbers = [PostgresArray<SQLNumeric>([SQLNumeric(Self.thousandDigits)!, "NaN", "-0.5"])]
            let back11 = try await roundTrip(numbers, as: "numeric[]", on: connection)
            #expect(back11 == numbers)
            let uuids = [PostgresArray([UUID(), UUID()])]
            let back12 = try await roundTrip(uuids, as: "uuid[]", on: connection)
            #expect(back12 == uuids)
            let floats = [PostgresArray<Double>([.infinity, -.infinity, 1.5])]
            let back13 = try await roundTrip(floats, as: "float8[]", on: connection)
            #expect(back13 == floats)
            let none: [PostgresArray<Int64>?] = [nil, PostgresArray([])]
            let back14 = try await roundTrip(none, as: "int8[]", on: connection)
            #expect(back14 == none)
            let ids: [Int64] = [3, 5]
            let found = try await connection.query("SELECT x FROM generate_series(1, 6) AS x WHERE x = ANY(\(PostgresArray(ids))) ORDER BY x")
            let foundIDs = try found.decode(Int64.self)
            #expect(foundIDs == ids)
            let twoDimensional = try await connection.query("SELECT ARRAY[[1,2],[3,4]] AS a")
            #expect(throws: PoolKitError.self) { try twoDimensional.scalar(PostgresArray<Int>.self) }
        }
    }
}
