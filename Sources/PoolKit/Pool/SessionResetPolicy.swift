/// How much session state a pool resets when a connection comes back (URL option `pool_reset`).
///
/// Under every policy an open transaction is rolled back: a borrower never inherits one. What
/// differs is the engine's full reset (PostgreSQL `DISCARD ALL`, MariaDB `mysql_reset_connection`),
/// which costs a round trip:
///
/// ```swift
/// var configuration = PoolConfiguration()
/// configuration.resetPolicy = .always   // or ?pool_reset=always in the URL
/// ```
public enum SessionResetPolicy: String, Sendable, Hashable, CaseIterable {
    /// The full reset after every lease (settings, temporary tables, prepared statements, locks).
    case always
    /// The full reset only when the session changed state: the driver saw a statement that changes
    /// it (`SET`, `CREATE TEMP TABLE`, `PREPARE`, `LISTEN`, session advisory locks, …, or the
    /// server said so), or the borrower called ``DatabaseConnection/markSessionDirty()``.
    case whenDirty = "dirty"
    /// Never the full reset; only an open transaction is rolled back. For applications that
    /// never change session state.
    case never
}
