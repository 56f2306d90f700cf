import PoolKit

/// One behaviour every driver must have, runnable against a real engine.
///
/// A driver's test target runs them all as one parameterized test:
/// ```swift
/// @Test(arguments: ConformanceCheck.all)
/// func conformance(_ check: ConformanceCheck) async throws {
///     try await check.run(context)
/// }
/// ```
public struct ConformanceCheck: Sendable, CustomStringConvertible {
    public let name: String
    private let body: @Sendable (ConformanceContext) async throws -> Void

    public init(_ name: String, _ body: @escaping @Sendable (ConformanceContext) async throws -> Void) {
        self.name = name
        self.body = body
    }

    public var description: String { name }

    public func run(_ context: ConformanceContext) async throws {
        try await body(context)
    }

    /// Every check, in a sensible order.
    public static let all: [ConformanceCheck] = [
        connectAndPing, queryRoundTrip, resetRollsBack, resetClearsSessionState, cancelStopsStatement,
        poolKeepsMinimum, poolTimesOut, poolServesWaitersInOrder, poolReplacesBrokenConnection, closeIsIdempotent,
    ]

    static func fail(_ check: String, _ message: String) -> ConformanceFailure {
        ConformanceFailure(check: check, message: message)
    }

    static func connect(_ context: ConformanceContext) async throws -> any DatabaseConnection {
        try await context.registry.driver(for: context.url).connect(to: context.url, logger: .init(label: "conformance"))
    }

    static func tableName() -> String { "poolkit_conformance_\(UInt32.random(in: 0 ... .max))" }

    public static let connectAndPing = ConformanceCheck("connect, report a version and ping") { context in
        let connection = try await connect(context)
        defer { Task { await connection.close() } }
        guard !connection.serverVersion.isEmpty else { throw fail("connect", "serverVersion is empty") }
        try await connection.ping()
    }

    public static let queryRoundTrip = ConformanceCheck("create, insert, select and drop with NULLs and unicode") { context in
        let connection = try await connect(context)
        let table = tableName()
        try await connection.execute(unsafeSQL: "CREATE TABLE \(table) (id INTEGER, name VARCHAR(100))")
        do {
            try await connection.execute(unsafeSQL: "INSERT INTO \(table) VALUES (1, 'Zoë – 東京'), (2, NULL)")
            let result = try await connection.query(unsafeSQL: "SELECT id, name FROM \(table) ORDER BY id")
            guard result.rows == [["1", "Zoë – 東京"], ["2", nil]] else {
                throw fail("round trip", "expected [[1, Zoë – 東京], [2, NULL]], got \(result.rows)")
            }
            guard result.columns.map({ $0.lowercased() }) == ["id", "name"] else {
                throw fail("round trip", "expected columns id, name; got \(result.columns)")
            }
        } catch {
            try? await connection.execute(unsafeSQL: "DROP TABLE \(table)")
            await connection.close()
            throw error
        }
        try await connection.execute(unsafeSQL: "DROP TABLE \(table)")
        await connection.close()
    }

    public static let resetRollsBack = ConformanceCheck("resetSession rolls back an open transaction") { context in
        let connection = try await connect(context)
        let table = tableName()
        try await connection.execute(unsafeSQL: "CREATE TABLE \(table) (id INTEGER)")
        do {
            try await connection.execute(unsafeSQL: "BEGIN")
            try await connection.execute(unsafeSQL: "INSERT INTO \(table) VALUES (1)")
            try await connection.resetSession()
            let count = try await connection.query(unsafeSQL: "SELECT COUNT(*) FROM \(table)").scalar
            guard count == "0" else { throw fail("reset", "the insert survived resetSession (count \(count ?? "NULL"))") }
        } catch {
            try? await connection.resetSession()
            try? await connection.execute(unsafeSQL: "DROP TABLE \(table)")
            await connection.close()
            throw error
        }
        try await connection.execute(unsafeSQL: "DROP TABLE \(table)")
        await connection.close()
    }

    public static let resetClearsSessionState = ConformanceCheck("resetSession clears session settings") { context in
        guard let probe = context.sessionProbe else { return }
        let connection = try await connect(context)
        defer { Task { await connection.close() } }
        try await connection.execute(unsafeSQL: probe.change)
        try await connection.resetSession()
        let value = try await connection.query(unsafeSQL: probe.read).scalar
        guard value == probe.freshValue else {
            throw fail("reset", "after resetSession '\(probe.read)' returned \(value ?? "NULL"), expected \(probe.freshValue ?? "NULL")")
        }
    }

