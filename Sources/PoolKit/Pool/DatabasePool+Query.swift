extension DatabasePool {
    /// Leases a connection, runs `query` (every interpolated value bound), gives the connection
    /// back and returns the rows.
    ///
    /// ```swift
    /// let names = try await pool.query("SELECT name FROM users WHERE team = \(team)").decode(String.self)
    /// ```
    @inlinable
    public func query(_ query: SQLQuery, fileID: String = #fileID, line: Int = #line) async throws -> SQLRows {
        try await withConnection(fileID: fileID, line: line) { try await $0.query(query) }
    }

    /// Leases a connection, runs `query` (every interpolated value bound) and gives it back.
    @inlinable
    public func execute(_ query: SQLQuery, fileID: String = #fileID, line: Int = #line) async throws {
        try await withConnection(fileID: fileID, line: line) { try await $0.execute(query) }
    }

    /// Leases a connection and runs `body` in a transaction on it (see
    /// ``DatabaseConnection/withTransaction(isolation:context:_:)``): committed when `body` returns,
    /// rolled back when it throws or the task is cancelled.
    ///
    /// ```swift
    /// try await pool.withTransaction(isolation: .repeatableRead) { connection in
    ///     try await connection.execute("UPDATE accounts SET balance = balance - \(amount) WHERE id = \(from)")
    ///     try await connection.execute("UPDATE accounts SET balance = balance + \(amount) WHERE id = \(to)")
    /// }
    /// ```
    @inlinable
    public func withTransaction<Result>(
        isolation level: TransactionIsolation? = nil,
        context: isolated (any Actor)? = #isolation,
        fileID: String = #fileID,
        line: Int = #line,
        _ body: (Connection) async throws -> Result
    ) async throws -> Result {
        try await withConnection(fileID: fileID, line: line) { connection in
            try await connection.withTransaction(isolation: level) { try await body($0) }
        }
    }
}
