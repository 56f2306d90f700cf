/// One live session with a database engine.
///
/// Implementations run every blocking C call on a thread of their own (see ``ConnectionThread``),
/// never on Swift's cooperative pool, and make ``cancelRunningStatement()`` reach the engine
/// (PQcancel, KILL QUERY, sqlite3_interrupt) so a cancelled task stops its query.
public protocol DatabaseConnection: AnyObject, Sendable {
    /// The engine's version as it reports it, e.g. `15.18` or `10.11.19-MariaDB`.
    var serverVersion: String { get }
    /// How this engine writes placeholders, quoted names and the start of a transaction, for
    /// ``query(_:)-(SQLQuery)`` and ``withTransaction(isolation:context:_:)``.
    var sqlDialect: SQLDialect { get }
    /// Runs one or more statements, given as raw text, that return no rows the caller needs.
    /// Nothing is bound: never build `sql` from input (use ``execute(_:)-(SQLQuery)``, which
    /// binds every interpolated value).
    func execute(unsafeSQL sql: String) async throws
    /// Runs raw SQL text and returns its rows as text (`nil` for SQL NULL). Nothing is bound:
    /// never build `sql` from input (use ``query(_:)-(SQLQuery)``).
    func query(unsafeSQL sql: String) async throws -> QueryResult
    /// Runs one statement with `values` bound to the placeholders `sql` holds in the engine's
    /// own syntax (``sqlDialect``: `$1` on PostgreSQL, `?` on MariaDB and SQLite) and returns
    /// typed rows. Values travel apart from the SQL, never spliced into it. A ``SQLQuery``
    /// writes the placeholders for you.
    func query(_ sql: String, _ values: [SQLValue]) async throws -> SQLRows
    /// Runs one statement like ``query(_:_:)``, but hands its rows to `channel` in batches as they
    /// arrive from the server (through a ``SQLRowBatcher``, on the connection's thread), never
    /// holding the whole result; returns when the statement has ended. When a hand-over throws (the
    /// consumer stopped), end the statement so the connection can run the next one.
    /// ``stream(_:)`` is built on it.
    func streamRows(_ sql: String, _ values: [SQLValue], into channel: HandoffChannel<[SQLRow]>) async throws
    /// A cheap health check: succeeds only if the session can run a statement now.
    func ping() async throws
    /// Puts the session back into a clean state for the next borrower (rolls back an open
    /// transaction, drops session settings, temporary objects and locks, as the engine allows).
    func resetSession() async throws
    /// Resets as much as `policy` asks for: an open transaction is always rolled back, the full
    /// ``resetSession()`` runs always, only when the session is dirty, or never. The default runs
    /// the full reset under every policy (a driver that cannot tell what changed stays safe).
    func resetSession(_ policy: SessionResetPolicy) async throws
    /// Tells the connection that the borrower changed session state the driver cannot see (a
    /// setting changed inside a function, say), so the next ``SessionResetPolicy/whenDirty`` reset
    /// is a full one. Default: nothing (the default reset is always full).
    func markSessionDirty()
    /// True when a statement failed inside the open transaction and the engine can now only roll
    /// it back (PostgreSQL), so ``withTransaction(isolation:context:_:)`` must not report a commit.
    /// Default: false (engines that roll back only the failed statement).
    var transactionHasFailed: Bool { get }
    /// Asks the engine to stop the statement running now, from any thread; returns at once.
    func cancelRunningStatement()
    /// Closes the session. Safe to call more than once.
    func close() async
}

extension DatabaseConnection {
    public func resetSession(_ policy: SessionResetPolicy) async throws { try await resetSession() }
    public func markSessionDirty() {}
    public var transactionHasFailed: Bool { false }
}

/// Rows returned by ``DatabaseConnection/query(_:)``, as text.
public struct QueryResult: Sendable, Hashable {
    public var columns: [String]
    public var rows: [[String?]]

    public init(columns: [String], rows: [[String?]]) {
        self.columns = columns
        self.rows = rows
    }

    /// The first column of the first row, if any.
    public var scalar: String? { rows.first?.first ?? nil }
}
