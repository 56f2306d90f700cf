import CPoolKitLibPQ
import Foundation
import Logging
import PoolKit
import Synchronization

/// Owns one libpq connection (`PGconn`) and runs statements on it.
///
/// Every method must be called by the holder of the owning ``PostgresConnection``'s gate: a job
/// on its ``ConnectionThread``, or a task on the non-blocking fast path.
final class PGHandle: @unchecked Sendable {
    // @unchecked Sendable: the only mutable state, `connection` (and libpq's state behind it), is
    // used only by the holder of the connection's HandleGate — a job of its ConnectionThread, or
    // the task running a non-blocking statement — and open/close, which run before any statement
    // and after the last. The gate's lock orders each holder after the one before (and makes its
    // writes visible), so no two threads ever touch `connection` at once. `deinit` runs when no
    // holder keeps the handle any more, so it cannot race with one either.
    private(set) var connection: OpaquePointer?
    private let noticeSink: NoticeSink
    let endpoint: String
    private let redactor: SecretRedactor

    private init(connection: OpaquePointer, noticeSink: NoticeSink, endpoint: String, redactor: SecretRedactor) {
        self.connection = connection
        self.noticeSink = noticeSink
        self.endpoint = endpoint
        self.redactor = redactor
        // libpq prints notices to stderr unless told otherwise; a library must not print.
        PQsetNoticeReceiver(connection, postgresNoticeReceiver, Unmanaged.passUnretained(noticeSink).toOpaque())
    }

    deinit {
        if let connection { PQfinish(connection) }
    }

    /// What a successful connect yields.
    struct Opened: Sendable {
        let handle: PGHandle
        let canceller: PGCanceller
        let serverVersion: String
        let backendPID: Int32
        /// The session's TLS protocol and cipher, or nil when it is not encrypted.
        let tls: TLSSession?
    }

