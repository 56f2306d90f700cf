import CPoolKitMariaDB
import PoolKit

/// `mysql_library_init`, run once per process before the first `mysql_init`, which is not
/// thread-safe until it has run. A global's initializer runs exactly once, thread-safely.
private let libraryInitResult: Int32 = mysql_server_init(0, nil, nil)

/// Owns one Connector/C session (`MYSQL *`) and runs statements on it.
///
/// Every method except ``open(_:purpose:)`` must be called on the owning
/// ``MariaDBConnection``'s ``ConnectionThread``. Connector/C 3.x keeps no per-thread state, so
/// `mysql_thread_init` / `mysql_thread_end` are not needed (they are no-ops there).
package final class MariaDBHandle: @unchecked Sendable {
    // @unchecked Sendable: the only mutable state, `mysql`, is read and written only by jobs of
    // one ConnectionThread, which runs one job at a time; its job queue's lock orders each job
    // after the one before, so no two threads touch `mysql` at once. `deinit` runs when no job
    // holds the handle any more, so it cannot race with a job either. (The short side connection
    // that sends KILL QUERY is a handle of its own, used by one thread only.)
    private(set) var mysql: UnsafeMutablePointer<MYSQL>?
    let endpoint: String
    private let redactor: SecretRedactor

    private init(mysql: UnsafeMutablePointer<MYSQL>, endpoint: String, redactor: SecretRedactor) {
        self.mysql = mysql
        self.endpoint = endpoint
        self.redactor = redactor
    }

    deinit {
        if let mysql { mysql_close(mysql) }
    }

    /// The server's version, e.g. `10.11.19-MariaDB-0+deb12u1`.
    var serverVersion: String {
        mysql.flatMap { mysql_get_server_info($0) }.map { String(cString: $0) } ?? ""
    }

    /// The session's TLS protocol and cipher (`mysql_get_ssl_cipher`, `MARIADB_CONNECTION_TLS_VERSION`),
    /// or nil when it is not encrypted.
    var tlsSession: TLSSession? {
        guard let mysql, let cipher = mysql_get_ssl_cipher(mysql) else { return nil }
        let version = cpoolkit_mysql_tls_version(mysql).map { String(cString: $0) } ?? "unknown"
        return TLSSession(version: version, cipher: String(cString: cipher))
    }

    /// The server's id for this session (`CONNECTION_ID()`), the target of `KILL QUERY`.
    var threadID: UInt {
        mysql.map { UInt(mysql_thread_id($0)) } ?? 0
    }

    /// What a connection is for.
    enum Purpose {
        /// A session of the pool.
        case session
        /// A short side connection that sends `KILL QUERY`; it gives up on a silent server.
        case cancel
    }

    /// Connects (blocking). Throws `.authenticationFailed`, `.databaseNotFound`,
    /// `.connectionFailed` or `.invalidOption`.
    static func open(_ parameters: MariaDBConnectParameters, purpose: Purpose = .session) throws -> MariaDBHandle {
        let action = purpose == .session ? "connect" : "open a side connection for KILL QUERY"
        guard libraryInitResult == 0 else {
            throw PoolKitError(.connectionFailed, "could not initialise libmariadb (mysql_library_init returned \(libraryInitResult))")
        }
        guard let mysql = mysql_init(nil) else {
            throw PoolKitError(.connectionFailed, "could not \(action) to MariaDB at \(parameters.endpoint): libmariadb is out of memory")
        }
        var optionFailures: [String] = []
        func set(_ name: String, _ status: Int32) {
            if status != 0 { optionFailures.append(name) }
        }
        if let files = parameters.optionFiles {
            // Read while connecting: the [client], [client-server], [client-mariadb] and the named
            // group of the usual files (or of the one file given), as mariadb-dump does; what the
            // URL says wins, since mysql_real_connect gets it directly.
            if let file = files.file { set("defaults_file", cpoolkit_mysql_set_string_option(mysql, MYSQL_READ_DEFAULT_FILE, file)) }
            set("defaults_group", cpoolkit_mysql_set_string_option(mysql, MYSQL_READ_DEFAULT_GROUP, files.group))
        }
        set("connect_timeout", cpoolkit_mysql_set_int_option(mysql, MYSQL_OPT_CONNECT_TIMEOUT, parameters.connectTimeout))
        set("charset", cpoolkit_mysql_set_string_option(mysql, MYSQL_SET_CHARSET_NAME, parameters.charset))
        // A silent reconnect would lose session state (transactions, temporary tables, locks)
        // behind the pool's back; a broken connection must fail and be discarded instead.
        set("reconnect", cpoolkit_mysql_set_bool_option(mysql, MYSQL_OPT_RECONNECT, 0))
        if purpose == .session {
            // LOAD DATA LOCAL INFILE for restores. The file-reading default handler is replaced
            // at once by one that refuses every request, so a server can never make this client
            // read a file; a load installs its own handler for the duration of its statement.
            set("local_infile", cpoolkit_mysql_set_int_option(mysql, MYSQL_OPT_LOCAL_INFILE, 1))
        }
        // A side connection for KILL QUERY gives up soon on a silent server; a session uses the URL's limits.
        let sideLimit = min(10, parameters.connectTimeout)
        set("read_timeout", cpoolkit_mysql_set_int_option(mysql, MYSQL_OPT_READ_TIMEOUT, purpose == .cancel ? sideLimit : parameters.readTimeout))
        set("write_timeout", cpoolkit_mysql_set_int_option(mysql, MYSQL_OPT_WRITE_TIMEOUT, purpose == .cancel ? sideLimit : parameters.writeTimeout))
        // Checking the certificate means nothing on a plain connection, so it also requires TLS.
        if parameters.requireTLS || parameters.verifyServerCertificate {
            set("ssl", cpoolkit_mysql_set_bool_option(mysql, MYSQL_OPT_SSL_ENFORCE, 1))
        }
        if let sslCA = parameters.sslCA {
            set("ssl_ca", cpoolkit_mysql_set_string_option(mysql, MYSQL_OPT_SSL_CA, sslCA))
        }
        if parameters.verifyServerCertificate {
            set("ssl_verify_server_cert", cpoolkit_mysql_set_bool_option(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, 1))
        }
        guard optionFailures.isEmpty else {
            mysql_close(mysql)
            throw PoolKitError(
                .invalidOption, "libmariadb rejected the option(s) \(optionFailures.joined(separator: ", ")) for \(parameters.endpoint)")
        }
        let flags = UInt(CLIENT_MULTI_STATEMENTS) | UInt(CLIENT_MULTI_RESULTS)
        let connected = withOptionalCString(parameters.host) { host in
            withOptionalCString(parameters.user) { user in
                withOptionalCString(parameters.password) { password in
                    withOptionalCString(parameters.database) { database in
                        withOptionalCString(parameters.unixSocket) { socket in
                            mysql_real_connect(mysql, host, user, password, database, parameters.port, socket, flags)
                        }
                    }
                }
            }
        }
        guard connected != nil else {
            let error = engineError(mysql, redactor: parameters.redactor)
            mysql_close(mysql)
            throw connectError(error, parameters, action: action)
        }
        // Connector/C refuses a server without TLS only when it also verifies the certificate; with
        // ssl=true alone it silently goes on in plain text. Required means required: checked here,
        // before the session is used (the authentication exchange never sends the password itself).
        if parameters.requireTLS || parameters.verifyServerCertificate, mysql_get_ssl_cipher(mysql) == nil {
            mysql_close(mysql)
            let error = MariaDBError(
                number: 2026, sqlState: "HY000", message: "TLS is required, but the server does not support it (it offered no TLS)")
            throw connectError(error, parameters, action: action)
        }
        let handle = MariaDBHandle(mysql: mysql, endpoint: parameters.endpoint, redactor: parameters.redactor)
        handle.refuseLocalFiles()
        return handle
    }

    private static func connectError(_ error: MariaDBError, _ parameters: MariaDBConnectParameters, action: String) -> PoolKitError {
        let user = parameters.user.map { "'\($0)'" } ?? "(default user)"
        let code: PoolKitError.Code
        let advice: String
        switch error.number {
        case 1045, 1698, 2059, 1251:
            code = .authenticationFailed
            advice = parameters.passwordSource.advice
        case 1044:
            code = .authenticationFailed
            advice = "the user \(user) may not use the database \(parameters.database.map { "'\($0)'" } ?? "")"
        case 1049:
            code = .databaseNotFound
            advice = "create the database \(parameters.database.map { "'\($0)'" } ?? "") or fix the database name in the URL"
        case 1040:
            code = .connectionFailed
            advice = "the server has no free connections; lower pool_max or raise max_connections"
        case 2026:
            code = .connectionFailed
            advice = MariaDBTLSDiagnosis.advice(for: error.message, parameters)
        default:
            code = .connectionFailed
            advice = "check that the server is running and accepts connections at \(parameters.endpoint)"
        }
        return PoolKitError(
            code, "could not \(action) to MariaDB at \(parameters.endpoint) as \(user): \(error); \(advice)",
            engineCode: String(error.number), underlying: error)
    }

    // MARK: Statements

    /// The open `MYSQL *`, or `.connectionClosed` after ``close()``.
    func open() throws -> UnsafeMutablePointer<MYSQL> {
        guard let mysql else {
            throw PoolKitError(.connectionClosed, "the MariaDB connection to \(endpoint) is closed")
        }
        return mysql
    }

    /// Runs `sql` (one or more statements) and discards every result set.
    func execute(_ sql: String) throws {
        _ = try run(sql, keepingRows: false)
    }

    /// Runs `sql` and returns the rows of its last result set as text.
    func query(_ sql: String) throws -> QueryResult {
        try run(sql, keepingRows: true) ?? QueryResult(columns: [], rows: [])
    }

    /// `mysql_ping`, with reconnecting turned off: fails if the session is gone.
    func ping() throws {
        let mysql = try open()
        if mysql_ping(mysql) != 0 { throw statementError(mysql) }
    }

    /// Rolls back an open transaction, then `mysql_reset_connection` (COM_RESET_CONNECTION):
    /// session variables, user variables, temporary tables, prepared statements and locks.
    func resetSession() throws {
        let mysql = try open()
        if mysql.pointee.server_status & UInt32(SERVER_STATUS_IN_TRANS) != 0, mysql_rollback(mysql) != 0 {
            throw statementError(mysql)
        }
        if mysql_reset_connection(mysql) != 0 { throw statementError(mysql) }
    }

    /// Closes the session; later calls throw `.connectionClosed`. Safe to call more than once:
    /// returns true only for the call that closed it.
    @discardableResult
    func close() -> Bool {
        guard let mysql else { return false }
        mysql_close(mysql)
        self.mysql = nil
        return true
    }

    /// Sends `sql`, reads every result set it produces, and returns the last one that has
    /// columns if `keepingRows` (nil if none had).
    private func run(_ sql: String, keepingRows: Bool) throws -> QueryResult? {
        let mysql = try open()
        var sql = sql
        let status = sql.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { mysql_real_query(mysql, $0.baseAddress, UInt($0.count)) }
        }
        if status != 0 { throw statementError(mysql) }
        var kept: QueryResult?
        while true {
            if let result = mysql_store_result(mysql) {
                if keepingRows { kept = Self.read(result) }
                mysql_free_result(result)
            } else if mysql_field_count(mysql) != 0 {
                // The statement had a result set, but reading it failed.
                throw statementError(mysql)
            }
            let next = mysql_next_result(mysql)
            if next > 0 { throw statementError(mysql) }
            if next < 0 { return kept }
        }
    }

    private static func read(_ result: UnsafeMutablePointer<MYSQL_RES>) -> QueryResult {
        let columnCount = Int(mysql_num_fields(result))
        var columns: [String] = []
        columns.reserveCapacity(columnCount)
        if let fields = mysql_fetch_fields(result) {
            for index in 0..<columnCount {
                columns.append(fields[index].name.map { String(cString: $0) } ?? "")
            }
        }
        var rows: [[String?]] = []
        rows.reserveCapacity(Int(mysql_num_rows(result)))
        while let row = mysql_fetch_row(result) {
            guard let lengths = mysql_fetch_lengths(result) else { break }
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for index in 0..<columnCount {
                if let value = row[index] {
                    let bytes = UnsafeRawBufferPointer(start: value, count: Int(lengths[index]))
                    values.append(String(decoding: bytes, as: UTF8.self))
                } else {
                    values.append(nil)
                }
            }
            rows.append(values)
        }
        return QueryResult(columns: columns, rows: rows)
    }

    /// The error for a failed statement: `.connectionClosed` if the session is unusable,
    /// `.cancelled` for 1317 (KILL QUERY), otherwise `.statementFailed`.
    func statementError(_ mysql: UnsafeMutablePointer<MYSQL>) -> PoolKitError {
        let error = Self.engineError(mysql, redactor: redactor)
        let engineCode = String(error.number)
        if MariaDBError.breaksConnection(error.number) {
            return PoolKitError(
                .connectionClosed, "the MariaDB connection to \(endpoint) broke: \(error)", engineCode: engineCode,
                underlying: error)
        }
        if error.number == MariaDBError.queryInterrupted {
            return PoolKitError(.cancelled, "the statement was cancelled: \(error)", engineCode: engineCode, underlying: error)
        }
        return PoolKitError(.statementFailed, error.description, engineCode: engineCode, underlying: error)
    }

    private static func engineError(_ mysql: UnsafeMutablePointer<MYSQL>, redactor: SecretRedactor) -> MariaDBError {
        MariaDBError(
            number: mysql_errno(mysql),
            sqlState: mysql_sqlstate(mysql).map { String(cString: $0) } ?? "HY000",
            message: redactor(mysql_error(mysql).map { String(cString: $0) } ?? "unknown error"))
    }
}

/// Calls `body` with a C string for `text`, or NULL when it is nil.
private func withOptionalCString<T>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}
