import PoolKit

extension PostgresDriver {
    /// `copy` (the default): catalog DDL and `COPY` streams from one exported snapshot shared by
    /// every worker. See docs/postgres-strategies.md.
    public var backupStrategies: [any BackupStrategy<PostgresConnection>] { [PostgresCopyBackupStrategy()] }

    /// Restores `copy` archives.
    public var restoreStrategies: [any RestoreStrategy<PostgresConnection>] { [PostgresCopyRestoreStrategy()] }
}
