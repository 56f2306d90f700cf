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


    /// Runs one statement with `values` bound and hands its rows to `channel` in batches as
    /// `sqlite3_step` produces them, as one job on the connection's thread; a consumer that stops
    /// ends the statement (`sqlite3_reset`). See ``stream(_:)``.
    public func streamRows(_ sql: String, _ values: [SQLValue], into channel: HandoffChannel<[SQLRow]>) async throws {
        let cache = statementCache
        try await withSQLiteHandle { handle in
            let batcher = SQLRowBatcher(channel: channel)
            try handle.run(sql, values, cache: cache, columns: batcher.start, row: batcher.add)
            try batcher.finish()
        }
    }

    /// How many statements this connection keeps prepared for parameterized queries.
    public var preparedStatementCount: Int { statementCache.count }
}
