import Foundation
import PoolKit

/// The libpq keyword/value pairs for one URL, checked before any connection is attempted.
///
/// They go to `PQconnectdbParams` as two arrays, never as a conninfo string, so nothing in
/// the URL (a password with spaces or quotes, a database name that looks like a conninfo) can
/// change their meaning, and the password is never part of a string that could be logged.
struct PostgresConnectParameters: Sendable {
    private(set) var keywords: [String] = []
    private(set) var values: [String] = []
    /// `host:port` (or the socket directory) for messages; never contains secrets.
    let endpoint: String
    let user: String?
    let database: String?
    let redactor: SecretRedactor
    /// The host as the URL names it (what a certificate must name under `verify-full`).
    let host: String?
    /// `sslmode` as the URL sets it (nil: libpq's default, `prefer`).
    private(set) var sslMode: String?
    /// `sslrootcert` as the URL sets it.
    private(set) var sslRootCert: String?
    /// URL options that are not libpq's, for the backup strategy.
    private(set) var backup = PostgresBackupSettings()
    /// `nonblocking`: short statements run on the calling task with libpq's non-blocking calls
    /// (default, where the platform has a socket poller), or — false — every statement on the
    /// connection's thread.
    private(set) var nonBlocking = true
    /// Where libpq will take the password from (named when a login fails).
    private(set) var passwordSource: PostgresPasswordSource = .url

    /// Used when neither the URL, its service nor `PGCONNECT_TIMEOUT` sets a connect timeout.
    static let defaultConnectTimeout = "10"
    private static let sslModes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]

    /// Checks `url`; `environment` is what libpq will read (`PGSERVICE`, `PGPASSWORD`,
    /// `PGPASSFILE`, `PGCONNECT_TIMEOUT`, `HOME`, …), passed in so that tests need not change the process's.
    init(_ url: ConnectionURL, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let port = url.port ?? 5432
        if let host = url.host {
            endpoint = url.isUnixSocket ? "socket \(host)/.s.PGSQL.\(port)" : (host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
        } else {
            endpoint = "the default socket (port \(port))"
        }
        host = url.host
        user = url.user
        database = url.database
        redactor = SecretRedactor(secret: url.password)

        if let host = url.host { append("host", host) }
        if let port = url.port { append("port", String(port)) }
        if let user = url.user { append("user", user) }
        if let password = url.password { append("password", password) }
        if let database = url.database { append("dbname", database) }
        // Results are decoded as UTF-8.
        append("client_encoding", "UTF8")
        append("fallback_application_name", "poolkit")

        var connectTimeout: String?
        var serviceName = environment["PGSERVICE"].flatMap { $0.isEmpty ? nil : $0 }
        var passFile: String?
        for (key, value) in url.options {
            switch key {
            case "sslmode":
                guard Self.sslModes.contains(value) else {
                    throw PoolKitError(
                        .invalidOption,
                        "option sslmode='\(value)' is not one of \(Self.sslModes.joined(separator: ", "))")
                }
                sslMode = value
                append(key, value)
            case "connect_timeout":
                guard let seconds = Int(value), seconds >= 0 else {
                    throw PoolKitError(.invalidOption, "option connect_timeout='\(value)' must be a whole number of seconds ≥ 0")
                }
                connectTimeout = String(seconds)
            case "service":
                serviceName = value
                append(key, value)
            case "passfile":
                passFile = value
            case "sslrootcert":
                sslRootCert = value
                append(key, value)
            case "sslcert", "sslkey", "application_name", "options":
                append(key, value)
            case "lock_wait_timeout":
                backup.lockWaitTimeout = try PostgresBackupSettings.checkedTimeout(value)
            case "serializable_deferrable":
                backup.serializableDeferrable = try PostgresBackupSettings.checkedFlag(key, value)
            case "nonblocking":
                nonBlocking = try PostgresBackupSettings.checkedFlag(key, value)
            default:
                throw PoolKitError(.unknownOption, "unknown option '\(key)' for the postgres driver")
            }
        }
        let service = serviceName.flatMap { PostgresService.find($0, environment: environment) }
        // libpq's own order: the URL, then the service file, then PGCONNECT_TIMEOUT; the default
        // only when none of them sets one (libpq alone would wait for ever).
        let libpqHasTimeout = service?.settings["connect_timeout"] != nil || !(environment["PGCONNECT_TIMEOUT"] ?? "").isEmpty
        if let connectTimeout {
            append("connect_timeout", connectTimeout)
        } else if !libpqHasTimeout {
            append("connect_timeout", Self.defaultConnectTimeout)
        }
        passwordSource = .resolve(urlPassword: url.password, passFileOption: passFile, service: service, environment: environment)
        if passwordSource.libpqWouldWarn {
            // libpq would skip the file with a warning on stderr; a library must not print, so it
            // gets a file that does not exist (the same outcome, silently) and errors say why.
            append("passfile", Self.noPassFile)
        } else if let passFile {
            append("passfile", passFile)
        }
        if let index = values.firstIndex(where: { $0.utf8.contains(0) }) {
            throw PoolKitError(.invalidURL, "the URL's \(keywords[index]) contains a NUL character (%00), which libpq cannot take")
        }
    }

    /// A path that is never a file: what libpq gets instead of a password file it would ignore.
    static let noPassFile = "/nonexistent/poolkit-ignored-passfile"

    private mutating func append(_ keyword: String, _ value: String) {
        keywords.append(keyword)
        values.append(value)
    }

    /// Calls `body` with NULL-terminated C arrays of the keywords and values.
    func withCArrays<T>(_ body: (UnsafePointer<UnsafePointer<CChar>?>, UnsafePointer<UnsafePointer<CChar>?>) throws -> T) rethrows -> T {
        let keywordStrings = keywords.map { strdup($0) }
        let valueStrings = values.map { strdup($0) }
        defer {
            keywordStrings.forEach { free($0) }
            valueStrings.forEach { free($0) }
        }
        let keywordPointers = keywordStrings.map { UnsafePointer($0) } + [nil]
        let valuePointers = valueStrings.map { UnsafePointer($0) } + [nil]
        return try keywordPointers.withUnsafeBufferPointer { keywordBuffer in
            try valuePointers.withUnsafeBufferPointer { valueBuffer in
                try body(keywordBuffer.baseAddress!, valueBuffer.baseAddress!)
            }
        }
    }
}
