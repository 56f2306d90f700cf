import Logging
import PoolKit
import PoolKitConformance
@testable import PoolKitPostgres
import Synchronization
import Testing

/// The pool on real PostgreSQL sessions under faults: a backend that stops answering (SIGSTOP on
/// its server process), a cancelled borrower, a server that turns read-only, session state left
/// behind by a borrower.
@Suite(
    "PostgreSQL pool under faults", .serialized, .timeLimit(.minutes(2)),
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresPoolFaultTests {
    typealias Pool = ConnectionPool<DriverConnectionSource>
    let registry = DriverRegistry([PostgresDriver()])
    let logger = Logger(label: "poolkit.tests.postgres.pool")

    func serverURL() throws -> ConnectionURL {
        let text = try #require(TestServers.url(for: .postgres), Comment(rawValue: TestServers.missingMessage(for: .postgres)))
        return try ConnectionURL(text)
    }

    func makePool(
        hooks: PoolHooks<any DatabaseConnection> = PoolHooks(), _ modify: (inout PoolConfiguration) -> Void = { _ in }
    ) throws -> Pool {
        var configuration = PoolConfiguration()
        configuration.name = "pg-faults"
        configuration.maxConnections = 1
        configuration.healthCheckPeriod = nil
        modify(&configuration)
        return try Pool(url: serverURL(), registry: registry, configuration: configuration, hooks: hooks, logger: logger)
    }


    @Test("a backend that stops answering fails checkout validation after validationTimeout; the lease gets a new session")
    func stuckBackendIsReplacedOnCheckout() async throws {
        let pool = try makePool {
            $0.validationBypassWindow = .zero
            $0.validationTimeout = .milliseconds(300)
            $0.acquireTimeout = .seconds(15)
        }
        try await pool.withRunning {
            let first = try await pool.withConnection { try pid($0) }
            let pause = try ProcessPause(pid: first)
            defer { pause.resume() }
            let second = try await pool.withConnection { try pid($0) }
            #expect(second != first)
            #expect(!pause.resumedByFailsafe, "the lease waited for the stopped backend")
            #expect(pool.statistics.closed["validation_failed"] == 1)
            pause.resume()
        }
    }

    @Test("a lease's acquire timeout bounds a validation stuck on a stopped backend")
    func acquireTimeoutCoversValidation() async throws {
        let pool = try makePool {
            $0.validationBypassWindow = .zero
            $0.validationTimeout = .seconds(60)
        }
        try await pool.withRunning {
            let first = try await pool.withConnection { try pid($0) }
            let pause = try ProcessPause(pid: first)
            defer { pause.resume() }
            do {
                _ = try await pool.withConnection(timeout: .milliseconds(500)) { try pid($0) }
                Issue.record("the lease succeeded on a stopped backend")
            } catch let error as PoolKitError {
                #expect(error.code == .acquireTimeout)
                #expect(error.message.contains("within 500ms"), "\(error.message)")
            }
            let statistics = pool.statistics
            #expect(statistics.timeouts == 1, "the lease that timed out during its validation is counted as a timeout")
            #expect(statistics.leases == 1, "and not as granted: only the first lease was")
            #expect(!pause.resumedByFailsafe, "the lease waited for the stopped backend")
            pause.resume()
        }
    }

    @Test(
        "shutdown's deadline ends a lease stuck on a stopped backend, and run() returns while it is still stopped",
        arguments: [false, true])
    func shutdownDeadlineCoversStuckStatement(parameterized: Bool) async throws {
        let pool = try makePool { $0.shutdownGracePeriod = .milliseconds(300) }
        let pause = SharedBox<ProcessPause>()
        defer { pause.withLock { $0?.resume() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.run() }
            let (stoppedSignal, signal) = AsyncStream<Void>.makeStream()
            let borrower = Task {
                try await pool.withConnection { connection in
                    let stopped = try ProcessPause(pid: try pid(connection))
                    pause.withLock { $0 = stopped }
                    signal.yield()
                    if parameterized {
                        // The non-blocking path: the task itself waits on the socket poller.
                        _ = try await #require(connection as? PostgresConnection).query("SELECT $1::int", [1])
                    } else {
                        _ = try await connection.query(unsafeSQL: "SELECT 1")
                    }
                }
            }
            for await _ in stoppedSignal { break }
            await pool.shutdown()
            try await group.waitForAll()
            let result = await borrower.result
            let error = try #require(throws: PoolKitError.self) { try result.get() }
            #expect(error.code == .poolShutdown, "\(error)")
            #expect(error.message.contains("shut down"), "\(error.message)")
            #expect(!error.message.contains("SSL SYSCALL"), "\(error.message)")
            #expect(pause.withLock { $0?.resumedByFailsafe } == false, "shutdown waited for the stopped backend")
        }
    }

    @Test("a borrower cancelled after its body succeeded keeps the session for the pool; its transaction is rolled back")
    func cancelledBorrowerKeepsConnection() async throws {
        let pool = try makePool()
        try await pool.withRunning {
            let first = try await Task {
                try await pool.withConnection { connection in
                    try await connection.execute(unsafeSQL: "BEGIN")
                    _ = try await connection.query(unsafeSQL: "SELECT pg_current_xact_id()")
                    withUnsafeCurrentTask { $0?.cancel() }
                    return try pid(connection)
                }
            }.value
            let (second, xid) = try await pool.withConnection { connection in
                (try pid(connection), try await connection.query(unsafeSQL: "SELECT pg_current_xact_id_if_assigned() IS NULL").scalar)
            }
            #expect(second == first)
            #expect(xid == "t", "the cancelled borrower's transaction is still open")
            #expect(pool.statistics.closed["reset_failed"] == nil)
        }
    }

    @Test("reset policy: whenDirty keeps a clean session (no DISCARD ALL), discards after SET or markSessionDirty; always discards")
    func resetPolicies() async throws {
        let url = try serverURL()
        let setup = try await PostgresDriver().connect(to: url, logger: logger)
        try await setup.execute(unsafeSQL:
            "CREATE OR REPLACE FUNCTION poolkit_hidden_set() RETURNS text LANGUAGE sql AS $$ SELECT set_config('poolkit.probe', 'kept', false) $$")
        await setup.close()

        func probeAfter(policy: SessionResetPolicy, _ body: @escaping @Sendable (any DatabaseConnection) async throws -> Void) async throws -> String? {
            let pool = try makePool { $0.resetPolicy = policy }
            return try await pool.withRunning {
                try await pool.withConnection { try await body($0) }
                return try await pool.withConnection {
                    try await $0.query(unsafeSQL: "SELECT current_setting('poolkit.probe', true)").scalar
                }
            }
        }
        // A setting changed inside a function the driver cannot see into survives under whenDirty…
        #expect(try await probeAfter(policy: .whenDirty) { _ = try await $0.query(unsafeSQL: "SELECT poolkit_hidden_set()") } == "kept")
        // …unless the borrower says so, or the policy is always.
        #expect(try await probeAfter(policy: .whenDirty) {
            _ = try await $0.query(unsafeSQL: "SELECT poolkit_hidden_set()")
            $0.markSessionDirty()
        } != "kept")
        #expect(try await probeAfter(policy: .always) { _ = try await $0.query(unsafeSQL: "SELECT poolkit_hidden_set()") } != "kept")
        // A SET the driver sees is discarded under whenDirty.
        #expect(try await probeAfter(policy: .whenDirty) { try await $0.execute(unsafeSQL: "SET poolkit.probe = 'kept'") } != "kept")
        #expect(try await probeAfter(policy: .never) { try await $0.execute(unsafeSQL: "SET poolkit.probe = 'kept'") } == "kept")
    }

    @Test("a write refused because the server turned read-only soft-evicts every older session; new leases get new ones")
    func failoverSoftEvicts() async throws {
        let url = try serverURL()
        let admin = try await PostgresDriver().connect(to: url, logger: logger)
        try await admin.execute(unsafeSQL: "CREATE TABLE IF NOT EXISTS poolkit_failover_probe (id int)")
        await admin.close()
        let pool = try makePool {
            $0.maxConnections = 3
            $0.minConnections = 3
            $0.validationBypassWindow = .seconds(3600)
        }
        try await pool.withRunning {
            // One lease at a time (not an array literal of awaits), all three held at once.
            var leases: [PoolLease<any DatabaseConnection>] = []
            for _ in 0..<3 { leases.append(try await pool.lease()) }
            let old = Set(try leases.map { try pid($0.connection) })
            // What a demoted primary looks like to each session: the server reports
            // default_transaction_read_only = on (as after ALTER SYSTEM + reload; set per session
            // here so that tests running beside this one keep a writable server).
            for lease in leases {
                try await lease.connection.execute(unsafeSQL: "SET default_transaction_read_only = on")
            }
            for lease in leases.dropFirst() { await pool.release(lease) }
            do {
                try await leases[0].connection.execute(unsafeSQL: "INSERT INTO poolkit_failover_probe VALUES (1)")
                Issue.record("the write succeeded on a read-only session")
                await pool.release(leases[0])
            } catch {
                #expect(PostgresDriver().classify(error) == .serverReadOnly)
                await pool.release(leases[0], after: error)
            }
            #expect(pool.statistics.closed["read_only"] == 1)
            #expect(pool.statistics.closed["evicted"] == 2)
            let fresh = try await pool.withConnection { try pid($0) }
            #expect(!old.contains(fresh))
        }
    }

    @Test(
        "a beforeLease hook whose statement fails fails the lease with the server's error; it counts as failed, not granted",
        arguments: [
            // A statement error: the session may be half changed, so it is closed as hook_failed.
            ("SET ROLE poolkit_no_such_role", "22023", "hook_failed"),
            // The hook's own session is terminated: the connection is lost, closed as broken.
            ("SELECT pg_terminate_backend(pg_backend_pid())", nil, "broken"),
        ] as [(String, String?, String)])
    func failingBeforeLeaseHook(statement: String, sqlState: String?, closeReason: String) async throws {
        let failNext = SharedBox<Bool>()
        failNext.withLock { $0 = true }
        let hooks = PoolHooks<any DatabaseConnection>(beforeLease: { connection in
            if failNext.withLock({ fail in defer { fail = false }; return fail ?? false }) {
                try await connection.execute(unsafeSQL: statement)
            }
        })
        let pool = try makePool(hooks: hooks)
        try await pool.withRunning {
            let error = try await #require(throws: PoolKitError.self) { try await pool.withConnection { _ in } }
            if let sqlState { #expect(error.engineCode == sqlState, "\(error)") }
            var statistics = pool.statistics
            #expect(statistics.leases == 0, "the lease failed: it was not granted")
            #expect(statistics.failedLeases == 1)
            #expect(statistics.closed == [closeReason: 1], "\(statistics.closed)")

            let server = try await pool.withConnection { connection in
                try await connection.query("SELECT current_user").scalar(String.self)
            }
            #expect(server == "poolkit", "the next lease works, on a new session")
            statistics = pool.statistics
            #expect(statistics.leases == 1)
            #expect(statistics.created == 2)
        }
    }

    @Test("a read-only transaction the borrower asked for is a statement error, not a failover")
    func readOnlyTransactionIsNotFailover() async throws {
        let connection = try await PostgresDriver().connect(to: serverURL(), logger: logger)
        try await connection.execute(unsafeSQL: "CREATE TABLE IF NOT EXISTS poolkit_failover_probe (id int)")
        try await connection.execute(unsafeSQL: "BEGIN READ ONLY")
        do {
            try await connection.execute(unsafeSQL: "INSERT INTO poolkit_failover_probe VALUES (1)")
            Issue.record("the write succeeded in a read-only transaction")
        } catch {
            #expect((error as? PoolKitError)?.engineCode == "25006")
            #expect(PostgresDriver().classify(error) == .statement)
        }
        await connection.close()
    }

    @Test("the driver tells session-changing statements from clean ones")
    func sessionStatementKinds() {
        for (sql, dirty) in [
                ("SELECT 1", false), ("insert into t values (1)", false), ("BEGIN; UPDATE t SET a = 1; COMMIT", false),
                ("SET LOCAL work_mem = '8MB'", false), ("set work_mem = '8MB'", true), ("CREATE TEMP TABLE x (a int)", true),
                ("LISTEN c", true), ("PREPARE p AS SELECT 1", true), ("SELECT pg_advisory_lock(1)", true),
                ("SELECT pg_advisory_xact_lock(1)", false), ("", false), ("  \n\tselect 1;;", false),
                ("(SELECT 1) UNION (SELECT 2)", false), ("SeLeCt Set_Config('a.b', 'c', false)", true),
                ("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", false), ("SET", true), ("set\tlocal x = 1", false),
                ("SELECT 1; DISCARD ALL", true), ("SELECT 'é'; DEALLOCATE ALL", true), ("selectx 1", true),
                ("WITH a AS (SELECT 1) SELECT * FROM a", false), ("-- comment\nSELECT 1", true),
        ] {
            #expect(PostgresSessionStatements.mayChangeSession(sql) == dirty, "\(sql)")
        }
    }
}

/// A value set on one task and read on another.
final class SharedBox<T: Sendable>: Sendable {
    private let value = Mutex<T?>(nil)
    func withLock<R>(_ body: (inout T?) -> R) -> R { value.withLock { body(&$0) } }
}

/// The backend pid of a pooled PostgreSQL connection.
private func pid(_ connection: any DatabaseConnection) throws -> Int32 {
    try #require(connection as? PostgresConnection).backendPID
}

/// Retries `condition` (no sleeping: each try is a round trip or a yield) up to `attempts` times.
func eventuallyTrue(attempts: Int = 10_000, _ condition: () async throws -> Bool) async rethrows -> Bool {
    for _ in 0..<attempts {
        if try await condition() { return true }
        await Task.yield()
    }
    return try await condition()
}
