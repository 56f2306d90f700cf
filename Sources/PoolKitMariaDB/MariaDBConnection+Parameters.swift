import PoolKit

extension MariaDBConnection {
    /// Runs one statement with `values` bound to its `?` placeholders (MariaDB's binary protocol:
    /// `mysql_stmt_*`) and returns typed rows: integers as `.int` (an unsigned value above
    /// `Int64.max` as text), FLOAT/DOUBLE as `.double`, DATE/DATETIME/TIMESTAMP as `.date` (read as
    /// UTC), binary strings and BLOBs as `.bytes`, everything else (DECIMAL, text, JSON) as `.text`.
    /// The statement is prepared once per connection and reused.
    ///
    /// ```swift
    /// let rows = try await connection.query("SELECT name FROM users WHERE id = ?", [42])
    /// ```
    public func query(_ sql: String, _ values: [SQLValue]) async throws -> SQLRows {
        noteStatement(sql)
        let cache = statementCache
        return try await perform { try $0.query(sql, values, cache: cache) }
    }


    /// Runs one statement with `values` bound and hands its rows to `channel` in batches as they
    /// are fetched (unbuffered), as one job on the connection's thread; a consumer that stops gets
    /// the remaining rows discarded. See ``stream(_:)``.
    public func streamRows(_ sql: String, _ values: [SQLValue], into channel: HandoffChannel<[SQLRow]>) async throws {
        noteStatement(sql)
        let cache = statementCache
        try await perform { handle in
            let batcher = SQLRowBatcher(channel: channel)
            try handle.run(sql, values, cache: cache, columns: batcher.start, row: batcher.add)
            try batcher.finish()
        }
    }

    /// How many statements this connection keeps prepared for parameterized queries.
    public var preparedStatementCount: Int { statementCache.count }
}