    /// Connects (blocking). Throws `.authenticationFailed`, `.databaseNotFound` or `.connectionFailed`.
    static func open(_ parameters: PostgresConnectParameters, logger: Logger) throws -> Opened {
        let connection = parameters.withCArrays { keywords, values in
            PQconnectdbParams(keywords, values, 0)
        }
        guard let connection else {
            throw PoolKitError(.connectionFailed, "could not connect to PostgreSQL at \(parameters.endpoint): libpq is out of memory")
        }
        let target = Self.target(connection)
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = parameters.redactor(Self.errorMessage(connection))
            PQfinish(connection)
            throw Self.connectError(message, parameters, target: target)
        }
        if parameters.passwordSource.libpqWouldWarn {
            logger.warning("\(parameters.passwordSource.describe(target: target))")
        }
        let handle = PGHandle(
            connection: connection, noticeSink: NoticeSink(logger: logger, redactor: parameters.redactor), endpoint: target.endpoint,
            redactor: parameters.redactor)
        let serverVersion = PQparameterStatus(connection, "server_version").map { String(cString: $0) } ?? ""
        return Opened(
            handle: handle, canceller: PGCanceller(connection: connection), serverVersion: serverVersion,
            backendPID: PQbackendPID(connection), tls: Self.tlsSession(connection))
    }

    /// What libpq connected to (or tried to) after resolving the URL, the service, the environment
    /// and its defaults.
    private static func target(_ connection: OpaquePointer) -> PostgresTarget {
        func text(_ value: UnsafeMutablePointer<CChar>?) -> String? {
            value.map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        return PostgresTarget(host: text(PQhost(connection)), port: text(PQport(connection)), database: text(PQdb(connection)), user: text(PQuser(connection)))
    }

    /// `PQsslInUse` and the `protocol` and `cipher` attributes (`PQsslAttribute`).
    private static func tlsSession(_ connection: OpaquePointer) -> TLSSession? {
        guard PQsslInUse(connection) != 0 else { return nil }
        func attribute(_ name: String) -> String { PQsslAttribute(connection, name).map { String(cString: $0) } ?? "unknown" }
        return TLSSession(version: attribute("protocol"), cipher: attribute("cipher"))
    }

    /// Maps a failed connect to a code, from libpq's message: libpq exposes no SQLSTATE for a
    /// connection that never opened. The texts are PostgreSQL's English ones; a server or client
    /// that reports in another language gets `.connectionFailed`.
    private static func connectError(_ libpqMessage: String, _ parameters: PostgresConnectParameters, target: PostgresTarget) -> PoolKitError {
        func has(_ fragment: String) -> Bool { libpqMessage.localizedCaseInsensitiveContains(fragment) }
        let user = (target.user ?? parameters.user).map { "'\($0)'" } ?? "(default user)"
        let database = (target.database ?? parameters.database).map { "'\($0)'" } ?? "(default database)"
        let endpoint = target.endpoint
        let code: PoolKitError.Code
        let sqlState: String?
        let advice: String
        if has("password authentication failed") || has("no password supplied") || has("authentication failed for user") {
            (code, sqlState) = (.authenticationFailed, has("password authentication failed") ? "28P01" : "28000")
            let source = parameters.passwordSource.describe(target: target)
            advice = has("no password supplied") ? "the server asks for a password, but \(source)" : "\(source); check it and the user name"
        } else if has("role \"") && has("does not exist") {
            (code, sqlState) = (.authenticationFailed, "28000")
            advice = "the user \(user) does not exist on the server; check the user name in the URL"
        } else if has("pg_hba.conf") {
            (code, sqlState) = (.authenticationFailed, "28000")
            advice = "the server's pg_hba.conf does not admit this user, database and address"
        } else if has("database \"") && has("does not exist") {
            (code, sqlState) = (.databaseNotFound, "3D000")
            advice = "create the database \(database) or fix the database name in the URL"
        } else if has("too many clients") || has("connection slots are reserved") {
            (code, sqlState) = (.connectionFailed, "53300")
            advice = "the server has no free connection slots; lower pool_max or raise max_connections"
        } else if has("the database system is") {
            (code, sqlState) = (.connectionFailed, "57P03")
            advice = "the server is starting up, shutting down or recovering; try again shortly"
        } else if let tlsAdvice = PostgresTLSDiagnosis.advice(for: libpqMessage, parameters) {
            (code, sqlState) = (.connectionFailed, "08001")
            advice = tlsAdvice
        } else {
            (code, sqlState) = (.connectionFailed, nil)
            advice = "check that the server is running and accepts connections at \(endpoint)"
        }
        return PoolKitError(
            code, "could not connect to PostgreSQL at \(endpoint) as \(user): \(libpqMessage); \(advice)",
            engineCode: sqlState,
            underlying: PostgresError(sqlState: sqlState, severity: "FATAL", message: libpqMessage))
    }

    // MARK: Statements

    /// The open `PGconn`, or `.connectionClosed` after ``finish()``.
    func open() throws -> OpaquePointer {
        guard let connection else {
            throw PoolKitError(.connectionClosed, "the PostgreSQL connection to \(endpoint) is closed")
        }
        return connection
    }

    /// Runs `sql` (one or more statements) and discards any rows.
    func execute(_ sql: String) throws {
        let connection = try open()
        let result = try run(sql, on: connection)
        PQclear(result)
    }

    /// Runs `sql` and returns the rows of its last statement as text.
    func query(_ sql: String) throws -> QueryResult {
        let connection = try open()
        let result = try run(sql, on: connection)
        defer { PQclear(result) }
        return Self.textRows(of: result)
    }

    /// The rows of `result` as text; SQL NULL is nil.
    static func textRows(of result: OpaquePointer) -> QueryResult {
        let columnCount = PQnfields(result)
        let rowCount = PQntuples(result)
        var columns: [String] = []
        columns.reserveCapacity(Int(columnCount))
        for column in 0..<columnCount {
            columns.append(PQfname(result, column).map { String(cString: $0) } ?? "")
        }
        var rows: [[String?]] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                if PQgetisnull(result, row, column) != 0 {
                    values.append(nil)
                } else {
                    let bytes = UnsafeRawBufferPointer(
                        start: PQgetvalue(result, row, column), count: Int(PQgetlength(result, row, column)))
                    values.append(String(decoding: bytes, as: UTF8.self))
                }
            }
            rows.append(values)
        }
        return QueryResult(columns: columns, rows: rows)
    }

    /// Rolls back an open transaction, then `DISCARD ALL` (settings, temporary tables,
    /// prepared statements, cursors, advisory locks, LISTEN registrations).
    func resetSession() throws {
        let connection = try open()
        switch PQtransactionStatus(connection) {
        case PQTRANS_IDLE:
            break
        case PQTRANS_INTRANS, PQTRANS_INERROR:
            PQclear(try run("ROLLBACK", on: connection))
        default:
            // PQTRANS_UNKNOWN: the connection is bad. PQTRANS_ACTIVE cannot happen between jobs.
            throw brokenError(connection, detail: PostgresError(sqlState: nil, severity: nil, message: "transaction status unknown"))
        }
        PQclear(try run("DISCARD ALL", on: connection))
    }

    /// Closes the connection; later calls throw `.connectionClosed`. Safe to call more than once:
    /// returns true only for the call that closed it.
    @discardableResult
    func finish() -> Bool {
        guard let connection else { return false }
        PQfinish(connection)
        self.connection = nil
        return true
    }

    /// Runs `sql` with PQexec and returns the result of its last statement, or throws.
    func run(_ sql: String, on connection: OpaquePointer) throws -> OpaquePointer {
        guard let result = PQexec(connection, sql) else {
            throw statementError(connection, result: nil)
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return result
        case PGRES_COPY_IN:
            PQclear(result)
            _ = PQputCopyEnd(connection, "COPY FROM STDIN is not supported by execute() or query()")
            drainResults(connection)
            throw PoolKitError(.unsupported, "COPY … FROM STDIN cannot run through execute() or query(); the COPY was aborted")
        case PGRES_COPY_OUT:
            PQclear(result)
            var buffer: UnsafeMutablePointer<CChar>?
            while PQgetCopyData(connection, &buffer, 0) > 0 {
                PQfreemem(buffer)
                buffer = nil
            }
            drainResults(connection)
            throw PoolKitError(.unsupported, "COPY … TO STDOUT cannot run through execute() or query(); its rows were discarded")
        default:
            defer { PQclear(result) }
            throw statementError(connection, result: result)
        }
    }

    /// Reads and frees the results left after a COPY was ended.
    func drainResults(_ connection: OpaquePointer) {
        while let result = PQgetResult(connection) { PQclear(result) }
    }

    /// The error for a failed statement: `.connectionClosed` if the session is unusable,
    /// otherwise `.statementFailed` (`.cancelled` is decided by the caller, which knows whether
    /// it asked for a cancel).
    func statementError(_ connection: OpaquePointer, result: OpaquePointer?) -> PoolKitError {
        func field(_ code: UInt8) -> String? {
            guard let result, let value = PQresultErrorField(result, Int32(code)) else { return nil }
            return redactor(String(cString: value))
        }
        let sqlState = field(UInt8(ascii: "C"))
        let primary = field(UInt8(ascii: "M")) ?? redactor(Self.errorMessage(connection))
        let error = PostgresError(
            sqlState: sqlState, severity: field(UInt8(ascii: "V")), message: primary,
            detail: field(UInt8(ascii: "D")), hint: field(UInt8(ascii: "H")))
        if PQstatus(connection) == CONNECTION_BAD || sqlState.map(PostgresError.breaksConnection) == true {
            return brokenError(connection, detail: error)
        }
        return PoolKitError(.statementFailed, error.description, engineCode: sqlState, underlying: error)
    }

    private func brokenError(_ connection: OpaquePointer, detail: PostgresError) -> PoolKitError {
        PoolKitError(
            .connectionClosed, "the PostgreSQL connection to \(endpoint) broke: \(detail.description)",
            engineCode: detail.sqlState, underlying: detail)
    }

    /// libpq's last error message on one line.
    static func errorMessage(_ connection: OpaquePointer) -> String {
        guard let text = PQerrorMessage(connection) else { return "unknown libpq error" }
        return oneLine(String(cString: text))
    }

    /// A libpq message on one line, each distinct line once. A connect that tries more than once
    /// (`sslmode=prefer`: TLS, then plain; several hosts) gets every attempt's error appended, so
    /// a wrong password would otherwise read the same FATAL line twice.
    static func oneLine(_ libpqMessage: String) -> String {
        var seen = Set<String>()
        let lines = libpqMessage.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && seen.insert($0).inserted }
        return lines.isEmpty ? "unknown libpq error" : lines.joined(separator: "; ")
    }
}

