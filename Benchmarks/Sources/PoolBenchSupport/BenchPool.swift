/// A pool under measurement, reduced to what the benchmarks do with it: lease a connection, hold
/// it for a while (or not at all), give it back. Each pool is driven through its own public
/// lease/release API, the way an application would use it.
public protocol BenchPool: Sendable {
    /// One lease → release cycle with an empty body.
    func cycle() async throws
    /// One cycle holding the connection for `hold` (slept, as a query would wait for the server).
    /// Returns how long the lease took to be granted.
    func timedCycle(hold: Duration) async throws -> Duration
}

/// Which pool a scenario runs on.
public enum PoolKind: String, Sendable, CaseIterable {
    /// PoolKit's pool for a URL, over a stub driver (the path applications take).
    case poolkit = "PoolKit"
    /// PoolKit's pool typed by the driver (`DatabasePool<StubDriver>`), over the same stub driver.
    case poolkitTyped = "PoolKit-typed"
    case postgresNIO = "postgres-nio"
    /// PoolKit's pool over a ConnectionSource of the benchmark's own: generic code that the
    /// compiler cannot specialize across modules.
    case poolkitOwnSource = "PoolKit-own-source"

    /// The two pools every figure compares.
    public static let compared: [PoolKind] = [.poolkit, .postgresNIO]
}

/// How a no-op pool is set up for one scenario.
public struct NoOpPoolSetup: Sendable {
    /// Connections kept open (and the maximum, unless `maxConnections` is set).
    public var minConnections: Int
    public var maxConnections: Int
    /// How long opening a connection takes (HikariCP's spike test: 150 ms).
    public var connectDelay: Duration = .zero

    public init(connections: Int) {
        self.minConnections = connections
        self.maxConnections = connections
    }

    public init(minConnections: Int, maxConnections: Int, connectDelay: Duration) {
        self.minConnections = minConnections
        self.maxConnections = maxConnections
        self.connectDelay = connectDelay
    }
}

/// Counts the no-op connections open now and the most ever open at once.
public final class OpenCounter: Sendable {
    private let counts = Mutex<(open: Int, peak: Int)>((0, 0))

    public init() {}

    func opened() {
        counts.withLock {
            $0.open += 1
            $0.peak = max($0.peak, $0.open)
        }
    }

    func closed() { counts.withLock { $0.open -= 1 } }

    public var open: Int { counts.withLock { $0.open } }
    public var peak: Int { counts.withLock { $0.peak } }
}

import Synchronization

/// Runs `body` with a running no-op pool of `kind` whose minimum connections are open, then
/// shuts the pool down.
public func withNoOpPool<R: Sendable>(
    _ kind: PoolKind, _ setup: NoOpPoolSetup, counter: OpenCounter = OpenCounter(),
    _ body: @Sendable (any BenchPool) async throws -> R
) async throws -> R {
    switch kind {
    case .poolkit:
        try await withPoolKitPool(
            try stubDriverSource(connectDelay: setup.connectDelay, counter: counter), setup, wrap: { PoolKitDriverPool(pool: $0) }, body)
    case .poolkitTyped:
        try await withPoolKitTypedPool(setup, counter: counter, body)
    case .poolkitOwnSource:
        try await withPoolKitPool(
            NoOpSource(connectDelay: setup.connectDelay, counter: counter), setup, wrap: { PoolKitOwnSourcePool(pool: $0) }, body)
    case .postgresNIO: try await PostgresNIONoOpPool.with(setup, counter: counter, body)
    }
}
