import Foundation
import Logging
import PoolKit
import PoolKitConformance
import PoolKitMariaDB
import Synchronization
import Testing

/// The pool on real MariaDB sessions under faults: a server that stops answering (SIGSTOP on a
/// mariadbd of the suite's own), a server that turns read-only, session state left behind by a
/// borrower.
@Suite(
    "MariaDB pool under faults", .serialized, .timeLimit(.minutes(2)),
    .enabled(if: TestServers.shouldRun(.mariadb), Comment(rawValue: TestServers.skipReason(.mariadb))))
struct MariaDBPoolFaultTests {
    typealias Pool = ConnectionPool<DriverConnectionSource>
    let registry = DriverRegistry([MariaDBDriver()])
    let logger = Logger(label: "poolkit.tests.mariadb.pool")

    func serverURL() throws -> ConnectionURL {
        let text = try #require(TestServers.url(for: .mariadb), Comment(rawValue: TestServers.missingMessage(for: .mariadb)))
        return try ConnectionURL(text)
    }

    func makePool(url: ConnectionURL? = nil, _ modify: (inout PoolConfiguration) -> Void = { _ in }) throws -> Pool {
        var configuration = PoolConfiguration()
        configuration.name = "mariadb-faults"
        configuration.maxConnections = 1
        configuration.healthCheckPeriod = nil
        modify(&configuration)
        return try Pool(url: url ?? serverURL(), registry: registry, configuration: configuration, logger: logger)
    }

    /// A mariadbd of this suite's own, started once per test process (by `scripts/test-servers.sh
    /// start-one`, like the shared one): the tests below freeze the whole server with SIGSTOP, which
    /// must not stall the other suites that use the shared server meanwhile. The script's watchdog
    /// stops it when the test process ends.
    /// It has TLS too (plain connections remain the default).
    static let stoppableServer = Task { try await PrivateTestServer.start(.mariadb, tls: true) }

    func stoppableServer() async throws -> (url: ConnectionURL, pid: Int32) {
        let server = try await Self.stoppableServer.value
        return (try ConnectionURL(server.url), server.pid)
    }

    /// `base` with `options` added.
    func url(_ base: ConnectionURL, _ options: [(String, String)]) -> ConnectionURL {
        var url = base
        url.options.append(contentsOf: options.map { (key: $0.0, value: $0.1) })
        return url
    }

