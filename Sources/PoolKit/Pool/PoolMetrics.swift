import Metrics

/// The pool's swift-metrics instruments, labelled with the pool's name. Every instrument is updated
/// when its event happens: a gauge when its count changes (recorded under the pool's lock, so the
/// last value recorded is the pool's current one), counters, the acquire-wait timer (every lease,
/// also those that did not wait) and the lease hold-time timer.
struct PoolMetrics: Sendable {
    let open: Gauge
    let idle: Gauge
    let leased: Gauge
    let waiting: Gauge
    let created: Counter
    let connectFailures: Counter
    let timeouts: Counter
    /// Leases that failed once a connection was chosen for them (the `beforeLease` hook threw).
    let leaseFailures: Counter
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
        leaseFailures = Counter(label: "poolkit_pool_lease_failures_total", dimensions: dimensions, factory: factory)
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

    /// The counts the gauges show.
    struct GaugeValues: Equatable {
        var open = 0
        var idle = 0
        var leased = 0
        var waiting = 0
    }

    /// Records the gauges whose value differs from `previous`.
    func record(_ values: GaugeValues, previous: GaugeValues) {
        if values.open != previous.open { open.record(values.open) }
        if values.idle != previous.idle { idle.record(values.idle) }
        if values.leased != previous.leased { leased.record(values.leased) }
        if values.waiting != previous.waiting { waiting.record(values.waiting) }
    }
}
