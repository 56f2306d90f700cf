import Foundation
import Logging
import PoolKitConformance
import PoolKitSQLite
import Testing

/// Every value mapping of docs/values.md on a real SQLite database, both ways, with extremes.
@Suite("SQLite value mapping")
struct SQLiteValueTests {
    func withConnection(_ body: (SQLiteConnection) async throws -> Void) async throws {
        try await ValueRoundTrip.withConnection(SQLiteDriver(), try ConnectionURL("sqlite::memory:"), body)
    }

    func roundTrip<T: SQLValueConvertible & SQLDecodable>(_ values: [T], as type: String, on connection: SQLiteConnection) async throws -> [T] {
        try await ValueRoundTrip.run(values, as: type, on: connection)
    }

    static let thousandDigits = "-" + String(repeating: "9876543210", count: 60) + "." + String(repeating: "0123456789", count: 40)

    @Test("decimals kept exact as TEXT (1,000 digits); a NUMERIC column would turn them into REAL")
    func decimals() async throws {
        try await withConnection { connection in
            let numbers: [SQLNumeric] = [SQLNumeric(Self.thousandDigits)!, "0.1", "-0.000000001", "NaN"]
            let back = try await roundTrip(numbers, as: "TEXT", on: connection)
            #expect(back == numbers)
            let decimals = [Decimal(string: "12345678901234567890.123456789012345678")!]
            let backDecimals = try await roundTrip(decimals, as: "TEXT", on: connection)
            #expect(backDecimals == decimals)
            // NUMERIC affinity stores what fits as REAL: reading it as an exact number is refused.
            let lossy = try await roundTrip([SQLValue.text("0.1")], as: "NUMERIC", on: connection)
            #expect(throws: PoolKitError.self) { try SQLRows(columns: ["v"], values: [lossy]).scalar(SQLNumeric.self) }
        }
    }

    @Test("REAL: ±infinity and the largest and smallest normal magnitudes; NaN is stored as NULL by SQLite")
    func real() async throws {
        try await withConnection { connection in
            let values: [Double?] = [.infinity, -.infinity, .greatestFiniteMagnitude, .leastNormalMagnitude, 0.1]
            let back = try await roundTrip(values, as: "REAL", on: connection)
            #expect(back == values)
            let nan = try await roundTrip([Double?.some(.nan)], as: "REAL", on: connection)
            #expect(nan == [nil])
        }
    }

    struct Profile: Codable, Sendable, Equatable {
        var name: String
        var limits: [String: Int]
    }

    @Test("UUID as text and as a 16-byte BLOB, BLOB, JSON text, dates, times and timestamps as text with years 1 and 9999")
    func textValues() async throws {
        try await withConnection { connection in
            let uuids = [UUID(), UUID(uuidString: "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")!]
            let backUUIDs = try await roundTrip(uuids, as: "TEXT", on: connection)
            #expect(backUUIDs == uuids)
            let raw = UUID()
            let bytes = withUnsafeBytes(of: raw.uuid) { Data($0) }
            let fromBlob = try await connection.query("SELECT \(bytes) AS u").scalar(UUID.self)
            #expect(fromBlob == raw)
            let blobs = [Data(), Data((0...255).map { UInt8($0) })]
            let backBlobs = try await roundTrip(blobs, as: "BLOB", on: connection)
            #expect(backBlobs == blobs)
            let profiles = [Profile(name: "Zoë 東京", limits: ["a": 1])]
            let backProfiles = try await roundTrip(try profiles.map { try SQLJSON($0) }, as: "TEXT", on: connection)
            #expect(backProfiles.map(\.value) == profiles)
            #expect(try await connection.query("SELECT json_valid(\(try SQLJSON(profiles[0]))) AS ok").scalar(Int.self) == 1)
            let days = [SQLCalendarDate(year: 1, month: 1, day: 1), SQLCalendarDate(year: 9999, month: 12, day: 31)]
            let backDays = try await roundTrip(days, as: "TEXT", on: connection)
            #expect(backDays == days)
            #expect(try await connection.query("SELECT date(\(days[1]), '+0 days') AS d").scalar(SQLCalendarDate.self) == days[1])
            let times = [SQLTimeOfDay(hour: 23, minute: 59, second: 59, microsecond: 999_999)]
            let backTimes = try await roundTrip(times, as: "TEXT", on: connection)
            #expect(backTimes == times)
            let moments = ValueRoundTrip.extremeMoments + [Date(timeIntervalSince1970: 0)]
            let backMoments = try await roundTrip(moments, as: "TEXT", on: connection)
            for (sent, received) in zip(moments, backMoments) {
                #expect(abs(sent.timeIntervalSince(received)) < 0.000_001)
            }
        }
    }
}

/// Row streams read from an actor, as an application's code often does.
@Suite("SQLite row stream on an actor")
struct SQLiteStreamActorTests {
    @MainActor
    static func count(_ connection: SQLiteConnection, upTo limit: Int) async throws -> Int {
        var seen = 0
        for try await row in connection.stream("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < \(limit)) SELECT x FROM c") {
            seen = try row.decode(Int.self, at: 0)
        }
        return seen
    }

    @Test("a stream iterated on the main actor reads every row")
    func mainActor() async throws {
        try await ValueRoundTrip.withConnection(SQLiteDriver(), try ConnectionURL("sqlite::memory:")) { connection in
            let last = try await Self.count(connection, upTo: 3000)
            #expect(last == 3000)
        }
    }
}
