import PoolKitSQLite
import Testing

@Suite("SQLite statements and results")
struct SQLiteQueryTests {
    @Test("values round-trip as text: NULL, integers, reals, unicode text, blobs as lowercase hex")
    func roundTrip() async throws {
        let connection = try await connect(":memory:")
        try await connection.execute(unsafeSQL:
            """
            CREATE TABLE v(i INTEGER, r REAL, t TEXT, b BLOB, n);
            INSERT INTO v VALUES (42, 3.5, 'héllo wörld 🌍 日本語 "q" ''s''', x'00ff10', NULL);
            INSERT INTO v VALUES (-9223372036854775808, -0.25, '', x'', NULL);
            INSERT INTO v VALUES (9223372036854775807, 1e20, 'a' || char(0) || 'b', NULL, 7);
            """)
        let result = try await connection.query(unsafeSQL: "SELECT i, r, t, b, n FROM v ORDER BY rowid")
        #expect(result.columns == ["i", "r", "t", "b", "n"])
        #expect(
            result.rows == [
                ["42", "3.5", "héllo wörld 🌍 日本語 \"q\" 's'", "00ff10", nil],
                ["-9223372036854775808", "-0.25", "", "", nil],
                ["9223372036854775807", "1.0e+20", "a\u{0}b", nil, "7"],
            ])
        await connection.close()
    }

    @Test("query runs a whole script and returns the rows of its last statement with columns")
    func scriptReturnsLastRows() async throws {
        let connection = try await connect(":memory:")
        let result = try await connection.query(unsafeSQL: "CREATE TABLE x(a); INSERT INTO x VALUES (1), (2); SELECT a FROM x ORDER BY a; -- done")
        #expect(result == QueryResult(columns: ["a"], rows: [["1"], ["2"]]))
        #expect(try await connection.query(unsafeSQL: "DELETE FROM x") == QueryResult(columns: [], rows: []))
        await connection.close()
    }

    @Test("a failing statement is .statementFailed with SQLite's message and result code, and stops the script")
    func statementError() async throws {
        let connection = try await connect(":memory:")
        try await connection.execute(unsafeSQL: "CREATE TABLE t(x UNIQUE)")
        let missing = await #expect(throws: PoolKitError.self) {
            try await connection.execute(unsafeSQL: "INSERT INTO t VALUES (1); INSERT INTO nowhere VALUES (2); INSERT INTO t VALUES (3)")
        }
        #expect(missing?.code == .statementFailed)
        #expect(missing?.message.contains("no such table: nowhere") == true)
        #expect(missing?.engineCode == "SQLITE_ERROR(1)")
        #expect(missing.map { SQLiteDriver().classify($0) } == .statement)
        #expect(try await connection.query(unsafeSQL: "SELECT group_concat(x) FROM t").scalar == "1")

        let duplicate = await #expect(throws: PoolKitError.self) { try await connection.execute(unsafeSQL: "INSERT INTO t VALUES (1)") }
        #expect(duplicate?.engineCode == "SQLITE_CONSTRAINT(2067)")
        await connection.close()
    }

    @Test("mode=ro rejects writes with SQLITE_READONLY and still reads")
    func readOnlyRejectsWrites() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/ro.db"
            let writer = try await connect(path)
            try await writer.execute(unsafeSQL: "CREATE TABLE t(x); INSERT INTO t VALUES (1)")
            await writer.close()

            let reader = try await connect(path, "mode=ro")
            let error = await #expect(throws: PoolKitError.self) { try await reader.execute(unsafeSQL: "INSERT INTO t VALUES (2)") }
            #expect(error?.code == .statementFailed)
            #expect(error?.engineCode?.hasPrefix("SQLITE_READONLY") == true)
            #expect(try await reader.query(unsafeSQL: "SELECT count(*) FROM t").scalar == "1")
            await reader.close()
        }
    }
}
