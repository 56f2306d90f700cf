/// Code the pool runs at points of a connection's life. A hook that throws discards the connection
/// (after connect: the connect counts as failed; before lease: the lease fails with the hook's error,
/// counted in ``PoolStatistics/failedLeases`` and `poolkit_pool_lease_failures_total`, not as granted,
/// and the connection is closed as `hook_failed`, or as `broken` when the error says it was lost;
/// after release: the connection is closed as `reset_failed`).
public struct PoolHooks<Connection: Sendable>: Sendable {
    /// After a connection opens, before it is first used (e.g. `SET search_path`, `PRAGMA …`).
    public var afterConnect: (@Sendable (Connection) async throws -> Void)?
    /// Before a connection is handed to a borrower.
    public var beforeLease: (@Sendable (Connection) async throws -> Void)?
    /// After a connection came back and was reset, before it is lent again.
    public var afterRelease: (@Sendable (Connection) async throws -> Void)?
    /// Before a connection is closed.
    public var beforeClose: (@Sendable (Connection) async -> Void)?

    public init(
        afterConnect: (@Sendable (Connection) async throws -> Void)? = nil,
        beforeLease: (@Sendable (Connection) async throws -> Void)? = nil,
        afterRelease: (@Sendable (Connection) async throws -> Void)? = nil,
        beforeClose: (@Sendable (Connection) async -> Void)? = nil
    ) {
        self.afterConnect = afterConnect
        self.beforeLease = beforeLease
        self.afterRelease = afterRelease
        self.beforeClose = beforeClose
    }
}
