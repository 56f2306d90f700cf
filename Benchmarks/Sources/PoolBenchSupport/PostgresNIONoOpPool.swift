import _ConnectionPoolModule
import Synchronization

/// A connection for postgres-nio's `_ConnectionPoolModule` that does nothing: it only keeps the
/// close callbacks the pool registers and calls them when closed.
final class NoOpPooledConnection: PooledConnection {
    let id: Int
    private let closeCallbacks = Mutex<[@Sendable ((any Error)?) -> Void]?>([])
    private let counter: OpenCounter

    init(id: Int, counter: OpenCounter) {
        self.id = id
        self.counter = counter
        counter.opened()
    }

    func onClose(_ closure: @escaping @Sendable ((any Error)?) -> Void) {
        let runNow = closeCallbacks.withLock { callbacks -> Bool in
            guard callbacks != nil else { return true }
            callbacks!.append(closure)
            return false
        }
        if runNow { closure(nil) }
    }

    func close() {
        let callbacks = closeCallbacks.withLock { callbacks in
            defer { callbacks = nil }
            return callbacks
        }
        guard let callbacks else { return }
        counter.closed()
        for callback in callbacks { callback(nil) }
    }
}

typealias NIOPool = ConnectionPool<
    NoOpPooledConnection, Int, ConnectionIDGenerator, ConnectionRequest<NoOpPooledConnection>, Int,
    NoOpKeepAliveBehavior<NoOpPooledConnection>, NoOpConnectionPoolMetrics<Int>, ContinuousClock
>

/// postgres-nio's connection pool (the one inside `PostgresClient`) over no-op connections, one
/// stream per connection as PostgresClient uses it, on the real clock.
struct PostgresNIONoOpPool: BenchPool {
    let pool: NIOPool

    func cycle() async throws {
        try await pool.withConnection { _ in }
    }

    func timedCycle(hold: Duration) async throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        let lease = try await pool.leaseConnection()
        let waited = clock.now - start
        if hold > .zero { try await Task.sleep(for: hold) }
        lease.release()
        return waited
    }

    static func with<R: Sendable>(
        _ setup: NoOpPoolSetup, counter: OpenCounter, _ body: @Sendable (any BenchPool) async throws -> R
    ) async throws -> R {
        var configuration = ConnectionPoolConfiguration()
        configuration.minimumConnectionCount = setup.minConnections
        configuration.maximumConnectionSoftLimit = setup.maxConnections
        configuration.maximumConnectionHardLimit = setup.maxConnections
        let connectDelay = setup.connectDelay
        let pool = NIOPool(
            configuration: configuration,
            keepAliveBehavior: NoOpKeepAliveBehavior(connectionType: NoOpPooledConnection.self),
            observabilityDelegate: NoOpConnectionPoolMetrics(connectionIDType: Int.self),
            clock: ContinuousClock()
        ) { id, _ in
            if connectDelay > .zero { try await Task.sleep(for: connectDelay) }
            return ConnectionAndMetadata(connection: NoOpPooledConnection(id: id, counter: counter), maximalStreamsOnConnection: 1)
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await pool.run() }
            defer { group.cancelAll() }
            while counter.open < setup.minConnections { try await Task.sleep(for: .milliseconds(1)) }
            return try await body(PostgresNIONoOpPool(pool: pool))
        }
    }
}
