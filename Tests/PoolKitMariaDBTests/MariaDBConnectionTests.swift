import Logging
import PoolKitConformance
import PoolKitMariaDB
import Testing

/// Integration tests against the MariaDB server in `POOLKIT_TEST_MARIADB_URL`
/// (see `scripts/test-servers.sh`).
@Suite(
    "MariaDB connection",
    .enabled(if: TestServers.shouldRun(.mariadb), Comment(rawValue: TestServers.skipReason(.mariadb))))
struct MariaDBConnectionTests {
    let driver = MariaDBDriver()
    let logger = Logger(label: "poolkit.tests.mariadb")

    /// The test server's URL; fails the test when it is required but missing.
    func serverURL() throws -> ConnectionURL {
        let text = try #require(TestServers.url(for: .mariadb), Comment(rawValue: TestServers.missingMessage(for: .mariadb)))
        return try ConnectionURL(text)
    }

    func connect(_ url: ConnectionURL? = nil) async throws -> MariaDBConnection {
        let connection = try await driver.connect(to: url ?? serverURL(), logger: logger)
        return try #require(connection as? MariaDBConnection)
    }

    /// Runs `body` with a new connection and closes it afterwards.
    func withConnection<T>(_ body: (MariaDBConnection) async throws -> T) async throws -> T {
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

    /// Waits until the session `id` runs a statement that starts with `prefix`.
    func waitUntilRunning(id: UInt, prefix: String, observer: MariaDBConnection) async throws {
        let running = try await eventually {
            let result = try await observer.query(unsafeSQL:
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = \(id) AND COMMAND = 'Query' AND INFO LIKE '\(prefix)%'")
            return result.scalar == "1"
        }
        try #require(running, "the statement never showed up as running in the process list")
    }

    @Test("connects and reports the server's version")
    func connectsAndReportsVersion() async throws {
        try await withConnection { connection in
            #expect(connection.serverVersion.first?.isNumber == true)
            #expect(try await connection.query(unsafeSQL: "SELECT VERSION()").scalar == connection.serverVersion)
            #expect(try await connection.query(unsafeSQL: "SELECT CONNECTION_ID()").scalar == String(connection.connectionID))
            #expect(try await connection.query(unsafeSQL: "SELECT @@character_set_client").scalar == "utf8mb4")
            try await connection.ping()
        }
    }

    @Test("text, NULLs and unicode round-trip through execute and query")
    func roundTrip() async throws {
        try await withConnection { connection in
            let literal = try await connection.query(unsafeSQL: "SELECT 1 AS n, NULL AS nothing, 'Grüße, 世界 🐬' AS words, '' AS empty")
            #expect(literal.columns == ["n", "nothing", "words", "empty"])
            #expect(literal.rows == [["1", nil, "Grüße, 世界 🐬", ""]])

            try await connection.execute(unsafeSQL:
                """
                CREATE TEMPORARY TABLE `Ünïcode tåble` (id INT PRIMARY KEY, name TEXT) CHARACTER SET utf8mb4;
                INSERT INTO `Ünïcode tåble` VALUES (1, 'ä ö ü 🐬'), (2, NULL), (3, 'line\\nbreak');
                """)
            let rows = try await connection.query(unsafeSQL: "SELECT id, name FROM `Ünïcode tåble` ORDER BY id")
            #expect(rows.rows == [["1", "ä ö ü 🐬"], ["2", nil], ["3", "line\nbreak"]])
            let empty = try await connection.query(unsafeSQL: "SELECT name FROM `Ünïcode tåble` WHERE FALSE")
            #expect(empty.columns == ["name"])
            #expect(empty.rows.isEmpty)
            // Several result sets: query returns the last one.
            #expect(try await connection.query(unsafeSQL: "SELECT 1; SELECT 2").scalar == "2")
        }
    }

    @Test("a failing statement throws statementFailed with its error number and leaves the connection usable")
    func statementError() async throws {
        try await withConnection { connection in
            let error = try await #require(throws: PoolKitError.self) {
                try await connection.query(unsafeSQL: "SELECT * FROM no_such_table_anywhere")
            }
            #expect(error.code == .statementFailed)
            #expect(error.engineCode == "1146")
            #expect((error.underlying as? MariaDBError)?.sqlState == "42S02")
            #expect(driver.classify(error) == .statement)
            // An error in a later statement of a batch is reported too.
            await #expect(throws: PoolKitError.self) { try await connection.execute(unsafeSQL: "SELECT 1; SELECT * FROM no_such_table") }
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
        #expect(error.engineCode == "1045")
        #expect(driver.classify(error) == .permanent)
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
        #expect(error.engineCode == "1049")
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

    @Test("resetSession drops variables and temporary tables and rolls back an open transaction")
    func resetSession() async throws {
        let table = "poolkit_reset_\(UInt32.random(in: 1000...UInt32.max))"
        try await withConnection { connection in
            try await connection.execute(unsafeSQL: "CREATE TABLE \(table) (id INT) ENGINE=InnoDB")
            try await connection.execute(unsafeSQL:
                """
                SET @x = 42;
                SET SESSION sql_mode = 'ANSI_QUOTES';
                CREATE TEMPORARY TABLE scratch (id INT);
                START TRANSACTION;
                INSERT INTO \(table) VALUES (1);
                """)
            #expect(try await connection.query(unsafeSQL: "SELECT @x").scalar == "42")

            try await connection.resetSession()

            #expect(try await connection.query(unsafeSQL: "SELECT @x").scalar == nil)
            #expect(try await connection.query(unsafeSQL: "SELECT @@SESSION.sql_mode = @@GLOBAL.sql_mode").scalar == "1")
            await #expect(throws: PoolKitError.self) { try await connection.query(unsafeSQL: "SELECT * FROM scratch") }
            #expect(try await connection.query(unsafeSQL: "SELECT COUNT(*) FROM \(table)").scalar == "0")
            try await connection.execute(unsafeSQL: "DROP TABLE \(table)")
        }
    }

    @Test("cancelling the task stops the running statement on the server")
    func taskCancellationStopsStatement() async throws {
        try await withConnection { observer in
            try await withConnection { connection in
                let sleeper = Task { try await connection.execute(unsafeSQL: "SELECT SLEEP(30)") }
                try await waitUntilRunning(id: connection.connectionID, prefix: "SELECT SLEEP", observer: observer)
                sleeper.cancel()
                let error = try await #require(throws: PoolKitError.self) { try await sleeper.value }
                #expect(error.code == .cancelled)
                #expect(error.engineCode == "1317")
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
                let sleeper = Task { try await connection.execute(unsafeSQL: "SELECT SLEEP(30)") }
                try await waitUntilRunning(id: connection.connectionID, prefix: "SELECT SLEEP", observer: observer)
                connection.cancelRunningStatement()
                let error = try await #require(throws: PoolKitError.self) { try await sleeper.value }
                #expect(error.code == .cancelled)
                #expect(try await connection.query(unsafeSQL: "SELECT SLEEP(0.2), 'next'").rows == [["0", "next"]])
            }
        }
    }

    @Test("a task cancelled before its statement starts does not run it")
    func cancelledBeforeStart() async throws {
        try await withConnection { connection in
            try await connection.execute(unsafeSQL: "CREATE TEMPORARY TABLE marks (id INT)")
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                try await connection.execute(unsafeSQL: "INSERT INTO marks VALUES (1)")
            }
            let error = try await #require(throws: PoolKitError.self) { try await task.value }
            #expect(error.code == .cancelled)
            #expect(try await connection.query(unsafeSQL: "SELECT COUNT(*) FROM marks").scalar == "0")
        }
    }

    @Test("a session killed by another one fails its next statement as connectionBroken")
    func killedSession() async throws {
        let victim = try await connect()
        try await withConnection { killer in
            try await killer.execute(unsafeSQL: "KILL \(victim.connectionID)")
            let gone = try await eventually {
                try await killer.query(unsafeSQL: "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = \(victim.connectionID)")
                    .scalar == "0"
            }
            #expect(gone)
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
@Suite("MariaDB driver options")
struct MariaDBDriverOptionTests {
    let driver = MariaDBDriver()

    @Test("the driver serves mariadb:// and mysql://")
    func schemes() throws {
        let registry = DriverRegistry([driver])
        #expect(try registry.driver(for: ConnectionURL("mariadb://h/db")).name == "mariadb")
        #expect(try registry.driver(for: ConnectionURL("mysql://h/db")).name == "mariadb")
    }

    @Test("bad option values are rejected before connecting", arguments: [
        "mariadb://u@127.0.0.1:1/db?connect_timeout=0",
        "mariadb://u@127.0.0.1:1/db?ssl=maybe",
        "mariadb://u@127.0.0.1:1/db?charset=utf8;DROP",
        "mariadb://u@127.0.0.1:1/db?read_timeout=-1",
        "mariadb://u@127.0.0.1:1/db?write_timeout=1s",
        "mariadb://u@127.0.0.1:1/db?read_timeout=99999999",
    ])
    func badOptions(_ text: String) async throws {
        let error = try await #require(throws: PoolKitError.self) {
            try await driver.connect(to: ConnectionURL(text), logger: Logger(label: "test"))
        }
        #expect(error.code == .invalidOption)
    }
}

extension MariaDBConnectionTests {
    @Test("statements after a cancel at any moment of the previous one run normally")
    func nextStatementAfterCancelRuns() async throws {
        try await withConnection { connection in
            for round in 0..<60 {
                let short = Task { try await connection.execute(unsafeSQL: "DO SLEEP(0.005)") }
                try await Task.sleep(for: .microseconds(round * 150))
                short.cancel()
                _ = await short.result
                #expect(try await connection.query(unsafeSQL: "SELECT 'next'").scalar == "next")
            }
        }
    }
}
