import Logging
import PoolKitConformance
@testable import PoolKitPostgres
import Testing

/// Integration tests against the PostgreSQL server in `POOLKIT_TEST_POSTGRES_URL`
/// (see `scripts/test-servers.sh`).
@Suite(
    "PostgreSQL connection",
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresConnectionTests {
    let driver = PostgresDriver()
    let logger = Logger(label: "poolkit.tests.postgres")

    /// The test server's URL; fails the test when it is required but missing.
    func serverURL() throws -> ConnectionURL {
        let text = try #require(TestServers.url(for: .postgres), Comment(rawValue: TestServers.missingMessage(for: .postgres)))
        return try ConnectionURL(text)
    }

    func connect(_ url: ConnectionURL? = nil) async throws -> PostgresConnection {
        let connection = try await driver.connect(to: url ?? serverURL(), logger: logger)
        return try #require(connection as? PostgresConnection)
    }

    /// Runs `body` with a new connection and closes it afterwards.
    func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await connect()
        do {
            let value = try await body(connection)
            await connection.close()
            return value
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Waits until the session `pid` runs a statement that starts with `prefix`.
    func waitUntilRunning(pid: Int32, prefix: String, observer: PostgresConnection) async throws {
        let running = try await eventually {
            let result = try await observer.query(unsafeSQL:
                "SELECT count(*) FROM pg_stat_activity WHERE pid = \(pid) AND state = 'active' AND query LIKE '\(prefix)%'")
            return result.scalar == "1"
        }
        try #require(running, "the statement never showed up as running in pg_stat_activity")
    }

    @Test("connects and reports the server's version")
    func connectsAndReportsVersion() async throws {
        try await withConnection { connection in
            #expect(connection.serverVersion.first?.isNumber == true)
            let reported = try await connection.query(unsafeSQL: "SHOW server_version")
            #expect(reported.scalar == connection.serverVersion)
            let pid = try await connection.query(unsafeSQL: "SELECT pg_backend_pid()")
            #expect(pid.scalar == String(connection.backendPID))
            try await connection.ping()
        }
    }

    @Test("text, NULLs and unicode round-trip through execute and query")
    func roundTrip() async throws {
        try await withConnection { connection in
            let literal = try await connection.query(unsafeSQL:
                "SELECT 1 AS n, NULL::text AS nothing, 'Grüße, 世界 🐘' AS words, ''::text AS empty")
            #expect(literal.columns == ["n", "nothing", "words", "empty"])
            #expect(literal.rows == [["1", nil, "Grüße, 世界 🐘", ""]])

            try await connection.execute(unsafeSQL:
                """
                CREATE TEMP TABLE "Ünïcode tåble" (id int PRIMARY KEY, name text);
                INSERT INTO "Ünïcode tåble" VALUES (1, 'ä ö ü'), (2, NULL), (3, 'line
                break');
                """)
            let rows = try await connection.query(unsafeSQL: #"SELECT id, name FROM "Ünïcode tåble" ORDER BY id"#)
            #expect(rows.rows == [["1", "ä ö ü"], ["2", nil], ["3", "line\nbreak"]])
            let empty = try await connection.query(unsafeSQL: #"SELECT name FROM "Ünïcode tåble" WHERE false"#)
            #expect(empty.columns == ["name"])
            #expect(empty.rows.isEmpty)
        }
    }

    @Test("a failing statement throws statementFailed with its SQLSTATE and leaves the connection usable")
    func statementError() async throws {
        try await withConnection { connection in
            let error = try await #require(throws: PoolKitError.self) {
                try await connection.query(unsafeSQL: "SELECT * FROM no_such_table_anywhere")
            }
            #expect(error.code == .statementFailed)
            #expect(error.engineCode == "42P01")
            #expect(error.message.contains("no_such_table_anywhere"))
            #expect((error.underlying as? PostgresError)?.sqlState == "42P01")
            #expect(driver.classify(error) == .statement)
            #expect(try await connection.query(unsafeSQL: "SELECT 2").scalar == "2")
        }
    }

    @Test("a wrong password is authenticationFailed, and no message shows the password")
    func wrongPassword() async throws {
        var url = try serverURL()
        let realPassword = try #require(url.password)
        let wrongPassword = "Wr0ng-pässwörd-\(UInt32.random(in: 1000...UInt32.max))"
        url.password = wrongPassword
        let error = try await #require(throws: PoolKitError.self) { try await connect(url) }
        #expect(error.code == .authenticationFailed)
        #expect(driver.classify(error) == .permanent)
        // The test server offers TLS, so libpq's default sslmode=prefer tries twice and reports
        // both attempts' identical FATAL line; the message carries it once.
        #expect(error.message.components(separatedBy: "password authentication failed").count == 2, "\(error.message)")
        for text in [error.message, error.description, String(describing: error.underlying)] {
            #expect(!text.contains(wrongPassword))
            #expect(!text.contains(realPassword))
        }
    }

    @Test("an unknown database is databaseNotFound")
    func unknownDatabase() async throws {
        var url = try serverURL()
        url.database = "poolkit_no_such_db_\(UInt32.random(in: 1000...UInt32.max))"
        let error = try await #require(throws: PoolKitError.self) { try await connect(url) }
        #expect(error.code == .databaseNotFound)
        #expect(error.message.contains(url.database!))
        #expect(driver.classify(error) == .permanent)
    }

    @Test("a refused port is connectionFailed and names host and port")
    func refusedPort() async throws {
        var url = try serverURL()
        url.host = "127.0.0.1"
        url.port = TestServers.closedPort()
        let error = try await #require(throws: PoolKitError.self) { try await connect(url) }
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("127.0.0.1:\(url.port!)"))
        #expect(error.message.contains("running"))
        #expect(driver.classify(error) == .transient)
    }

    @Test("resetSession drops settings and temporary tables and rolls back an open transaction")
    func resetSession() async throws {
        let table = "poolkit_reset_\(UInt32.random(in: 1000...UInt32.max))"
        try await withConnection { connection in
            try await connection.execute(unsafeSQL: "CREATE TABLE \(table) (id int)")
            try await connection.execute(unsafeSQL:
                """
                SET statement_timeout = '123s';
                CREATE TEMP TABLE scratch (id int);
                BEGIN;
                INSERT INTO \(table) VALUES (1);
                """)
            #expect(try await connection.query(unsafeSQL: "SHOW statement_timeout").scalar == "123s")

            try await connection.resetSession()

            #expect(try await connection.query(unsafeSQL: "SHOW statement_timeout").scalar == "0")
            #expect(try await connection.query(unsafeSQL: "SELECT to_regclass('pg_temp.scratch')").scalar == nil)
            #expect(try await connection.query(unsafeSQL: "SELECT count(*) FROM \(table)").scalar == "0")
            try await connection.execute(unsafeSQL: "DROP TABLE \(table)")
        }
    }

    @Test("a reset without DISCARD ALL skips the round trip only when no transaction is open: one left open or failed is still rolled back")
    func lightResetRollsBackOpenTransactions() async throws {
        let table = "poolkit_light_reset_\(UInt32.random(in: 1000...UInt32.max))"
        try await withConnection { connection in
            try await connection.execute(unsafeSQL: "CREATE TABLE \(table) (id int)")
            try await connection.resetSession(.never)  // idle: nothing to do
            try await connection.execute(unsafeSQL: "BEGIN")
            try await connection.execute(unsafeSQL: "INSERT INTO \(table) VALUES (1)")
            try await connection.resetSession(.never)
            #expect(try await connection.query(unsafeSQL: "SELECT count(*) FROM \(table)").scalar == "0")
            try await connection.execute(unsafeSQL: "BEGIN")
            await #expect(throws: PoolKitError.self) { try await connection.execute(unsafeSQL: "SELECT 1/0") }
            try await connection.resetSession(.whenDirty)
            #expect(try await connection.query(unsafeSQL: "SELECT 1").scalar == "1")
            _ = try await connection.query("BEGIN", [])
            _ = try await connection.query("INSERT INTO \(table) VALUES ($1)", [2])
            try await connection.resetSession(.whenDirty)
            #expect(try await connection.query(unsafeSQL: "SELECT count(*) FROM \(table)").scalar == "0")
            try await connection.execute(unsafeSQL: "DROP TABLE \(table)")
        }
    }

    @Test("the connection knows when its last statement left no transaction open (what lets a light reset skip its hop)")
    func knowsWhenIdleOutsideTransaction() async throws {
        try await withConnection { connection in
            _ = try await connection.query(unsafeSQL: "SELECT 1")
            #expect(connection.isIdleOutsideTransaction)
            try await connection.execute(unsafeSQL: "BEGIN")
            #expect(!connection.isIdleOutsideTransaction)
            _ = try await connection.query("SELECT $1::int", [1])
            #expect(!connection.isIdleOutsideTransaction)
            try await connection.resetSession(.never)
            #expect(connection.isIdleOutsideTransaction)
        }
    }

    @Test("resetSession recovers a transaction that failed")
    func resetAfterFailedTransaction() async throws {
        try await withConnection { connection in
            try await connection.execute(unsafeSQL: "BEGIN")
            await #expect(throws: PoolKitError.self) { try await connection.execute(unsafeSQL: "SELECT 1/0") }
            // In a failed transaction every statement fails until ROLLBACK.
            await #expect(throws: PoolKitError.self) { try await connection.execute(unsafeSQL: "SELECT 1") }
            try await connection.resetSession()
            #expect(try await connection.query(unsafeSQL: "SELECT 1").scalar == "1")
        }
    }

    @Test("cancelling the task stops the running statement on the server")
    func taskCancellationStopsStatement() async throws {
        try await withConnection { observer in
            try await withConnection { connection in
                let sleeper = Task { try await connection.execute(unsafeSQL: "SELECT pg_sleep(30)") }
                try await waitUntilRunning(pid: connection.backendPID, prefix: "SELECT pg_sleep", observer: observer)
                sleeper.cancel()
                let error = try await #require(throws: PoolKitError.self) { try await sleeper.value }
                #expect(error.code == .cancelled)
                #expect(error.engineCode == "57014")
                #expect(driver.classify(error) == .statement)
                #expect(try await connection.query(unsafeSQL: "SELECT 'still usable'").scalar == "still usable")
            }
        }
    }

    @Test("cancelRunningStatement stops the running statement, and only that one")
    func cancelRunningStatement() async throws {
        try await withConnection { observer in
            try await withConnection { connection in
                connection.cancelRunningStatement()  // nothing runs: no effect
                let sleeper = Task { try await connection.execute(unsafeSQL: "SELECT pg_sleep(30)") }
                try await waitUntilRunning(pid: connection.backendPID, prefix: "SELECT pg_sleep", observer: observer)
                connection.cancelRunningStatement()
                let error = try await #require(throws: PoolKitError.self) { try await sleeper.value }
                #expect(error.code == .cancelled)
                #expect(try await connection.query(unsafeSQL: "SELECT pg_sleep(0.2), 'next'").rows == [["", "next"]])
            }
        }
    }

    @Test("a task cancelled before its statement starts does not run it")
    func cancelledBeforeStart() async throws {
        try await withConnection { connection in
            try await connection.execute(unsafeSQL: "CREATE TEMP TABLE marks (id int)")
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                try await connection.execute(unsafeSQL: "INSERT INTO marks VALUES (1)")
            }
            let error = try await #require(throws: PoolKitError.self) { try await task.value }
            #expect(error.code == .cancelled)
            #expect(try await connection.query(unsafeSQL: "SELECT count(*) FROM marks").scalar == "0")
        }
    }

    @Test("a session terminated by another one fails its next statement as connectionBroken")
    func terminatedSession() async throws {
        let victim = try await connect()
        try await withConnection { killer in
            let terminated = try await killer.query(unsafeSQL: "SELECT pg_terminate_backend(\(victim.backendPID), 10000)")
            #expect(terminated.scalar == "t")
        }
        let error = try await #require(throws: PoolKitError.self) { try await victim.execute(unsafeSQL: "SELECT 1") }
        #expect(error.code == .connectionClosed)
        #expect(driver.classify(error) == .connectionBroken)
        await #expect(throws: PoolKitError.self) { try await victim.ping() }
        await victim.close()
    }

    @Test("close is idempotent and later statements fail as connectionClosed")
    func closeTwice() async throws {
        let connection = try await connect()
        await connection.close()
        await connection.close()
        let error = try await #require(throws: PoolKitError.self) { try await connection.ping() }
        #expect(error.code == .connectionClosed)
    }
}

/// Option checks that need no server.
@Suite("PostgreSQL driver options")
struct PostgresDriverOptionTests {
    let driver = PostgresDriver()

    @Test("the driver serves postgres:// and postgresql://")
    func schemes() throws {
        let registry = DriverRegistry([driver])
        #expect(try registry.driver(for: ConnectionURL("postgres://h/db")).name == "postgres")
        #expect(try registry.driver(for: ConnectionURL("postgresql://h/db")).name == "postgres")
    }

    @Test("libpq's message on one line: a line repeated by a second attempt (sslmode=prefer) once, distinct lines kept in order")
    func libpqMessageOnOneLine() {
        let fatal = "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  password authentication failed for user \"app\""
        #expect(PGHandle.oneLine("\(fatal)\n\(fatal)\n") == fatal)
        #expect(PGHandle.oneLine("first\n  second \n\nfirst\nthird\n") == "first; second; third")
        #expect(PGHandle.oneLine("\n") == "unknown libpq error")
    }

    @Test("bad option values are rejected before connecting", arguments: [
        "postgres://u@127.0.0.1:1/db?sslmode=sometimes",
        "postgres://u@127.0.0.1:1/db?connect_timeout=soon",
    ])
    func badOptions(_ text: String) async throws {
        let error = try await #require(throws: PoolKitError.self) {
            try await driver.connect(to: ConnectionURL(text), logger: Logger(label: "test"))
        }
        #expect(error.code == .invalidOption)
    }

    @Test("an unknown option is rejected by the registry")
    func unknownOption() throws {
        let error = try #require(throws: PoolKitError.self) {
            try DriverRegistry([driver]).driver(for: ConnectionURL("postgres://h/db?sslmdoe=require"))
        }
        #expect(error.code == .unknownOption)
    }
}

extension PostgresConnectionTests {
    @Test("statements after a cancel at any moment of the previous one run normally")
    func nextStatementAfterCancelRuns() async throws {
        try await withConnection { connection in
            for round in 0..<60 {
                let short = Task { try await connection.execute(unsafeSQL: "SELECT pg_sleep(0.005)") }
                try await Task.sleep(for: .microseconds(round * 150))
                short.cancel()
                _ = await short.result
                #expect(try await connection.query(unsafeSQL: "SELECT 'next'").scalar == "next")
            }
        }
    }
}
