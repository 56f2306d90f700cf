import Foundation
import Logging
import PoolKit
import Synchronization

/// One PostgreSQL session on libpq.
///
/// Blocking libpq calls run on the connection's own thread, one hop per statement, so the
/// blocking C library never holds a thread of Swift's cooperative pool. Parameterized queries
/// (``query(_:_:)``) take a faster path where the platform allows (Linux): libpq's non-blocking
/// calls on the calling task, which waits for the answer on the process's socket poller
/// (``SocketReadiness``) — one thread hand-off per statement instead of two. A gate orders the
/// two paths, so libpq only ever sees one statement at a time. Cancelling the task
/// that awaits a statement sends the server a cancel request (`PQcancel`), so the statement
/// stops on the server too, and the call throws a ``PoolKitError`` with code `.cancelled`.
///
/// Open one through ``PostgresDriver`` (or a pool). Statements on one connection run one after
/// another; a connection is meant to be used by one task at a time.
public final class PostgresConnection: TLSReportingConnection {
    /// The server's version as it reports it (`server_version`), e.g. `15.20 (Debian 15.20-0+deb12u1)`.
    public let serverVersion: String
    /// `$1` placeholders, `"name"` identifiers, `BEGIN ISOLATION LEVEL …`.
    public var sqlDialect: SQLDialect { .postgres }
    /// The process id of the server process serving this session (`pg_backend_pid()`).
    public let backendPID: Int32
    /// The session's TLS protocol and cipher (`PQsslAttribute`), or nil when it is not encrypted.
    public let tlsSession: TLSSession?

    private let thread: ConnectionThread
    private let handle: PGHandle
    let canceller: PGCanceller
    private let cancellation = StatementCancellation()
    private let logger: Logger
    /// Cuts the socket when a close must not wait for a server that stopped answering.
    private let socketBreaker: SocketBreaker
    /// Jobs sent to the connection's thread and not yet over.
    private let jobsInFlight = Atomic<Int>(0)
    /// Lets one statement at a time use the handle, whether it runs on the thread or on the task.
    private let gate = HandleGate()
    /// The socket poller of the non-blocking path, or nil: every statement on the thread.
    let readiness: SocketReadiness?
    /// Numbers the jobs sent to the connection's thread (the last one started).
    private let lastJobStarted = Atomic<UInt64>(0)
    /// The number of the last job that ended with no transaction open (0: the last one did not).
    /// Equal to ``lastJobStarted`` only while nothing has started since that job: a reset that
    /// needs no `DISCARD ALL` then has nothing to do and skips the hop to the connection's thread,
    /// which would cost as much as the borrower's query again. Written on the connection's
    /// thread, in job order.
    private let lastJobEndedIdle = Atomic<UInt64>(0)

    /// True if the last job ended with no transaction open and no job started since.
    var isIdleOutsideTransaction: Bool {
        let ended = lastJobEndedIdle.load(ordering: .acquiring)
        return ended != 0 && ended == lastJobStarted.load(ordering: .acquiring)
    }
    /// Whether the last job left the session in a failed transaction (written in job order).
    private let lastJobEndedInFailedTransaction = Atomic<Bool>(false)

    /// True when a statement failed inside the open transaction: PostgreSQL can only roll it back,
    /// and a `COMMIT` would end it as a rollback without an error.
    public var transactionHasFailed: Bool { lastJobEndedInFailedTransaction.load(ordering: .acquiring) }

    /// Set when a statement may have changed session state; see ``resetSession(_:)``.
    let sessionDirty = Atomic<Bool>(false)
    /// Statements prepared for parameterized queries; forgotten when the session is discarded.
    let preparedStatements = PGPreparedStatements()
    /// The URL's backup options (`lock_wait_timeout`, `serializable_deferrable`).
    let backupSettings: PostgresBackupSettings

    private init(
        thread: ConnectionThread, opened: PGHandle.Opened, socket: Int32, settings: PostgresBackupSettings, nonBlocking: Bool,
        logger: Logger
    ) {
        self.thread = thread
        self.handle = opened.handle
        self.readiness = nonBlocking ? SocketReadiness.shared : nil
        self.socketBreaker = SocketBreaker(descriptor: socket)
        self.canceller = opened.canceller
        self.serverVersion = opened.serverVersion
        self.backendPID = opened.backendPID
        self.tlsSession = opened.tls
        self.backupSettings = settings
        self.logger = logger
    }

    /// Connects to the server `url` names, on a new connection thread.
    static func open(_ url: ConnectionURL, logger: Logger) async throws -> PostgresConnection {
        let parameters = try PostgresConnectParameters(url)
        try Task.checkCancellation()
        let thread = ConnectionThread(name: "poolkit-pg")
        do {
            let (opened, socket) = try await thread.run {
                let opened = try PGHandle.open(parameters, logger: logger)
                return (opened, opened.handle.socketDescriptor)
            }
            var logger = logger
            logger[metadataKey: "postgres.backend_pid"] = "\(opened.backendPID)"
            logger.debug("connected to PostgreSQL \(opened.serverVersion) at \(parameters.endpoint)")
            return PostgresConnection(
                thread: thread, opened: opened, socket: socket, settings: parameters.backup, nonBlocking: parameters.nonBlocking,
                logger: logger)
        } catch {
            thread.stop()
            throw error
        }
    }

    /// Runs one or more statements, separated by semicolons, and discards any rows.
    public func execute(unsafeSQL sql: String) async throws {
        noteStatement(sql)
        _ = try await run(sql, keepRows: false)
    }

    /// Runs `sql` and returns the rows of its last statement as text; SQL NULL is `nil`.
    public func query(unsafeSQL sql: String) async throws -> QueryResult {
        noteStatement(sql)
        return try await run(sql, keepRows: true)
    }

