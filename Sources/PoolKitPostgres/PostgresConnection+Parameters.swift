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


    /// Runs one statement with `values` bound and hands its rows to `channel` in batches as they
    /// arrive (libpq's single-row mode), as one job on the connection's thread; a consumer that stops
    /// gets the statement cancelled on the server. See ``stream(_:)``.
    public func streamRows(_ sql: String, _ values: [SQLValue], into channel: HandoffChannel<[SQLRow]>) async throws {
        noteStatement(sql)
        let statements = preparedStatements
        let canceller = self.canceller
        try await perform { handle in
            try handle.stream(sql, values, statements: statements, canceller: canceller, into: SQLRowBatcher(channel: channel))
        }
    }

    /// How many statements this connection holds prepared for parameterized queries.
    public var preparedStatementCount: Int { preparedStatements.count }
}
