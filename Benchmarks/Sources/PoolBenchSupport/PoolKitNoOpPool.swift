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

/// The stub driver's source: a URL pool's ``DriverConnectionSource``.
func stubDriverSource(connectDelay: Duration, counter: OpenCounter) throws -> DriverConnectionSource {
    try DriverConnectionSource(
        url: ConnectionURL("stub://bench"), registry: DriverRegistry([StubDriver(connectDelay: connectDelay, counter: counter)]))
}

/// PoolKit's ``ConnectionPool`` with default settings but for its size, over no-op connections.
/// Two concrete types, not one generic one: the benchmark must call the pool with its source type
/// known, as an application does, so the compiler can use the pool's specialized code.
struct PoolKitDriverPool: BenchPool {
    let pool: ConnectionPool<DriverConnectionSource>

    func cycle() async throws {
        try await pool.withConnection { _ in }
    }

    func timedCycle(hold: Duration) async throws -> Duration {
        try await timedLease(hold: hold, { try await pool.lease() }, { await pool.release($0) })
    }
}

/// As ``PoolKitDriverPool``, over the benchmark's own ``NoOpSource``.
struct PoolKitOwnSourcePool: BenchPool {
    let pool: ConnectionPool<NoOpSource>

    func cycle() async throws {
        try await pool.withConnection { _ in }
    }

    func timedCycle(hold: Duration) async throws -> Duration {
        try await timedLease(hold: hold, { try await pool.lease() }, { await pool.release($0) })
    }
}

/// Runs `body` with a running pool of `source` whose minimum connections are open.
func withPoolKitPool<Source: ConnectionSource, R: Sendable>(
    _ source: Source, _ setup: NoOpPoolSetup, wrap: @Sendable (ConnectionPool<Source>) -> any BenchPool,
    _ body: @Sendable (any BenchPool) async throws -> R
) async throws -> R {
    var configuration = PoolConfiguration()
    configuration.minConnections = setup.minConnections
    configuration.maxConnections = setup.maxConnections
    let pool = try ConnectionPool(source: source, configuration: configuration)
    return try await pool.withRunning {
        while pool.statistics.idle < setup.minConnections { try await Task.sleep(for: .milliseconds(1)) }
        return try await body(wrap(pool))
    }
}

/// PoolKit's pool typed by the driver, ``DatabasePool``, over the stub driver: it lends
/// `StubConnection` itself, as an application that knows its engine uses the pool.
struct PoolKitTypedPool: BenchPool {
    let pool: DatabasePool<StubDriver>

    func cycle() async throws {
        try await pool.withConnection { _ in }
    }

    func timedCycle(hold: Duration) async throws -> Duration {
        try await timedLease(hold: hold, { try await pool.lease() }, { await pool.release($0) })
    }
}

/// Runs `body` with a running ``DatabasePool`` of the stub driver whose minimum connections are open.
func withPoolKitTypedPool<R: Sendable>(
    _ setup: NoOpPoolSetup, counter: OpenCounter, _ body: @Sendable (any BenchPool) async throws -> R
) async throws -> R {
    var configuration = PoolConfiguration()
    configuration.minConnections = setup.minConnections
    configuration.maxConnections = setup.maxConnections
    let pool = try DatabasePool(
        driver: StubDriver(connectDelay: setup.connectDelay, counter: counter), url: ConnectionURL("stub://bench"),
        configuration: configuration)
    return try await pool.withRunning {
        while pool.statistics.idle < setup.minConnections { try await Task.sleep(for: .milliseconds(1)) }
        return try await body(PoolKitTypedPool(pool: pool))
    }
}

/// One cycle holding the lease for `hold`: how long `lease` took. The pools pass their own lease and
/// release, called on the pool's concrete type so the compiler picks the code compiled for it.
func timedLease<Lease>(
    hold: Duration, _ lease: () async throws -> Lease, _ release: (Lease) async -> Void
) async throws -> Duration {
    let clock = ContinuousClock()
    let start = clock.now
    let borrowed = try await lease()
    let waited = clock.now - start
    if hold > .zero { try await Task.sleep(for: hold) }
    await release(borrowed)
    return waited
}
