import Foundation
import Logging
import PoolKitConformance
import PoolKitMariaDB
import Testing

/// Every value mapping of docs/values.md on the real MariaDB server, both ways (bound into a
/// column of the engine's type, read back from it), with the engine's extremes.
@Suite(
    "MariaDB value mapping",
    .enabled(if: TestServers.shouldRun(.mariadb), Comment(rawValue: TestServers.skipReason(.mariadb))))
struct MariaDBValueTests {
    func withConnection(_ body: (MariaDBConnection) async throws -> Void) async throws {
        let text = try #require(TestServers.url(for: .mariadb), "\(TestServers.missingMessage(for: .mariadb))")
        try await ValueRoundTrip.withConnection(MariaDBDriver(), try ConnectionURL(text), body)
    }

    func roundTrip<T: SQLValueConvertible & SQLDecodable>(_ values: [T], as type: String, on connection: MariaDBConnection) async throws -> [T] {
        try await ValueRoundTrip.run(values, as: type, on: connection)
    }

    @Test("DECIMAL: exact at 65 digits through SQLNumeric and Decimal, never through Double")
    func decimal() async throws {
        try await withConnection { connection in
            let numbers: [SQLNumeric] = [
                "99999999999999999999999999999999999.999999999999999999999999999999",
                "-99999999999999999999999999999999999.999999999999999999999999999999",
                "-0.000000000000000000000000000001", "0", "1.5",
            ]
            let back = try await roundTrip(numbers, as: "DECIMAL(65,30)", on: connection)
            #expect(back == numbers)
            let decimals = [Decimal(string: "1234567890123456789012345678.1234567890")!, Decimal(string: "-0.0000000001")!]
            let backDecimals = try await roundTrip(decimals, as: "DECIMAL(38,10)", on: connection)
            #expect(backDecimals == decimals)
            let wide = try await connection.query("SELECT CAST(\(numbers[0]) AS DECIMAL(65,30)) AS n")
            let error = #expect(throws: PoolKitError.self) { try wide.scalar(Decimal.self) }
            #expect("\(error.map { "\($0)" } ?? "")".contains("SQL type DECIMAL"))
        }
    }

    @Test("DOUBLE: the largest and smallest normal magnitudes; NaN and infinity are refused by the server")
    func double() async throws {
        try await withConnection { connection in
            let values: [Double] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNormalMagnitude, 0.1, 0]
            let back = try await roundTrip(values, as: "DOUBLE", on: connection)
            #expect(back == values)
            for special in [Double.nan, .infinity, -.infinity] {
                await #expect(throws: PoolKitError.self) { _ = try await roundTrip([special], as: "DOUBLE", on: connection) }
            }
        }
    }

    @Test("UUID, BINARY(16), BLOB, utf8mb4 text")
    func uuidBytesText() async throws {
        try await withConnection { connection in
            let uuids = [UUID(), UUID(uuidString: "00000000-0000-0000-0000-000000000000")!, UUID(uuidString: "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")!]
            let back = try await roundTrip(uuids, as: "UUID", on: connection)
            #expect(back == uuids)
            let uuid = UUID()
            let binary = try await connection.query("SELECT UNHEX(REPLACE(\(uuid), '-', '')) AS u").scalar(UUID.self)
            #expect(binary == uuid)
            let blobs = [Data(), Data((0...255).map { UInt8($0) }), Data([0, 0, 0])]
            let backBlobs = try await roundTrip(blobs, as: "LONGBLOB", on: connection)
            #expect(backBlobs == blobs)
            let texts = ["", "Zoë 東京 🎉", "a'b\"c\\d`e", String(repeating: "x", count: 100_000)]
            let backTexts = try await roundTrip(texts, as: "LONGTEXT", on: connection)
            #expect(backTexts == texts)
        }
    }

    struct Profile: Codable, Sendable, Equatable {
        var name: String
        var tags: [String]
        var limits: [String: Int]
    }

    @Test("JSON as Codable values, and a Decodable row's struct property read from JSON")
    func json() async throws {
        try await withConnection { connection in
            let profiles = [Profile(name: "Zoë \"q\" \\ 東京", tags: [], limits: ["a": Int(Int32.max)]), Profile(name: "", tags: ["x"], limits: [:])]
            let back = try await roundTrip(try profiles.map { try SQLJSON($0) }, as: "JSON", on: connection)
            #expect(back.map(\.value) == profiles)
            struct Row: Decodable { var id: Int; var profile: Profile }
            let rows = try await connection.query("SELECT \(1) AS id, \(try SQLJSON(profiles[0])) AS profile").decode(Row.self)
            #expect(rows.first?.profile == profiles[0])
        }
    }

    @Test("DATE, TIME(6) as a time of day and as a Duration (±838:59:59.999999), DATETIME(6) with years 1 and 9999")
    func calendarValues() async throws {
        try await withConnection { connection in
            let days = [SQLCalendarDate(year: 1, month: 1, day: 1), SQLCalendarDate(year: 9999, month: 12, day: 31), SQLCalendarDate(year: 2024, month: 2, day: 29)]
            let backDays = try await roundTrip(days, as: "DATE", on: connection)
            #expect(backDays == days)
            let times = [SQLTimeOfDay(hour: 0, minute: 0, second: 0), SQLTimeOfDay(hour: 23, minute: 59, second: 59, microsecond: 999_999)]
            let backTimes = try await roundTrip(times, as: "TIME(6)", on: connection)
            #expect(backTimes == times)
            let limit: Duration = .seconds(838 * 3600 + 59 * 60 + 59) + .microseconds(999_999)
            let durations: [Duration] = [limit, .zero - limit, .microseconds(-1), .seconds(90061) + .milliseconds(500)]
            let backDurations = try await roundTrip(durations, as: "TIME(6)", on: connection)
            #expect(backDurations == durations)
            let moments = ValueRoundTrip.extremeMoments + [Date(timeIntervalSince1970: 0)]
            for zone in ["+00:00", "+05:30", "-03:30"] {
                try await connection.execute("SET time_zone = \(zone)")
                let back = try await roundTrip(moments, as: "DATETIME(6)", on: connection)
                for (sent, received) in zip(moments, back) {
                    #expect(abs(sent.timeIntervalSince(received)) < 0.000_001, "\(zone): \(sent) came back as \(received)")
                }
            }
        }
    }
}
