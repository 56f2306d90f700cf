extension DatabaseConnection {
    /// Runs `query` with every interpolated value bound to a placeholder and returns typed rows.
    ///
    /// ```swift
    /// let rows = try await connection.query("SELECT id, name FROM users WHERE team = \(team)")
    /// for (id, name) in try rows.decode((Int, String).self) { … }
    /// ```
    public func query(_ query: SQLQuery) async throws -> SQLRows {
        let (sql, binds) = query.rendered(for: sqlDialect)
        return try await self.query(sql, binds)
    }

    /// Runs `query`, every interpolated value bound, for a statement whose rows are not needed.
    public func execute(_ query: SQLQuery) async throws {
        _ = try await self.query(query)
    }

    /// Runs `sql` with `values` bound to the placeholders it holds in the engine's own syntax, for
    /// a statement whose rows are not needed.
    public func execute(_ sql: String, _ values: [SQLValue]) async throws {
        _ = try await query(sql, values)
    }
}
