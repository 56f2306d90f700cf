/// Why the pool closed a connection; the `reason` label of `poolkit_pool_connections_closed_total`
/// and the keys of ``PoolStatistics/closed``.
enum PoolCloseReason: String, Sendable, CaseIterable {
    case idleTimeout = "idle_timeout"
    case maxLifetime = "max_lifetime"
    case broken
    case validationFailed = "validation_failed"
    case resetFailed = "reset_failed"
    /// The `beforeLease` hook threw: the lease failed, and the hook may have left the session half changed.
    case hookFailed = "hook_failed"
    /// The connection reported that the server turned read-only (a failover).
    case readOnly = "read_only"
    /// Soft-evicted: opened before a failover or ``ConnectionPool/softEvictAll()``, closed when next idle.
    case evicted
    /// Opened for waiters that connections coming back served first: it landed with nobody waiting
    /// and another connection idle, above the floor (the end of a spike).
    case surplus
    case shutdown
}
