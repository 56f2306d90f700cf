extension DatabaseConnection {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws or when the
    /// task was cancelled meanwhile (then throws `CancellationError`). Called inside another
    /// transaction of the same connection (in the same task or a child task), it nests as a
    /// savepoint: an error rolls back to the savepoint only, and the outer transaction goes on.
    ///
    /// ```swift
    /// try await connection.withTransaction(isolation: .serializable) { connection in
    ///     try await connection.execute("UPDATE accounts SET balance = balance - \(amount) WHERE id = \(from)")
    ///     try await connection.execute("UPDATE accounts SET balance = balance + \(amount) WHERE id = \(to)")
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - isolation: the isolation level of a top-level transaction (nil: the session's default).
    ///     A nested call may only repeat its transaction's level or give none. SQLite transactions
    ///     are always serializable, and asking for another level there throws `.unsupported`.
    ///   - context: the caller's actor, so `body` may touch its state; leave the default.
    ///
    /// A connection lent by a pool never goes back inside a transaction: the pool rolls back any
    /// transaction still open (one a borrower began by hand, say) before it lends the connection again.
    public func withTransaction<Result>(
        isolation: TransactionIsolation? = nil,
        context: isolated (any Actor)? = #isolation,
        _ body: (Self) async throws -> Result
    ) async throws -> Result {
        let key = ObjectIdentifier(self)
        var open = OpenTransactions.current
        let begin: [String], commit: String, rollback: [String]
        if let outer = open[key] {
            if let isolation, isolation != outer.isolation {
                throw PoolKitError(
                    .usage,
                    "a nested transaction cannot change the isolation level (\(outer.isolation.map(\.rawValue) ?? "the default") to \(isolation.rawValue)): it is a savepoint of its transaction")
            }
            // One level deeper: a savepoint named by its depth.
            let savepoint = "poolkit_savepoint_\(outer.depth + 1)"
            open[key] = OpenTransactions.Transaction(depth: outer.depth + 1, isolation: outer.isolation)
            begin = ["SAVEPOINT \(savepoint)"]
            commit = "RELEASE SAVEPOINT \(savepoint)"
            rollback = ["ROLLBACK TO SAVEPOINT \(savepoint)", "RELEASE SAVEPOINT \(savepoint)"]
        } else {
            open[key] = OpenTransactions.Transaction(depth: 0, isolation: isolation)
            begin = try sqlDialect.beginStatements(isolation: isolation)
            commit = "COMMIT"
            // PostgreSQL and MariaDB end a transaction whose commit failed; SQLite keeps it open
            // (a busy database, say), and the connection must not stay inside it.
            rollback = ["ROLLBACK"]
        }
        try Task.checkCancellation()
        for statement in begin {
            try await execute(unsafeSQL: statement)
        }
        let result: Result
        do {
            result = try await OpenTransactions.$current.withValue(open) { try await body(self) }
            try Task.checkCancellation()
            if transactionHasFailed {
                throw PoolKitError(
                    .statementFailed,
                    "a statement failed inside the transaction and its error was caught, so the transaction can only be rolled back: it was (let the error propagate, or run the statement that may fail in a nested withTransaction)")
            }
            try await execute(unsafeSQL: commit)
        } catch {
            for statement in rollback { try? await runEvenIfCancelled(statement) }
            throw error
        }
        return result
    }

    /// Runs `sql` also when the calling task is cancelled: drivers stop a statement whose task is
    /// cancelled, and a rollback must still reach the server.
    private func runEvenIfCancelled(_ sql: String) async throws {
        if Task.isCancelled {
            try await Task { try await self.execute(unsafeSQL: sql) }.value
        } else {
            try await execute(unsafeSQL: sql)
        }
    }
}

/// The transactions ``DatabaseConnection/withTransaction(isolation:context:_:)`` has open in this
/// task and its children, by connection, so a call inside another nests as a savepoint.
enum OpenTransactions {
    struct Transaction: Sendable {
        /// 0 for the transaction itself, 1 for a savepoint inside it, …
        var depth: Int
        var isolation: TransactionIsolation?
    }

    @TaskLocal static var current: [ObjectIdentifier: Transaction] = [:]
}
