import Logging

/// How a ``ConnectionPool`` sizes, checks and recycles its connections.
///
/// The defaults need no tuning: a floor of connections kept open, a lifetime with jitter so that
/// connections opened together do not expire together, idle eviction above the floor, a periodic
/// health check, validation on checkout after a short idle window, and an acquire timeout.
public struct PoolConfiguration: Sendable {
    /// Appears in logs and as the `pool` label of metrics.
    public var name: String = "default"
    /// Connections kept open at all times (prewarmed at start, refilled after closes).
    public var minConnections: Int = 0
    /// Connections open at most (leased + idle + being opened).
    public var maxConnections: Int = 10
    /// How long a lease waits for a connection before it fails with `.acquireTimeout`.
    public var acquireTimeout: Duration = .seconds(30)
    /// A connection is closed (when idle, never while leased) after this long; `nil` = forever.
    public var maxLifetime: Duration? = .seconds(30 * 60)
    /// Each connection's lifetime is shortened by a random fraction up to this (0.1 = up to 10 %).
    public var maxLifetimeJitter: Double = 0.1
    /// Idle connections above `minConnections` are closed after this long idle; `nil` = never.
    public var idleTimeout: Duration? = .seconds(10 * 60)
    /// Idle connections not used or checked for this long are pinged; `nil` = never.
    public var healthCheckPeriod: Duration? = .seconds(60)
    /// A connection idle longer than this is validated (pinged) before it is handed out.
    public var validationBypassWindow: Duration = .milliseconds(500)
    /// How long a validation (on checkout) or a health check may take (HikariCP's
    /// `validationTimeout`). A connection that does not answer in time has its statement cancelled
    /// and is closed without waiting on the server. A lease's acquire timeout also bounds it.
    public var validationTimeout: Duration = .seconds(5)
    /// How much session state is reset when a connection comes back (URL option `pool_reset`).
    /// The default, ``SessionResetPolicy/whenDirty``, rolls back an open transaction and runs the
    /// engine's full reset only when the session changed state.
    public var resetPolicy: SessionResetPolicy = .whenDirty
    /// A lease held longer than this logs a warning with where it was taken; `nil` = off.
    public var leakDetectionThreshold: Duration? = nil
    /// Waiters beyond this many are rejected at once with `.tooManyWaiters`; `nil` = unbounded.
    public var maxWaiting: Int? = nil
    /// Connections being opened at once (HikariCP-style: a burst of acquirers does not open a
    /// connection each; connections freed meanwhile go to the waiters).
    public var maxConcurrentConnects: Int = 2
    /// First delay after a failed connect; doubles per failure (with ±20 % jitter) up to `maxConnectBackoff`.
    public var connectBackoff: Duration = .milliseconds(50)
    public var maxConnectBackoff: Duration = .seconds(5)
    /// When the pool has never connected, the first connect failure fails every waiter at once
    /// with that error instead of retrying until the acquire timeout.
    public var failFast: Bool = false
    /// How long a graceful shutdown waits for leased connections to come back.
    public var shutdownGracePeriod: Duration = .seconds(30)
    /// The longest the background task sleeps between looks at idle connections, lifetimes,
    /// health checks and leaks. Acquire timeouts, connect retries and the shutdown deadline do
    /// not wait for it: the task wakes at their deadlines.
    public var timerResolution: Duration = .seconds(1)

    public init() {}

    /// The configuration with the URL's pool options (`pool_max=…`) applied over it.
    public func applying(_ options: PoolOptions) -> PoolConfiguration {
        var copy = self
        if let value = options.minConnections { copy.minConnections = value }
        if let value = options.maxConnections { copy.maxConnections = value }
        if let value = options.acquireTimeout { copy.acquireTimeout = value }
        if let value = options.maxLifetime { copy.maxLifetime = value == .zero ? nil : value }
        if let value = options.idleTimeout { copy.idleTimeout = value == .zero ? nil : value }
        if let value = options.healthCheckPeriod { copy.healthCheckPeriod = value == .zero ? nil : value }
        if let value = options.leakDetectionThreshold { copy.leakDetectionThreshold = value == .zero ? nil : value }
        if let value = options.maxWaiting { copy.maxWaiting = value }
        if let value = options.validationTimeout { copy.validationTimeout = value }
        if let value = options.resetPolicy { copy.resetPolicy = value }
        return copy
    }

    /// Throws `.invalidOption` when the values contradict each other.
    public func validate() throws {
        guard maxConnections >= 1 else {
            throw PoolKitError(.invalidOption, "pool \(name): maxConnections (pool_max) must be at least 1")
        }
        guard minConnections >= 0, minConnections <= maxConnections else {
            throw PoolKitError(
                .invalidOption, "pool \(name): minConnections (pool_min=\(minConnections)) must be between 0 and pool_max=\(maxConnections)")
        }
        guard maxLifetimeJitter >= 0, maxLifetimeJitter < 1 else {
            throw PoolKitError(.invalidOption, "pool \(name): maxLifetimeJitter must be in 0..<1")
        }
        guard validationTimeout > .zero else {
            throw PoolKitError(.invalidOption, "pool \(name): validationTimeout (validation_timeout) must be more than zero")
        }
        guard maxConcurrentConnects >= 1 else {
            throw PoolKitError(.invalidOption, "pool \(name): maxConcurrentConnects must be at least 1")
        }
    }
}
