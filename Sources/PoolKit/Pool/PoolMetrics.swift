import Metrics

/// The pool's swift-metrics instruments, labelled with the pool's name. Gauges are refreshed on each
/// timer tick (not on every lease, to keep the hot path to a lock, a pop and a return); counters,
/// the acquire-wait timer (every lease, also those that did not wait) and the lease hold-time timer
/// are updated when their event happens.
struct PoolMetrics: Sendable {
    let open: Gauge
    let idle: Gauge
    let leased: Gauge
    let waiting: Gauge
    let created: Counter
    let connectFailures: Counter
    let timeouts: Counter
    let leaks: Counter
    let acquireWait: Metrics.Timer
    /// How long each lease was held, from lease to release.
    let holdTime: Metrics.Timer
    private let closed: [String: Counter]

    /// `factory` nil: the process's bootstrapped `MetricsSystem.factory`.
    init(poolName: String, factory: (any MetricsFactory)? = nil) {
        let factory = factory ?? MetricsSystem.factory
        let dimensions = [("pool", poolName)]
        open = Gauge(label: "poolkit_pool_connections_open", dimensions: dimensions, factory: factory)
        idle = Gauge(label: "poolkit_pool_connections_idle", dimensions: dimensions, factory: factory)
        leased = Gauge(label: "poolkit_pool_connections_leased", dimensions: dimensions, factory: factory)
        waiting = Gauge(label: "poolkit_pool_waiters", dimensions: dimensions, factory: factory)
        created = Counter(label: "poolkit_pool_connections_created_total", dimensions: dimensions, factory: factory)
        connectFailures = Counter(label: "poolkit_pool_connect_failures_total", dimensions: dimensions, factory: factory)
        timeouts = Counter(label: "poolkit_pool_acquire_timeouts_total", dimensions: dimensions, factory: factory)
        leaks = Counter(label: "poolkit_pool_leaks_reported_total", dimensions: dimensions, factory: factory)
        acquireWait = Metrics.Timer(label: "poolkit_pool_acquire_wait", dimensions: dimensions, factory: factory)
        holdTime = Metrics.Timer(label: "poolkit_pool_lease_hold", dimensions: dimensions, factory: factory)
        var closed: [String: Counter] = [:]
        for reason in PoolCloseReason.allCases {
            closed[reason.rawValue] = Counter(
                label: "poolkit_pool_connections_closed_total", dimensions: dimensions + [("reason", reason.rawValue)],
                factory: factory)
        }
        self.closed = closed
    }

    func recordClose(reason: String) { closed[reason]?.increment() }

    func refresh(_ statistics: PoolStatistics) {
        open.record(statistics.open)
        idle.record(statistics.idle)
        leased.record(statistics.leased)
        waiting.record(statistics.waiting)
    }
}
