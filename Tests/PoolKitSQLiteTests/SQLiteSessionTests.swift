import CPoolKitSQLite
import PoolKitSQLite
import Testing

@Suite("SQLite session lifecycle and locking")
struct SQLiteSessionTests {
    @Test("after close, ping fails with .connectionClosed; close is idempotent")
    func closedConnection() async throws {
        let connection = try await connect(":memory:")
        await connection.close()
        let error = await #expect(throws: PoolKitError.self) { try await connection.ping() }
        #expect(error?.code == .connectionClosed)
        #expect(error.map { SQLiteDriver().classify($0) } == .connectionBroken)
        connection.cancelRunningStatement()
        await connection.close()
    }

    @Test("resetSession rolls back an open transaction")
    func resetRollsBack() async throws {
        let connection = try await connect(":memory:")
        try await connection.execute(unsafeSQL: "CREATE TABLE t(x)")
        try await connection.execute(unsafeSQL: "BEGIN; INSERT INTO t VALUES (1)")
        try await connection.resetSession()
        #expect(try await connection.query(unsafeSQL: "SELECT count(*) FROM t").scalar == "0")
        try await connection.execute(unsafeSQL: "BEGIN; COMMIT")  // no transaction left open
        try await connection.resetSession()  // nothing to do: succeeds too
        await connection.close()
    }

    @Test("resetSession resets a statement left mid-result, releasing its read lock")
    func resetResetsLeftoverStatement() async throws {
        let connection = try await connect(":memory:")
        try await connection.execute(unsafeSQL: "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)")
        let stepped = try await connection.withHandle { db -> Int32 in
            var statement: OpaquePointer?
            sqlite3_prepare_v2(db, "SELECT x FROM t", -1, &statement, nil)
            return sqlite3_step(statement)  // left busy on purpose
        }
        #expect(stepped == SQLITE_ROW)
        try await connection.resetSession()
        let busyAfterReset = try await connection.withHandle { db -> Int32? in
            guard let statement = sqlite3_next_stmt(db, nil) else { return nil }
            defer { sqlite3_finalize(statement) }
            return sqlite3_stmt_busy(statement)
        }
        #expect(busyAfterReset == 0)
        await connection.close()
    }

    @Test("busy_timeout is honoured: a writer blocked by another's lock fails with SQLITE_BUSY after it")
    func busyTimeout() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/busy.db"
            let holder = try await connect(path)
            try await holder.execute(unsafeSQL: "CREATE TABLE t(x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1)")
            let waiter = try await connect(path, "busy_timeout=100ms")

            let clock = ContinuousClock()
            let start = clock.now
            let error = await #expect(throws: PoolKitError.self) { try await waiter.execute(unsafeSQL: "INSERT INTO t VALUES (2)") }
            #expect(clock.now - start >= .milliseconds(90))  // it waited (lower bound only)
            #expect(error?.code == .statementFailed)
            #expect(error?.engineCode?.hasPrefix("SQLITE_BUSY") == true)
            #expect(error?.message.contains("busy_timeout") == true)
            #expect(error.map { SQLiteDriver().classify($0) } == .statement)

            try await holder.execute(unsafeSQL: "COMMIT")
            try await waiter.execute(unsafeSQL: "INSERT INTO t VALUES (2)")
            #expect(try await waiter.query(unsafeSQL: "SELECT count(*) FROM t").scalar == "2")
            await holder.close()
            await waiter.close()
        }
    }

    @Test("several read-only connections read a WAL database at once, while a writer has a transaction open")
    func walReaders() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/readers.db"
            let writer = try await connect(path, "journal_mode=wal")
            try await writer.execute(unsafeSQL: "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)")
            var readers: [SQLiteConnection] = []
            for _ in 0..<3 { readers.append(try await connect(path, "mode=ro&journal_mode=wal")) }

            try await writer.execute(unsafeSQL: "BEGIN IMMEDIATE; INSERT INTO t VALUES (4)")
            let before = try await Self.counts(readers)
            #expect(before == ["3", "3", "3"])

            try await writer.execute(unsafeSQL: "COMMIT")
            let after = try await Self.counts(readers)
            #expect(after == ["4", "4", "4"])

            for reader in readers { await reader.close() }
            await writer.close()
        }
    }

    private static func counts(_ readers: [SQLiteConnection]) async throws -> [String?] {
        try await withThrowingTaskGroup(of: String?.self) { group in
            for reader in readers {
                group.addTask { try await reader.query(unsafeSQL: "SELECT count(*) FROM t").scalar }
            }
            var counts: [String?] = []
            for try await count in group { counts.append(count) }
            return counts
        }
    }
}
