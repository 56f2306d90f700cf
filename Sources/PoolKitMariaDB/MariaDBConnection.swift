import Foundation
import Logging
import PoolKit
import Synchronization

/// One MariaDB (or MySQL) session on MariaDB Connector/C.
///
/// Every Connector/C call runs on the connection's own thread, one hop per statement, so the
/// blocking C library never holds a thread of Swift's cooperative pool. Cancelling the task
/// that awaits a statement sends `KILL QUERY` for this session over a short second
/// connection, so the statement stops on the server too, and the call throws a
/// ``PoolKitError`` with code `.cancelled`.
///
/// Open one through ``MariaDBDriver`` (or a pool). Statements on one connection run one after
/// another; a connection is meant to be used by one task at a time.
public final class MariaDBConnection: TLSReportingConnection {
    /// The server's version as it reports it, e.g. `10.11.19-MariaDB-0+deb12u1`.
    public let serverVersion: String
    /// `?` placeholders, `` `name` `` identifiers, `SET TRANSACTION ISOLATION LEVEL …` + `START TRANSACTION`.
    public var sqlDialect: SQLDialect { .mariadb }
    /// The server's id for this session (`CONNECTION_ID()`).
    public let connectionID: UInt
    /// The session's TLS protocol and cipher, or nil when it is not encrypted.
    public let tlsSession: TLSSession?

    private let thread: ConnectionThread
    private let handle: MariaDBHandle
    /// Kept for the side connection that sends `KILL QUERY`.
    private let parameters: MariaDBConnectParameters
    private let cancellation = StatementCancellation()
    private let logger: Logger
    /// Cuts the socket when a close must not wait for a server that stopped answering.
    private let socketBreaker: SocketBreaker
    /// Jobs sent to the connection's thread and not yet over.
    private let jobsInFlight = Atomic<Int>(0)
    /// Set when the server reported a session state change; see ``resetSession(_:)``.
    let sessionDirty = Atomic<Bool>(false)
    /// Statements prepared for parameterized queries; closed before a full reset.
    let statementCache = MariaDBStatementCache()

    private init(thread: ConnectionThread, opened: Opened, parameters: MariaDBConnectParameters, logger: Logger) {
        self.thread = thread
        self.handle = opened.handle
        self.socketBreaker = SocketBreaker(descriptor: opened.socket)
        self.serverVersion = opened.serverVersion
        self.connectionID = opened.connectionID
        self.tlsSession = opened.tls
        self.parameters = parameters
        self.logger = logger
    }

    private struct Opened: Sendable {
        let handle: MariaDBHandle
        let serverVersion: String
        let connectionID: UInt
        let socket: Int32
        let tls: TLSSession?
    }

    /// Connects to the server `url` names, on a new connection thread.
    static func open(_ url: ConnectionURL, logger: Logger) async throws -> MariaDBConnection {
        let parameters = try MariaDBConnectParameters(url)
        try Task.checkCancellation()
        let thread = ConnectionThread(name: "poolkit-mariadb")
        do {
            let opened = try await thread.run {
                let handle = try MariaDBHandle.open(parameters)
                try handle.trackSessionStateChanges()
                return Opened(
                    handle: handle, serverVersion: handle.serverVersion, connectionID: handle.threadID,
                    socket: handle.socketDescriptor, tls: handle.tlsSession)
            }
            var logger = logger
            logger[metadataKey: "mariadb.connection_id"] = "\(opened.connectionID)"
            logger.debug("connected to MariaDB \(opened.serverVersion) at \(parameters.endpoint)")
            return MariaDBConnection(thread: thread, opened: opened, parameters: parameters, logger: logger)
        } catch {
            thread.stop()
            throw error
        }
    }

    /// Runs one or more statements, separated by semicolons, and discards every result set.
    public func execute(unsafeSQL sql: String) async throws {
        noteStatement(sql)
        try await perform { try $0.execute(sql) }
    }

    /// Runs `sql` and returns the rows of its last result set as text; SQL NULL is `nil`.
    public func query(unsafeSQL sql: String) async throws -> QueryResult {
        noteStatement(sql)
        return try await perform { try $0.query(sql) }
    }