    /// Sends an empty query and waits for the answer.
    public func ping() async throws {
        _ = try await run("", keepRows: false)
    }

    /// Runs `sql` on the non-blocking path where there is one, else on the connection's thread.
    private func run(_ sql: String, keepRows: Bool) async throws -> QueryResult {
        if let readiness {
            return try await performNonBlocking(readiness: readiness) { handle, readiness in
                try await handle.queryNonBlocking(sql, keepRows: keepRows, readiness: readiness)
            }
        }
        return try await perform { handle in
            if keepRows { return try handle.query(sql) }
            try handle.execute(sql)
            return QueryResult(columns: [], rows: [])
        }
    }

    /// Rolls back an open transaction, then runs `DISCARD ALL`, which resets settings and
    /// drops temporary tables, prepared statements, cursors, advisory locks and LISTENs.
    public func resetSession() async throws {
        try await resetSession(.always)
    }

    /// Asks the server to stop the statement running now, if any; returns at once. The
    /// request is sent from a short-lived thread and can only reach the statement that ran
    /// when it was made, never a later one. The statement's caller gets `.cancelled`.
    public func cancelRunningStatement() {
        if let token = cancellation.cancelRunning() {
            sendCancel(for: token)
        }
    }

    /// Closes the session (`PQfinish`) without waiting on the server: a statement still running
    /// is cancelled and its socket shut down, so it ends at once with a connection error. Safe to
    /// call more than once.
    public func close() async {
        if jobsInFlight.load(ordering: .acquiring) > 0 {
            cancelRunningStatement()
            socketBreaker.breakConnection()
        }
        // After the statement that holds the gate (cut short above, if one ran).
        await gate.enter()
        let closedNow = (try? await thread.run { [handle, canceller, socketBreaker] in
            canceller.free()
            socketBreaker.forget()
            return handle.finish()
        }) ?? false
        gate.leave()
        thread.stop()
        if closedNow { logger.debug("closed the PostgreSQL connection to \(handle.endpoint)") }
    }

    /// Runs `body` with the libpq handle on the connection's thread, as one cancellable statement
    /// (a COPY runs from its first row to its last in one such job).
    func withHandle<T: Sendable>(_ body: @escaping @Sendable (PGHandle) throws -> T) async throws -> T {
        try await perform(body)
    }

    /// Runs `work` on the connection's thread as one cancellable statement. A read-only error
    /// (25006) records whether the server reports itself read-only, for ``PostgresDriver/classify(_:)``.
    func perform<T: Sendable>(_ work: @escaping @Sendable (PGHandle) throws -> T) async throws -> T {
        try await statement { [self] job in
            try await cancellation.perform(
                on: thread, engine: "PostgreSQL", interpret: Self.interpret, signal: { [self] token in sendCancel(for: token) }
            ) { [self] in
                defer { noteEnd(of: job) }
                do { return try work(handle) } catch { throw readOnlyNoted(error) }
            }
        }
    }

    /// Runs `work` — libpq's non-blocking calls, awaiting the socket on `readiness` — on the
    /// calling task, with the same bookkeeping, cancellation and error reporting as ``perform(_:)``.
    func performNonBlocking<T: Sendable>(
        readiness: SocketReadiness, _ work: (PGHandle, SocketReadiness) async throws -> T
    ) async throws -> T {
        try await statement { [self] job in
            try await cancellation.performHere(
                waitingOn: thread, engine: "PostgreSQL", interpret: Self.interpret, signal: { [self] token in sendCancel(for: token) }
            ) { [self] in
                defer { noteEnd(of: job) }
                do { return try await work(handle, readiness) } catch { throw readOnlyNoted(error) }
            }
        }
    }

    /// What both paths do around a statement: hold the gate, count it in flight, number it.
    private func statement<T>(_ body: (_ job: UInt64) async throws -> T) async throws -> T {
        await gate.enter()
        defer { gate.leave() }
        jobsInFlight.add(1, ordering: .acquiringAndReleasing)
        defer { jobsInFlight.subtract(1, ordering: .acquiringAndReleasing) }
        return try await body(lastJobStarted.add(1, ordering: .acquiringAndReleasing).newValue)
    }

    /// Records whether statement `job` left a transaction open (see ``isIdleOutsideTransaction``).
    private func noteEnd(of job: UInt64) {
        lastJobEndedIdle.store(handle.isIdleOutsideTransaction ? job : 0, ordering: .releasing)
        lastJobEndedInFailedTransaction.store(handle.isInFailedTransaction, ordering: .releasing)
    }

    /// A read-only refusal (25006) carries whether the server itself is read-only (a failover).
    private func readOnlyNoted(_ error: any Error) -> any Error {
        guard let error = error as? PoolKitError, error.engineCode == PostgresError.readOnlyTransaction else { return error }
        return handle.notingServerReadOnly(error)
    }

    /// A statement error after a cancel request the server honoured is `.cancelled`.
    private static let interpret: @Sendable (any Error, Bool) -> any Error = { error, cancelRequested in
        guard cancelRequested, let error = error as? PoolKitError, error.code == .statementFailed,
            error.engineCode == PostgresError.queryCanceled
        else { return error }
        return PoolKitError(
            .cancelled, "the statement was cancelled: \(error.message)", engineCode: error.engineCode, underlying: error.underlying)
    }

    /// Sends `PQcancel` from a new thread, while `token`'s statement still runs.
    private func sendCancel(for token: StatementCancellation.Token) {
        Thread.detachNewThread { [cancellation, canceller, logger] in
            cancellation.whileRunning(token) {
                if let failure = canceller.send() {
                    logger.debug("the PostgreSQL cancel request failed: \(failure)")
                }
            }
        }
    }
}
