import PoolKit

extension SQLiteConnection {
    /// Runs one statement with `values` bound to its `?` placeholders and returns typed rows
    /// (INTEGER as `.int`, REAL as `.double`, TEXT as `.text`, BLOB as `.bytes`). The statement is
    /// prepared once per connection and reused; values are never spliced into the SQL. Dates are
    /// stored as UTC text `yyyy-MM-dd HH:mm:ss.SSSSSS`, which SQLite's date functions read.
    ///
    /// ```swift
    /// let rows = try await connection.query("SELECT name FROM users WHERE id = ?", [42])
    /// ```
    public func query(_ sql: String, _ values: [SQLValue]) async throws -> SQLRows {
        let cache = statementCache
        return try await withSQLiteHandle { try $0.query(sql, values, cache: cache) }
    }


    /// How many statements this connection keeps prepared for parameterized queries.
    public var preparedStatementCount: Int { statementCache.count }
}