    @Test("shutdown's deadline ends a statement stuck on a stopped server, and run() returns while it is still stopped")
    func shutdownDeadlineCoversStuckStatement() async throws {
        let (serverURL, pid) = try await stoppableServer()
        let pool = try makePool(url: serverURL) { $0.shutdownGracePeriod = .milliseconds(300) }
        let pause = PauseBox()
        defer { pause.resume() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.run() }
            let (stoppedSignal, signal) = AsyncStream<Void>.makeStream()
            let borrower = Task {
                try await pool.withConnection { connection in
                    try pause.set(ProcessPause(pid: pid, failsafe: .seconds(20)))
                    #expect(try await eventually { processIsStopped(pid) }, "mariadbd did not stop")
                    signal.yield()
                    _ = try await connection.query(unsafeSQL: "SELECT 1")
                }
            }
            for await _ in stoppedSignal { break }
            await pool.shutdown()
            try await group.waitForAll()
            let result = await borrower.result
            #expect(throws: PoolKitError.self) { try result.get() }
            #expect(pause.resumedByFailsafe == false, "shutdown waited for the stopped server")
        }
    }

    @Test("a lease's acquire timeout bounds a checkout validation stuck on a stopped server")
    func acquireTimeoutCoversValidation() async throws {
        let (serverURL, pid) = try await stoppableServer()
        let pool = try makePool(url: url(serverURL, [("connect_timeout", "2")])) {
            $0.validationBypassWindow = .zero
            $0.validationTimeout = .seconds(60)
        }
        try await pool.withRunning {
            try await pool.withConnection { try await $0.execute(unsafeSQL: "DO 1") }
            let pause = try ProcessPause(pid: pid, failsafe: .seconds(20))
            defer { pause.resume() }
            do {
                try await pool.withConnection(timeout: .milliseconds(500)) { try await $0.execute(unsafeSQL: "DO 1") }
                Issue.record("the lease succeeded on a stopped server")
            } catch let error as PoolKitError {
                #expect(error.code == .acquireTimeout, "\(error)")
            }
            #expect(!pause.resumedByFailsafe, "the lease waited for the stopped server")
            pause.resume()
        }
    }

    @Test("read_timeout ends a statement on a stopped server with a lost-connection error")
    func readTimeoutEndsStuckStatement() async throws {
        let (serverURL, pid) = try await stoppableServer()
        let connection = try await MariaDBDriver().connect(to: url(serverURL, [("read_timeout", "1")]), logger: logger)
        let pause = try ProcessPause(pid: pid, failsafe: .seconds(20))
        defer { pause.resume() }
        do {
            _ = try await connection.query(unsafeSQL: "SELECT 1")
            Issue.record("a statement on a stopped server succeeded")
        } catch let error as PoolKitError {
            #expect(error.code == .connectionClosed, "\(error)")
            #expect(MariaDBDriver().classify(error) == .connectionBroken)
        }
        #expect(!pause.resumedByFailsafe, "the statement waited for the stopped server")
        pause.resume()
        await connection.close()
    }

    @Test("cancelling a statement on a server stopped while it runs ends it: KILL QUERY cannot connect, so its socket is cut")
    func cancelOnStoppedServerEnds() async throws {
        let (serverURL, pid) = try await stoppableServer()
        let connection = try await MariaDBDriver().connect(to: url(serverURL, [("connect_timeout", "1")]), logger: logger)
        let marker = "poolkit_cancel_probe_\(UInt32.random(in: 0...UInt32.max))"
        let sql = "SELECT SLEEP(40) AS \(marker)"
        let statement = Task { try await connection.query(unsafeSQL: sql) }
        // Stop the server only once it runs the statement, then cancel the statement's task.
        let observer = try await MariaDBDriver().connect(to: serverURL, logger: logger)
        let running = try await eventually {
            try await observer.query(unsafeSQL: "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE '%\(marker)%' AND ID <> CONNECTION_ID()").scalar == "1"
        }
        await observer.close()
        #expect(running, "the statement never showed up as running")
        let pause = try ProcessPause(pid: pid, failsafe: .seconds(20))
        defer { pause.resume() }
        statement.cancel()
        let result = await statement.result
        // Without the cut, it would end only after the failsafe resumed the server and SLEEP(40) ran out.
        #expect(pause.resumedByFailsafe == false, "the cancelled statement waited for the stopped server")
        #expect(throws: PoolKitError.self) { try result.get() }
        pause.resume()
        await connection.close()
    }

    @Test("closing idle plain and TLS connections to a stopped server returns without waiting for it")
    func closeDoesNotWaitOnStoppedServer() async throws {
        let (base, pid) = try await stoppableServer()
        let plain = try await MariaDBDriver().connect(to: base, logger: logger)
        let encrypted = try #require(
            try await MariaDBDriver().connect(to: url(base, [("ssl", "true")]), logger: logger) as? MariaDBConnection)
        #expect(encrypted.tlsSession != nil)
        let pause = try ProcessPause(pid: pid, failsafe: .seconds(20))
        defer { pause.resume() }
        await plain.close()
        await encrypted.close()
        #expect(!pause.resumedByFailsafe, "close waited for the stopped server")
        pause.resume()
    }

    @Test("reset policy: whenDirty skips the reset after clean statements and resets after a tracked change; always resets")
    func resetPolicies() async throws {
        let setup = try await MariaDBDriver().connect(to: serverURL(), logger: logger)
        try await setup.execute(unsafeSQL: "CREATE TABLE IF NOT EXISTS poolkit_reset_probe (id INT AUTO_INCREMENT PRIMARY KEY, v INT)")
        await setup.close()

        /// LAST_INSERT_ID() seen by the next borrower (mysql_reset_connection sets it to 0) and @v.
        func after(policy: SessionResetPolicy, _ sql: String) async throws -> (lastInsertID: String?, variable: String?) {
            let pool = try makePool { $0.resetPolicy = policy }
            return try await pool.withRunning {
                try await pool.withConnection { try await $0.execute(unsafeSQL: sql) }
                return try await pool.withConnection { connection in
                    let row = try await connection.query(unsafeSQL: "SELECT LAST_INSERT_ID(), @v").rows.first
                    return (row?[0] ?? nil, row?[1] ?? nil)
                }
            }
        }
        let clean = try await after(policy: .whenDirty, "INSERT INTO poolkit_reset_probe (v) VALUES (1)")
        #expect(clean.lastInsertID != "0", "a clean session was reset anyway")
        let dirty = try await after(policy: .whenDirty, "SET @v = 42")
        #expect(dirty.variable == nil, "the user variable survived")
        let always = try await after(policy: .always, "INSERT INTO poolkit_reset_probe (v) VALUES (1)")
        #expect(always.lastInsertID == "0")
    }

    @Test("an open transaction is rolled back under every policy")
    func transactionRolledBack() async throws {
        for policy in SessionResetPolicy.allCases {
            let pool = try makePool { $0.resetPolicy = policy }
            try await pool.withRunning {
                try await pool.withConnection { connection in
                    try await connection.execute(unsafeSQL: "CREATE TABLE IF NOT EXISTS poolkit_tx_probe (v INT)")
                    try await connection.execute(unsafeSQL: "START TRANSACTION")
                    try await connection.execute(unsafeSQL: "INSERT INTO poolkit_tx_probe VALUES (1)")
                }
                let count = try await pool.withConnection { connection in
                    try await connection.query(unsafeSQL: "SELECT COUNT(*) FROM poolkit_tx_probe").scalar
                }
                #expect(count == "0", "policy \(policy)")
            }
        }
    }

    @Test("a write refused because the server is read-only soft-evicts every older session")
    func failoverSoftEvicts() async throws {
        // On the suite's own server: SET GLOBAL read_only = 1 takes the global read lock, as FLUSH
        // TABLES WITH READ LOCK does, and on the shared server the metadata-lock deadlock detector
        // ended other suites' CREATE INDEX beside it with 1213.
        let url = try await stoppableServer().url
        let admin = try await MariaDBDriver().connect(to: url, logger: logger)
        // A user without READ_ONLY ADMIN, to whom read_only applies.
        try await admin.execute(unsafeSQL: "CREATE USER IF NOT EXISTS 'poolkit_ro'@'127.0.0.1' IDENTIFIED BY 'ro-secret'")
        try await admin.execute(unsafeSQL: "GRANT ALL ON `\(url.database ?? "")`.* TO 'poolkit_ro'@'127.0.0.1'")
        try await admin.execute(unsafeSQL: "CREATE TABLE IF NOT EXISTS poolkit_failover_probe (id INT)")
        var roURL = url
        roURL.user = "poolkit_ro"
        roURL.password = "ro-secret"
        let pool = try makePool(url: roURL) {
            $0.maxConnections = 3
            $0.validationBypassWindow = .seconds(3600)
        }
        do {
            try await pool.withRunning {
                // One lease at a time (not an array literal of awaits).
                var leases: [PoolLease<any DatabaseConnection>] = []
                for _ in 0..<3 { leases.append(try await pool.lease()) }
                let old = Set(leases.compactMap { ($0.connection as? MariaDBConnection)?.connectionID })
                try await admin.execute(unsafeSQL: "SET GLOBAL read_only = 1")
                for lease in leases.dropFirst() { await pool.release(lease) }
                do {
                    try await leases[0].connection.execute(unsafeSQL: "INSERT INTO poolkit_failover_probe VALUES (1)")
                    Issue.record("the write succeeded on a read-only server")
                    await pool.release(leases[0])
                } catch {
                    #expect(MariaDBDriver().classify(error) == .serverReadOnly, "\(error)")
                    await pool.release(leases[0], after: error)
                }
                try await admin.execute(unsafeSQL: "SET GLOBAL read_only = 0")
                #expect(pool.statistics.closed["read_only"] == 1)
                #expect(pool.statistics.closed["evicted"] == 2)
                let fresh = try await pool.withConnection { ($0 as? MariaDBConnection)?.connectionID }
                #expect(fresh.map { !old.contains($0) } == true)
            }
        } catch {
            try? await admin.execute(unsafeSQL: "SET GLOBAL read_only = 0")
            await admin.close()
            throw error
        }
        await admin.close()
    }
}

/// True while process `pid` is stopped by a signal (state `T` in `/proc/<pid>/stat`).
func processIsStopped(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return false }
    return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("T")
}

/// The server pause a test's tasks share.
final class PauseBox: Sendable {
    private let pause = Mutex<ProcessPause?>(nil)
    func set(_ value: ProcessPause) { pause.withLock { $0 = value } }
    func resume() { pause.withLock { $0?.resume() } }
    var resumedByFailsafe: Bool? { pause.withLock { $0?.resumedByFailsafe } }
}
