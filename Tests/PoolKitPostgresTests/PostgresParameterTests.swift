import Foundation
import Logging
import PoolKit
import PoolKitConformance
import PoolKitPostgres
import Testing

/// Bound parameters and typed rows on a real PostgreSQL server, with the odd values of the backup
/// fixtures: NULL, extremes, binary, unicode, text that looks like SQL.
@Suite(
    "PostgreSQL bound parameters",
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresParameterTests {
    let logger = Logger(label: "poolkit.tests.postgres.parameters")

    func connect() async throws -> PostgresConnection {
        let text = try #require(TestServers.url(for: .postgres), Comment(rawValue: TestServers.missingMessage(for: .postgres)))
        let connection = try await PostgresDriver().connect(to: try ConnectionURL(text), logger: logger)
        return try #require(connection as? PostgresConnection)
    }

    @Test("odd values round-trip through a table: NULL, extremes, binary, unicode, SQL-looking text")
    func oddValuesRoundTrip() async throws {
        let connection = try await connect()
        defer { Task { await connection.close() } }
        try await connection.execute(unsafeSQL:
            "CREATE TEMP TABLE odd (i bigint, d double precision, t text, b bytea, f boolean, ts timestamptz)")
        let bytes: [UInt8] = [0, 1, 2, 0x27, 0x5c, 0xff, 0xfe, 0]
        let moment = Date(timeIntervalSince1970: 1_700_000_000.123456)
        let rows: [[SQLValue]] = [
            [.int(.max), .double(.greatestFiniteMagnitude), "Robert'); DROP TABLE odd;--", .bytes(bytes), true, .date(moment)],
            [.int(.min), .double(-.leastNonzeroMagnitude), "zero\u{1}x 🐘 ünïcödé \\ \" ' $1", .bytes([]), false, .date(Date(timeIntervalSince1970: 0))],
            [nil, nil, nil, nil, nil, nil],
            [0, .double(.infinity), "", .bytes(Array(repeating: 0xab, count: 100_000)), nil, nil],
        ]
        for row in rows {
            try await connection.execute("INSERT INTO odd VALUES ($1, $2, $3, $4, $5, $6)", row)
        }
        let read = try await connection.query("SELECT i, d, t, b, f, ts FROM odd ORDER BY i NULLS LAST, t", [])
        #expect(read.count == 4)
        let byValue = Dictionary(grouping: read, by: { (try? $0.decode(Int64?.self, at: 0)) ?? nil })
        let max = try #require(byValue[.max]?.first)
        #expect(try max.decode(Double.self, column: "d") == .greatestFiniteMagnitude)
        #expect(try max.decode(String.self, column: "t") == "Robert'); DROP TABLE odd;--")
        #expect(try max.decode([UInt8].self, column: "b") == bytes)
        #expect(try max.decode(Bool.self, column: "f") == true)
        #expect(abs(try max.decode(Date.self, column: "ts").timeIntervalSince(moment)) < 0.000_001)
        let min = try #require(byValue[.min]?.first)
        #expect(try min.decode(Double.self, at: 1) == -.leastNonzeroMagnitude)
        #expect(try min.decode(String.self, at: 2) == "zero\u{1}x 🐘 ünïcödé \\ \" ' $1")
        #expect(try min.decode([UInt8].self, at: 3) == [])
        #expect(try min.decode(Bool.self, at: 4) == false)
        #expect(try min.decode(Date.self, at: 5) == Date(timeIntervalSince1970: 0))
        let nulls = try #require(byValue[nil]?.first)
        #expect(try nulls.decode(Int?.self, at: 0) == nil)
        #expect(try nulls.decode(String?.self, column: "t") == nil)
        #expect(try nulls.decode(Date?.self, column: "ts") == nil)
        #expect(throws: PoolKitError.self) { try nulls.decode(Int.self, at: 0) }
        let zero = try #require(byValue[0]?.first)
        #expect(try zero.decode(Double.self, at: 1) == .infinity)
        #expect(try zero.decode(String.self, at: 2) == "")
        #expect(try zero.decode([UInt8].self, at: 3).count == 100_000)
        // The table is still there: the SQL-looking text was a value, not SQL.
        #expect(try await connection.query("SELECT count(*) FROM odd", []).first?.decode(Int.self, at: 0) == 4)
    }

    @Test("a statement is prepared once per connection and reused; a discarded session prepares it again")
    func preparedStatementsAreReused() async throws {
        let connection = try await connect()
        defer { Task { await connection.close() } }
        for value in 0..<5 {
            let row = try await connection.query("SELECT $1::int + 1 AS next", [.int(Int64(value))]).first
            #expect(try row?.decode(Int.self, column: "next") == value + 1)
        }
        #expect(connection.preparedStatementCount == 1)
        // The server holds that one and the statement that counts them.
        let onServer = try await connection.query("SELECT count(*) FROM pg_prepared_statements", [])
        #expect(try onServer.first?.decode(Int.self, at: 0) == 2)
        try await connection.resetSession(.always)
        #expect(connection.preparedStatementCount == 0)
        try await connection.execute(unsafeSQL: "DEALLOCATE ALL")
        #expect(try await connection.query("SELECT $1::int + 1", [41]).first?.decode(Int.self, at: 0) == 42)
        // Deallocated behind the driver's back: prepared again on the fly.
        try await connection.execute(unsafeSQL: "DEALLOCATE ALL")
        #expect(try await connection.query("SELECT $1::int + 1", [1]).first?.decode(Int.self, at: 0) == 2)
    }

    @Test("errors name the column and what it holds; a bad statement reports the server's error")
    func errors() async throws {
        let connection = try await connect()
        defer { Task { await connection.close() } }
        let row = try #require(try await connection.query("SELECT 'text' AS word, NULL::int AS nothing", []).first)
        #expect(throws: PoolKitError.self) { try row.decode(Int.self, column: "word") }
        #expect(throws: PoolKitError.self) { try row.decode(Int.self, column: "missing") }
        #expect(throws: PoolKitError.self) { try row.decode(Int.self, at: 9) }
        await #expect(throws: PoolKitError.self) { _ = try await connection.query("SELECT $1::int", ["not a number"]) }
        // The connection is still usable.
        #expect(try await connection.query("SELECT $1::text", ["ok"]).first?.decode(String.self, at: 0) == "ok")
    }
}
