import PoolKit

/// A PoolKit connection source whose connections do nothing (HikariCP's stub-driver method):
/// what is measured is the pool itself.
final class NoOpSource: ConnectionSource {
    final class Connection: Sendable {}

    let connectDelay: Duration
    let counter: OpenCounter

    init(connectDelay: Duration, counter: OpenCounter) {
        self.connectDelay = connectDelay
        self.counter = counter
    }

    func connect() async throws -> Connection {
        if connectDelay > .zero { try await Task.sleep(for: connectDelay) }
        counter.opened()
        return Connection()
    }
    func validate(_ connection: Connection) async throws {}
    func reset(_ connection: Connection) async throws {}
    func close(_ connection: Connection) async { counter.closed() }
    func cancel(_ connection: Connection) {}
    func classify(_ error: any Error) -> ErrorDisposition { .statement }
}

/// PoolKit's ``ConnectionPool`` with default settings but for its size, over no-op connections.
struct PoolKitNoOpPool: BenchPool {
    let pool: ConnectionPool<NoOpSource>

    func cycle() async throws {
        try await pool.withConnection { _ in }
    }

    func timedCycle(hold: Duration) async throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        let lease = try await pool.lease()
        let waited = clock.now - start
        if hold > .zero { try await Task.sleep(for: hold) }
        await pool.release(lease)
        return waited
    }

    static func with<R: Sendable>(
        _ setup: NoOpPoolSetup, counter: OpenCounter, _ body: @Sendable (any BenchPool) async throws -> R
    ) async throws -> R {
        var configuration = PoolConfiguration()
        configuration.minConnections = setup.minConnections
        configuration.maxConnections = setup.maxConnections
        let source = NoOpSource(connectDelay: setup.connectDelay, counter: counter)
        let pool = try ConnectionPool(source: source, configuration: configuration)
        return try await pool.withRunning {
            while pool.statistics.idle < setup.minConnections { try await Task.sleep(for: .milliseconds(1)) }
            return try await body(PoolKitNoOpPool(pool: pool))
        }
    }
}
