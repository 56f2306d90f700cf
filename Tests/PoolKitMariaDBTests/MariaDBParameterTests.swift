import Foundation
import Logging
import PoolKit
import PoolKitConformance
import PoolKitMariaDB
import Testing

/// Bound parameters and typed rows on a real MariaDB server (binary protocol), with odd values.
@Suite(
    "MariaDB bound parameters",
    .enabled(if: TestServers.shouldRun(.mariadb), Comment(rawValue: TestServers.skipReason(.mariadb))))
struct MariaDBParameterTests {
    let logger = Logger(label: "poolkit.tests.mariadb.parameters")

    func connect() async throws -> MariaDBConnection {
        let text = try #require(TestServers.url(for: .mariadb), Comment(rawValue: TestServers.missingMessage(for: .mariadb)))
        let connection = try await MariaDBDriver().connect(to: try ConnectionURL(text), logger: logger)
        return try #require(connection as? MariaDBConnection)
    }

    @Test("odd values round-trip: NULL, extremes, unsigned, binary, unicode, SQL-looking text, dates with microseconds")
    func oddValuesRoundTrip() async throws {
        let connection = try await connect()
        try await connection.execute(unsafeSQL: "DROP TEMPORARY TABLE IF EXISTS odd")
        try await connection.execute(unsafeSQL:
            "CREATE TEMPORARY TABLE odd (k INT, i BIGINT, u BIGINT UNSIGNED, d DOUBLE, t TEXT CHARACTER SET utf8mb4, b LONGBLOB, f BOOLEAN, ts DATETIME(6), n DECIMAL(30,10))")
        let moment = Date(timeIntervalSince1970: 1_700_000_000.123456)
        let bytes: [UInt8] = [0, 1, 0x27, 0x5c, 0xff, 0]
        let rows: [[SQLValue]] = [
            [1, .int(.max), .text("18446744073709551615"), .double(.greatestFiniteMagnitude), "Robert'); DROP TABLE odd;--", .bytes(bytes), true, .date(moment), "12345678901234567890.0123456789"],
            [2, .int(.min), 0, .double(-.leastNormalMagnitude), "a\u{0}b 🐘 ünïcödé ? \\ '", .bytes([]), false, .date(Date(timeIntervalSince1970: 0)), "-1.5"],
            [3, nil, nil, nil, nil, nil, nil, nil, nil],
            [4, 0, 1, 0.0, "", .bytes(Array(repeating: 0xab, count: 100_000)), nil, nil, nil],
        ]
        for row in rows { try await connection.execute("INSERT INTO odd VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row) }
        let read = try await connection.query("SELECT i, u, d, t, b, f, ts, n FROM odd ORDER BY k", [])
        #expect(read.columns == ["i", "u", "d", "t", "b", "f", "ts", "n"])
        #expect(try read[0].decode(Int64.self, column: "i") == .max)
        #expect(try read[0].decode(String.self, column: "u") == "18446744073709551615")
        #expect(try read[0].decode(Double.self, column: "d") == .greatestFiniteMagnitude)
        #expect(try read[0].decode(String.self, column: "t") == "Robert'); DROP TABLE odd;--")
        #expect(try read[0].decode([UInt8].self, column: "b") == bytes)
        #expect(try read[0].decode(Bool.self, column: "f") == true)
        #expect(abs(try read[0].decode(Date.self, column: "ts").timeIntervalSince(moment)) < 0.000_001)
        #expect(try read[0].decode(String.self, column: "n") == "12345678901234567890.0123456789")
        #expect(try read[1].decode(Int64.self, at: 0) == .min)
        #expect(try read[1].decode(Int.self, at: 1) == 0)
        #expect(try read[1].decode(Double.self, at: 2) == -.leastNormalMagnitude)
        #expect(try read[1].decode(String.self, at: 3) == "a\u{0}b 🐘 ünïcödé ? \\ '")
        #expect(try read[1].value(at: 4) == .bytes([]), "an empty blob is not NULL")
        #expect(try read[1].decode(Bool.self, at: 5) == false)
        #expect(try read[1].decode(Date.self, at: 6) == Date(timeIntervalSince1970: 0))
        #expect(try read[1].decode(Double.self, at: 7) == -1.5)
        #expect(read[2].values.allSatisfy { $0 == .null })
        #expect(try read[2].decode(Date?.self, column: "ts") == nil)
        #expect(try read[3].decode([UInt8].self, column: "b").count == 100_000)
        #expect(try await connection.query("SELECT COUNT(*) FROM odd", []).first?.decode(Int.self, at: 0) == 4)
        await connection.close()
    }

    @Test("a statement is prepared once and reused; a full reset closes it; wrong parameter counts are refused")
    func reuseAndMisuse() async throws {
        let connection = try await connect()
        for value in 0..<5 {
            #expect(try await connection.query("SELECT ? + 1 AS next", [.int(Int64(value))]).first?.decode(Int.self, column: "next") == value + 1)
        }
        #expect(connection.preparedStatementCount == 1)
        await #expect(throws: PoolKitError.self) { _ = try await connection.query("SELECT ? + 1", [1, 2]) }
        try await connection.resetSession(.always)
        #expect(connection.preparedStatementCount == 0)
        #expect(try await connection.query("SELECT CONCAT(?, ?)", ["a", "b"]).first?.decode(String.self, at: 0) == "ab")
        await #expect(throws: PoolKitError.self) { _ = try await connection.query("SELECT * FROM no_such_table WHERE a = ?", [1]) }
        #expect(try await connection.query("SELECT ?", [true]).first?.decode(Bool.self, at: 0) == true)
        await connection.close()
    }
}
