import DequeModule
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// A pool of database connections.
///
/// ```swift
/// let pool = try ConnectionPool(url: ConnectionURL("postgres://app@db/app?pool_max=8"), registry: registry)
/// try await pool.withRunning {
///     try await pool.withConnection { connection in
///         try await connection.execute("UPDATE counters SET n = n + 1")
///     }
/// }
/// ```
///
/// `run()` does the background work (opening, health checks, idle eviction, lifetime recycling,
/// timeouts) and must be running while the pool is used; it ends after a graceful shutdown and is a
/// `Service` for swift-service-lifecycle. Every decision is made by ``PoolStateMachine`` under one
/// lock; the pool carries out the resulting actions outside it.
///
/// One role per file: leasing (`+Lease`), checkout validation and the before-lease hook
/// (`+Checkout`), giving back (`+Release`), connection work: open, close, health check (`+ConnectionWork`),
/// validation with a time limit (`+Validation`), the background task (`+Run`), timers (`+Timers`),
/// shutdown (`+Shutdown`), carrying out the state machine's actions (`+Effects`), statistics
/// (`+Statistics`), and the URL pool: its initializer and its borrowing API compiled for its
/// source (`+DriverSource`).
public final class ConnectionPool<Source: ConnectionSource>: Sendable {
    public typealias Connection = Source.Connection

    public let configuration: PoolConfiguration
    public let source: Source
    public let hooks: PoolHooks<Connection>
    let clock: any PoolClock
    let logger: Logger
    let metrics: PoolMetrics
    let state: Mutex<State>

    struct Handoff: Sendable {
        let connection: Connection
        let id: Int
        let validate: Bool
        let serial: Int
    }

    enum Work: Sendable {
        case open(Int)
        case close(Connection, Int)
        case check(Connection, Int)
    }

    struct State: ~Copyable {
        var machine: PoolStateMachine<Connection>
        var continuations: [Int: CheckedContinuation<Handoff, any Error>] = [:]
        var nextRequestID = 0
        var work = Deque<Work>()
        var workWaiter: CheckedContinuation<Work?, Never>?
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
        var runStarted = false
        /// When the timer task sleeps until, and how to wake it earlier.
        var timerWakeAt: PoolInstant?
        var timerWaiter: CheckedContinuation<Void, Never>?
        var timerWakeRequested = false
        var totalAcquireWait: Duration = .zero
        var maxAcquireWait: Duration = .zero
        let metrics: PoolMetrics
        /// What the gauges show now.
        var gauges = PoolMetrics.GaugeValues()

        /// Records the gauges that changed; called under the lock after every change of counts.
        mutating func publishGauges() {
            let values = PoolMetrics.GaugeValues(
                open: machine.slots.count, idle: machine.idleCount, leased: machine.leasedCount, waiting: machine.waiterCount)
            guard values != gauges else { return }
            metrics.record(values, previous: gauges)
            gauges = values
        }
    }

    /// Creates a pool. Nothing is opened until ``run()`` starts.
    public init(
        source: Source,
        configuration: PoolConfiguration = PoolConfiguration(),
        hooks: PoolHooks<Connection> = PoolHooks(),
        logger: Logger = Logger(label: "poolkit.pool"),
        clock: any PoolClock = SystemPoolClock(),
        metricsFactory: (any MetricsFactory)? = nil
    ) throws {
        try configuration.validate()
        self.configuration = configuration
        self.source = source
        self.hooks = hooks
        self.clock = clock
        var logger = logger
        logger[metadataKey: "pool"] = "\(configuration.name)"
        self.logger = logger
        let metrics = PoolMetrics(poolName: configuration.name, factory: metricsFactory)
        self.metrics = metrics
        self.state = Mutex(
            State(machine: PoolStateMachine(configuration: configuration, seed: UInt64.random(in: .min ... .max)), metrics: metrics))
    }
}

extension ConnectionPool: Service {}
