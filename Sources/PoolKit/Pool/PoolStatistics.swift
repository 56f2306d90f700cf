/// A snapshot of a pool's state and counters since it started.
public struct PoolStatistics: Sendable, Hashable, CustomStringConvertible {
    /// Connections open now (idle + leased + being checked).
    public var open: Int
    public var idle: Int
    public var leased: Int
    /// Connections being opened now.
    public var opening: Int
    /// Idle connections being health-checked now.
    public var checking: Int
    /// Tasks waiting for a connection now.
    public var waiting: Int
    /// Connections opened since start.
    public var created: Int
    /// Failed connect attempts since start.
    public var connectFailures: Int
    /// Connections closed since start, by reason (`idle_timeout`, `max_lifetime`, `broken`,
    /// `validation_failed`, `reset_failed`, `hook_failed`, `read_only`, `evicted`, `surplus`, `shutdown`).
    public var closed: [String: Int]
    /// Leases granted since start (a connection that failed checkout validation was not granted,
    /// nor one whose `beforeLease` hook threw).
    public var leases: Int
    /// Leases that failed after a connection was chosen for them because the `beforeLease` hook
    /// threw (the connection was closed). Acquire timeouts are counted in ``timeouts``.
    public var failedLeases: Int
    /// Leases that had to wait for a connection.
    public var leasesWaited: Int
    /// Leases that timed out, waiting or while their connection was validated on checkout.
    public var timeouts: Int
    /// Waits ended by task cancellation.
    public var cancelledWaits: Int
    /// Leases rejected because `maxWaiting` was reached.
    public var rejected: Int
    /// Leases reported as possible leaks.
    public var leaksReported: Int
    /// Total and longest time tasks spent waiting for a connection.
    public var totalAcquireWait: Duration
    public var maxAcquireWait: Duration

    public var description: String {
        "open \(open) (idle \(idle), leased \(leased), checking \(checking)), opening \(opening), waiting \(waiting); created \(created), closed \(closed.values.reduce(0, +)), leases \(leases), failed leases \(failedLeases), timeouts \(timeouts)"
    }
}