    /// `mysql_ping` (a COM_PING round trip), with reconnecting turned off.
    public func ping() async throws {
        try await perform { try $0.ping() }
    }

    /// Rolls back an open transaction, then resets the session (`mysql_reset_connection`):
    /// session and user variables, temporary tables, prepared statements and locks go.
    public func resetSession() async throws {
        try await resetSession(.always)
    }

    /// Asks the server to stop the statement running now, if any; returns at once. A
    /// short-lived thread opens a second connection with the same credentials and sends
    /// `KILL QUERY` for this session; it can only reach the statement that ran when the request
    /// was made, never a later one. The statement's caller gets `.cancelled`.
    public func cancelRunningStatement() {
        if let token = cancellation.cancelRunning() {
            sendKill(for: token)
        }
    }

    /// Closes the session (`mysql_close`) without waiting on the server: a statement still
    /// running is cancelled and its socket shut down, so it ends at once with a connection error.
    /// Safe to call more than once.
    public func close() async {
        if jobsInFlight.load(ordering: .acquiring) > 0 {
            cancelRunningStatement()
            socketBreaker.breakConnection()
        }
        let closedNow = (try? await thread.run { [handle, socketBreaker, statementCache] in
            socketBreaker.forget()
            statementCache.closeAll()
            return handle.close()
        }) ?? false
        thread.stop()
        if closedNow { logger.debug("closed the MariaDB connection to \(handle.endpoint)") }
    }

    /// Whether the URL asked for a backup without the global read lock (`no_lock=true`).
    package var backupWithoutLock: Bool { parameters.noLock }

    /// Whether the URL asked for backups whose tables keep every key and foreign key inside
    /// `CREATE TABLE` (`keys_in_create=true`) instead of adding them after the load.
    package var keysInCreateTable: Bool { parameters.keysInCreate }

    /// The global lock a backup takes (`lock=` in the URL, else the server's default).
    var backupLock: MariaDBGlobalLock {
        parameters.lockMethod.flatMap(MariaDBGlobalLock.init(rawValue:)) ?? .default(serverVersion: serverVersion)
    }

    /// Runs `body` with the raw handle on the connection's thread, as one cancellable statement
    /// (a cancelled task sends `KILL QUERY`). For the backup and restore strategies, which run a
    /// whole dump or load as one job.
    package func withHandle<T: Sendable>(_ body: @escaping @Sendable (MariaDBHandle) throws -> T) async throws -> T {
        try await perform(body)
    }

    /// Runs `work` on the connection's thread as one cancellable statement, and notes whether the
    /// server reported a session state change.
    func perform<T: Sendable>(_ work: @escaping @Sendable (MariaDBHandle) throws -> T) async throws -> T {
        jobsInFlight.add(1, ordering: .acquiringAndReleasing)
        defer { jobsInFlight.subtract(1, ordering: .acquiringAndReleasing) }
        return try await cancellation.perform(on: thread, engine: "MariaDB", signal: { [self] token in sendKill(for: token) }) {
            [handle, self] in
            defer { if handle.sessionStateChanged { self.sessionDirty.store(true, ordering: .releasing) } }
            return try work(handle)
        }
    }

    /// Sends `KILL QUERY` from a new thread over a side connection, while `token`'s statement
    /// still runs. The side connection is opened before taking the lock, so the connection's
    /// thread waits at most one round trip for it.
    private func sendKill(for token: StatementCancellation.Token) {
        Thread.detachNewThread { [cancellation, parameters, connectionID, logger, socketBreaker] in
            let side: MariaDBHandle
            do {
                side = try MariaDBHandle.open(parameters, purpose: .cancel)
            } catch {
                // The server does not answer a new connection (stopped, or out of connections):
                // KILL QUERY cannot reach it, so the statement is ended on this side by cutting
                // its socket; the session is lost, the caller is not left waiting on the server.
                logger.debug("could not cancel the MariaDB statement, cutting its connection: \(error)")
                cancellation.whileRunning(token) { socketBreaker.breakConnection() }
                return
            }
            defer { side.close() }
            cancellation.whileRunning(token) {
                do {
                    try side.execute("KILL QUERY \(connectionID)")
                } catch {
                    logger.debug("KILL QUERY \(connectionID) failed: \(error)")
                }
            }
        }
    }
}
