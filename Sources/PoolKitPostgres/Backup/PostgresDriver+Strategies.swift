import PoolKit

extension PostgresDriver {
    /// `copy` (the default): catalog DDL and `COPY` streams from one exported snapshot shared by
    /// every worker. See docs/postgres-strategies.md.
    public var backupStrategies: [any BackupStrategy] { [PostgresCopyBackupStrategy()] }

    /// Restores `copy` archives.
    public var restoreStrategies: [any RestoreStrategy] { [PostgresCopyRestoreStrategy()] }
}
