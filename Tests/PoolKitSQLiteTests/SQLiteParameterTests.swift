import Foundation
import PoolKit
import PoolKitSQLite
import Testing

@Suite("SQLite bound parameters")
struct SQLiteParameterTests {
    @Test("odd values round-trip: NULL, extremes, NUL inside text, empty and binary blobs, unicode, SQL-looking text, dates")
    func oddValuesRoundTrip() async throws {
        let connection = try await connect(":memory:")
        try await connection.execute(unsafeSQL: "CREATE TABLE odd (i INTEGER, d REAL, t TEXT, b BLOB, f INTEGER, ts TEXT)")
        let moment = Date(timeIntervalSince1970: 1_700_000_000.5)
        let rows: [[SQLValue]] = [
            [.int(.max), .double(.greatestFiniteMagnitude), "Robert'); DROP TABLE odd;--", .bytes([0, 0xff, 0x27, 0]), true, .date(moment)],
            [.int(.min), .double(-.leastNonzeroMagnitude), "a\u{0}b 🐘 ünïcödé ? :x", .bytes([]), false, nil],
            [nil, nil, nil, nil, nil, nil],
        ]
        for row in rows { try await connection.execute("INSERT INTO odd VALUES (?, ?, ?, ?, ?, ?)", row) }
        let read = try await connection.query("SELECT i, d, t, b, f, ts FROM odd ORDER BY rowid", [])
        #expect(read.columns == ["i", "d", "t", "b", "f", "ts"])
        #expect(try read[0].decode(Int64.self, column: "i") == .max)
        #expect(try read[0].decode(Double.self, column: "d") == .greatestFiniteMagnitude)
        #expect(try read[0].decode(String.self, column: "t") == "Robert'); DROP TABLE odd;--")
        #expect(try read[0].decode([UInt8].self, column: "b") == [0, 0xff, 0x27, 0])
        #expect(try read[0].decode(Bool.self, column: "f") == true)
        #expect(try read[0].decode(Date.self, column: "ts") == moment)
        #expect(try read[1].decode(Int64.self, at: 0) == .min)
        #expect(try read[1].decode(Double.self, at: 1) == -.leastNonzeroMagnitude)
        #expect(try read[1].decode(String.self, at: 2) == "a\u{0}b 🐘 ünïcödé ? :x")
        #expect(try read[1].value(at: 3) == .bytes([]), "an empty blob is not NULL")
        #expect(try read[1].decode(Bool.self, at: 4) == false)
        #expect(read[2].values == [.null, .null, .null, .null, .null, .null])
        #expect(try read[2].decode(String?.self, at: 2) == nil)
        #expect(try await connection.query("SELECT count(*) FROM odd", []).first?.decode(Int.self, at: 0) == 3)
        await connection.close()
    }

    @Test("a statement is prepared once and reused; wrong parameter counts and scripts are refused")
    func reuseAndMisuse() async throws {
        let connection = try await connect(":memory:")
        for value in 0..<5 {
            #expect(try await connection.query("SELECT ? + 1", [.int(Int64(value))]).first?.decode(Int.self, at: 0) == value + 1)
        }
        #expect(connection.preparedStatementCount == 1)
        await #expect(throws: PoolKitError.self) { _ = try await connection.query("SELECT ? + 1", [1, 2]) }
        await #expect(throws: PoolKitError.self) { _ = try await connection.query("SELECT 1; SELECT 2", []) }
        #expect(try await connection.query("SELECT ? || ?", ["a", "b"]).first?.decode(String.self, at: 0) == "ab")
        await connection.close()
    }
}
