extension SQLiteDriver {
    /// `pages` (the default): an exact copy of the database file, read in parallel byte ranges; and
    /// `logical`: the schema and typed rows, for `--table`, `--exclude-table`, `--schema-only` and
    /// `--data-only`. See docs/sqlite-strategies.md.
    public var backupStrategies: [any BackupStrategy<SQLiteConnection>] {
        [SQLitePagesBackupStrategy(), SQLiteLogicalBackupStrategy()]
    }

    /// Restores archives of both backup strategies, `pages` and `logical`.
    public var restoreStrategies: [any RestoreStrategy<SQLiteConnection>] {
        [SQLitePagesRestoreStrategy(), SQLiteLogicalRestoreStrategy()]
    }
}
