import CPoolKitSQLite
import Logging
import Synchronization

/// Numbers connection threads, so each has a distinct name in debuggers and `top -H`.
private let connectionCounter = Atomic<Int>(0)

/// One open SQLite database connection, made by ``SQLiteDriver``.
///
/// Every SQLite call runs on the connection's own thread, one hop per statement or script, never
/// on Swift's cooperative pool. Cancelling the task that awaits ``execute(_:)``, ``query(_:)`` or
/// ``ping()`` stops the statement inside SQLite (it ends with a `.cancelled` error, and the
/// connection stays usable), as does ``cancelRunningStatement()`` from anywhere.
///
/// ```swift
/// let connection = try await SQLiteDriver().connect(to: ConnectionURL("sqlite:///tmp/app.db"), logger: logger)
/// try await connection.execute(unsafeSQL: "CREATE TABLE IF NOT EXISTS t(x); INSERT INTO t VALUES (1)")
/// let count = try await connection.query(unsafeSQL: "SELECT count(*) FROM t").scalar  // "1"
/// await connection.close()
/// ```
///
/// Query results are text: SQL NULL is `nil`, numbers use SQLite's own text form, and a blob is
/// its bytes in lowercase hex (`x'00ff'` reads as `"00ff"`).
public final class SQLiteConnection: DatabaseConnection {
    /// The SQLite library version, e.g. `3.40.1`.
    public let serverVersion: String
    /// `?` placeholders, `"name"` identifiers, `BEGIN` (transactions are always serializable).
    public var sqlDialect: SQLDialect { .sqlite }

    /// The name of the thread that runs this connection's SQLite calls.
    package let threadName: String

    private let handle: SQLiteHandle
    private let thread: ConnectionThread
    private let logger: Logger
    /// Statements prepared for parameterized queries.
    let statementCache = SQLiteStatementCache()

    private init(handle: SQLiteHandle, thread: ConnectionThread, threadName: String, logger: Logger) {
        self.handle = handle
        self.thread = thread
        self.threadName = threadName
        self.logger = logger
        self.serverVersion = String(cString: sqlite3_libversion())
    }

    /// Starts a thread and opens the database on it.
    static func open(_ configuration: SQLiteConfiguration, logger: Logger) async throws -> SQLiteConnection {
        let threadName = "pk-sqlite-\(connectionCounter.wrappingAdd(1, ordering: .relaxed).newValue)"
        var logger = logger
        logger[metadataKey: "sqlite.path"] = "\(configuration.path)"
        logger[metadataKey: "sqlite.thread"] = "\(threadName)"
        let thread = ConnectionThread(name: threadName)
        do {
            let handle = try await thread.run { try SQLiteHandle.open(configuration) }
            logger.debug("opened SQLite database", metadata: ["sqlite.mode": "\(configuration.mode.rawValue)"])
            return SQLiteConnection(handle: handle, thread: thread, threadName: threadName, logger: logger)
        } catch {
            thread.stop()
            throw error
        }
    }

    // MARK: DatabaseConnection

    /// Runs every statement of `sql` (a script separated by `;`), dropping any rows.
    public func execute(unsafeSQL sql: String) async throws {
        _ = try await perform { handle in try handle.runSQL(sql, collectingRows: false) }
    }

    /// Runs every statement of `sql` and returns the rows of the last one that has result columns
    /// (no columns and no rows if none has).
    public func query(unsafeSQL sql: String) async throws -> QueryResult {
        try await perform { handle in
            try handle.runSQL(sql, collectingRows: true) ?? QueryResult(columns: [], rows: [])
        }
    }

    /// Runs `SELECT 1`: fails if the connection is closed or its database cannot be used.
    public func ping() async throws {
        _ = try await perform { handle in try handle.runSQL("SELECT 1", collectingRows: false) }
    }

    /// Resets statements still running and rolls back an open transaction. Runs even when the
    /// calling task is cancelled, so a connection goes back to the pool clean.
    public func resetSession() async throws {
        let handle = self.handle
        try await thread.run {
            try handle.run(SQLiteJob()) { try handle.resetSession() }
        }
    }

    /// Interrupts the statement running now (`sqlite3_interrupt`); it fails with `.cancelled`.
    /// Callable from any thread; does nothing when the connection is idle or closed.
    public func cancelRunningStatement() {
        handle.cancelRunningJob()
    }

    /// Waits for the running statement, finalizes leftover statements, closes the database and ends
    /// the thread. Later calls throw `.connectionClosed`. Safe to call more than once.
    public func close() async {
        let handle = self.handle
        let wasOpen = (try? await thread.run { handle.close() }) ?? false
        thread.stop()
        if wasOpen { logger.debug("closed SQLite database") }
    }

    // MARK: For the backup and restore strategies

    /// Runs `body` on the connection's thread with the raw `sqlite3*`, as one job: cancelling the
    /// calling task (or ``cancelRunningStatement()``) interrupts it like a query.
    ///
    /// `body` must finalize every statement it prepares before it returns, must not keep the pointer,
    /// and must leave the progress handler alone (cancellation depends on it). Turn a failed result
    /// code into an error with ``SQLiteResultCode/error(_:on:)``.
    package func withHandle<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
        try await perform { handle in try body(handle.raw) }
    }

    /// Runs `work` with the handle as one cancellable job on the connection's thread.
    func withSQLiteHandle<T: Sendable>(_ work: @escaping @Sendable (SQLiteHandle) throws -> T) async throws -> T {
        try await perform(work)
    }

    /// Runs `work` as one cancellable job on the connection's thread.
    private func perform<T: Sendable>(_ work: @escaping @Sendable (SQLiteHandle) throws -> T) async throws -> T {
        let handle = self.handle
        let job = SQLiteJob()
        return try await withTaskCancellationHandler {
            try await thread.run { try handle.run(job) { try work(handle) } }
        } onCancel: {
            handle.cancel(job)
        }
    }
}
