import Metrics

/// The pool's swift-metrics instruments, labelled with the pool's name. Gauges are refreshed on each
/// timer tick (not on every lease, to keep the hot path to a lock, a pop and a return); counters and
/// the acquire-wait timer are updated when their event happens.
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
    private let closed: [String: Counter]

    init(poolName: String) {
        let dimensions = [("pool", poolName)]
        open = Gauge(label: "poolkit_pool_connections_open", dimensions: dimensions)
        idle = Gauge(label: "poolkit_pool_connections_idle", dimensions: dimensions)
        leased = Gauge(label: "poolkit_pool_connections_leased", dimensions: dimensions)
        waiting = Gauge(label: "poolkit_pool_waiters", dimensions: dimensions)
        created = Counter(label: "poolkit_pool_connections_created_total", dimensions: dimensions)
        connectFailures = Counter(label: "poolkit_pool_connect_failures_total", dimensions: dimensions)
        timeouts = Counter(label: "poolkit_pool_acquire_timeouts_total", dimensions: dimensions)
        leaks = Counter(label: "poolkit_pool_leaks_reported_total", dimensions: dimensions)
        acquireWait = Metrics.Timer(label: "poolkit_pool_acquire_wait", dimensions: dimensions, preferredDisplayUnit: .milliseconds)
        var closed: [String: Counter] = [:]
        for reason in PoolCloseReason.allCases {
            closed[reason.rawValue] = Counter(
                label: "poolkit_pool_connections_closed_total", dimensions: dimensions + [("reason", reason.rawValue)])
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