    public static let cancelStopsStatement = ConformanceCheck("cancelling the task stops the running statement") { context in
        let connection = try await connect(context)
        defer { Task { await connection.close() } }
        let task = Task { try await connection.query(unsafeSQL: context.longRunningStatement) }
        // Give the statement time to reach the engine, then cancel the task.
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        do {
            _ = try await task.value
            throw fail("cancel", "the long statement finished instead of being cancelled")
        } catch let error as PoolKitError where error.code == .cancelled {
        } catch is CancellationError {
        }
        // The connection must still work after a cancelled statement.
        try await connection.resetSession()
        try await connection.ping()
    }

    public static let poolKeepsMinimum = ConformanceCheck("the pool opens and keeps its minimum") { context in
        var configuration = PoolConfiguration()
        configuration.minConnections = 2
        configuration.maxConnections = 3
        let pool = try ConnectionPool(url: context.url, registry: context.registry, configuration: configuration)
        try await pool.withRunning {
            try await waitUntil("two connections open") { pool.statistics.idle >= 2 }
            let statistics = pool.statistics
            guard statistics.open == 2 else { throw fail("min", "expected 2 open, got \(statistics)") }
        }
    }

    public static let poolTimesOut = ConformanceCheck("a lease times out when the pool is exhausted") { context in
        var configuration = PoolConfiguration()
        configuration.maxConnections = 1
        let pool = try ConnectionPool(url: context.url, registry: context.registry, configuration: configuration)
        try await pool.withRunning {
            let held = try await pool.lease()
            do {
                _ = try await pool.lease(timeout: .milliseconds(200))
                throw fail("timeout", "a second lease succeeded on a pool of one")
            } catch let error as PoolKitError where error.code == .acquireTimeout {
                guard error.message.contains("leased 1") else { throw fail("timeout", "message lacks counts: \(error.message)") }
            }
            await pool.release(held)
        }
    }

    public static let poolServesWaitersInOrder = ConformanceCheck("waiters are served first come, first served") { context in
        var configuration = PoolConfiguration()
        configuration.maxConnections = 1
        let pool = try ConnectionPool(url: context.url, registry: context.registry, configuration: configuration)
        try await pool.withRunning {
            let held = try await pool.lease()
            let order = OrderRecorder()
            var tasks: [Task<Void, any Error>] = []
            for index in 0..<3 {
                tasks.append(Task {
                    try await pool.withConnection { connection in
                        await order.append(index)
                        try await connection.ping()
                    }
                })
                try await waitUntil("waiter \(index) queued") { pool.statistics.waiting == index + 1 }
            }
            await pool.release(held)
            for task in tasks { try await task.value }
            let served = await order.values
            guard served == [0, 1, 2] else { throw fail("FIFO", "waiters served in order \(served)") }
        }
    }

    public static let poolReplacesBrokenConnection = ConformanceCheck("a broken connection is replaced, never handed out") { context in
        var configuration = PoolConfiguration()
        configuration.maxConnections = 1
        let pool = try ConnectionPool(url: context.url, registry: context.registry, configuration: configuration)
        try await pool.withRunning {
            let lease = try await pool.lease()
            await lease.connection.close()  // the session dies while leased
            await pool.release(lease)  // its reset fails, so the pool discards it
            try await pool.withConnection { connection in
                guard connection !== lease.connection else { throw fail("broken", "the closed connection was lent again") }
                try await connection.ping()
            }
        }
    }

    public static let closeIsIdempotent = ConformanceCheck("close twice is harmless and later calls fail cleanly") { context in
        let connection = try await connect(context)
        await connection.close()
        await connection.close()
        do {
            try await connection.ping()
            throw fail("close", "ping succeeded on a closed connection")
        } catch is PoolKitError {
        }
    }

    /// Polls `condition` every 10 ms for up to 10 s (an upper bound for a slow machine, not a timing assertion).
    static func waitUntil(_ what: String, _ condition: @Sendable () -> Bool) async throws {
        for _ in 0..<1000 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw fail("wait", "gave up waiting for: \(what)")
    }
}

actor OrderRecorder {
    var values: [Int] = []
    func append(_ value: Int) { values.append(value) }
}
