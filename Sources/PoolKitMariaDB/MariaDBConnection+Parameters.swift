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


    /// How many statements this connection keeps prepared for parameterized queries.
    public var preparedStatementCount: Int { statementCache.count }
}