/// Owns a connection's `PGcancel`, which any thread may use to ask the server to stop the
/// running statement. A lock keeps `PQcancel` and `PQfreeCancel` apart.
final class PGCanceller: Sendable {
    /// A `PGcancel *`.
    private struct Pointer: @unchecked Sendable {
        // @unchecked Sendable: libpq documents PQcancel as safe to call from any thread, and
        // PGCanceller dereferences the pointer (PQcancel, PQfreeCancel) only while holding
        // `cancel`'s lock, so no two threads use it at once and none uses it after it is freed.
        let raw: OpaquePointer
    }

    private let cancel: Mutex<Pointer?>

    /// Takes the `PGcancel` of `connection` (`PQgetCancel`); call it on the connection's thread.
    init(connection: OpaquePointer) {
        self.cancel = Mutex(PQgetCancel(connection).map(Pointer.init(raw:)))
    }

    deinit { free() }

    /// Sends a cancel request (a short connection to the server); returns libpq's error if it failed.
    func send() -> String? {
        cancel.withLock { cancel -> String? in
            guard let cancel else { return "the connection is closed" }
            var buffer = [CChar](repeating: 0, count: 256)
            let sent = buffer.withUnsafeMutableBufferPointer { PQcancel(cancel.raw, $0.baseAddress, Int32($0.count)) }
            if sent != 0 { return nil }
            return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
    }

    /// Frees the `PGcancel`; later ``send()`` calls do nothing.
    func free() {
        cancel.withLock { cancel in
            if let pointer = cancel {
                PQfreeCancel(pointer.raw)
                cancel = nil
            }
        }
    }
}

/// Receives libpq's notices (e.g. "table does not exist, skipping") and logs them.
final class NoticeSink: Sendable {
    private let logger: Logger
    private let redactor: SecretRedactor

    init(logger: Logger, redactor: SecretRedactor) {
        self.logger = logger
        self.redactor = redactor
    }

    func receive(_ result: OpaquePointer) {
        func field(_ code: UInt8) -> String? {
            PQresultErrorField(result, Int32(code)).map { String(cString: $0) }
        }
        let severity = field(UInt8(ascii: "V")) ?? "NOTICE"
        let message = redactor(field(UInt8(ascii: "M")) ?? "")
        let level: Logger.Level = severity == "WARNING" ? .warning : .debug
        logger.log(
            level: level, "PostgreSQL \(severity.lowercased()): \(message)",
            metadata: ["sqlstate": .string(field(UInt8(ascii: "C")) ?? "")])
    }
}

/// The C callback libpq calls with each notice; `argument` is the handle's ``NoticeSink``,
/// which the handle keeps alive as long as the `PGconn`.
private func postgresNoticeReceiver(_ argument: UnsafeMutableRawPointer?, _ result: OpaquePointer?) {
    guard let argument, let result else { return }
    Unmanaged<NoticeSink>.fromOpaque(argument).takeUnretainedValue().receive(result)
}
