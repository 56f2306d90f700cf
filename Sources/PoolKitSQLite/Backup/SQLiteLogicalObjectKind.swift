/// The catalog object kinds the `logical` strategy writes, beyond the common ones.
extension ArchiveObject.Kind {
    /// `CREATE VIRTUAL TABLE`: pre-data; creating it also creates its shadow tables.
    static let virtualTable: Self = "virtual-table"
    /// Empties a virtual table's shadow tables before their rows are loaded: pre-data.
    static let virtualTableReset: Self = "virtual-table-reset"
    /// Rebuilds an external-content FTS index from its content table: post-data.
    static let virtualTableRebuild: Self = "virtual-table-rebuild"
    /// Encoding, page size and auto-vacuum: pre-data, first; they only take effect on an empty database.
    static let databaseFormat: Self = "database-format"
    /// `user_version` and `application_id`: post-data, last.
    static let databaseHeader: Self = "database-header"
    /// The `sqlite_stat1` rows the query planner uses: post-data.
    static let statistics: Self = "statistics"
}
