import PoolKit

extension PostgresConnection {
    /// Runs `sql` with `values` bound to its placeholders `$1`, `$2`, … and returns typed rows.
    /// The statement is prepared once per connection (per SQL text and parameter types) and reused;
    /// values are sent apart from the SQL, never spliced into it.
    ///
    /// ```swift
    /// let rows = try await connection.query("SELECT name, born FROM people WHERE id = $1", [42])
    /// let born = try rows.first?.decode(Date?.self, column: "born")
    /// ```
    public func query(_ sql: String, _ values: [SQLValue]) async throws -> SQLRows {
        noteStatement(sql)
        let statements = preparedStatements
        if let readiness {
            return try await performNonBlocking(readiness: readiness) { handle, readiness in
                try await handle.queryNonBlocking(sql, values, statements: statements, readiness: readiness)
            }
        }
        return try await perform { try $0.query(sql, values, statements: statements) }
    }


    /// How many statements this connection holds prepared for parameterized queries.
    public var preparedStatementCount: Int { preparedStatements.count }
}
