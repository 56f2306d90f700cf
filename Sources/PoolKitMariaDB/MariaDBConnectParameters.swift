import Foundation
import PoolKit

/// Where and how to connect, taken from a URL and checked before any connection is attempted.
/// Kept by the connection, because cancelling a statement opens a second, short connection
/// with the same credentials (`KILL QUERY`).
struct MariaDBConnectParameters: Sendable {
    /// A TCP host, or nil for a unix socket or the default.
    let host: String?
    let port: UInt32
    /// The unix socket file, when the URL's host starts with `/`.
    let unixSocket: String?
    let user: String?
    let password: String?
    let database: String?
    let connectTimeout: UInt32
    let charset: String
    let requireTLS: Bool
    let sslCA: String?
    let verifyServerCertificate: Bool
    /// Seconds libmariadb waits for the server to send (`MYSQL_OPT_READ_TIMEOUT`); 0 = no limit.
    let readTimeout: UInt32
    /// Seconds libmariadb waits for the server to accept bytes (`MYSQL_OPT_WRITE_TIMEOUT`); 0 = no limit.
    let writeTimeout: UInt32
    /// `no_lock=true`: back up without the global read lock (see ``MariaDBConnection/backupWithoutLock``).
    let noLock: Bool
    /// `keys_in_create=true`: back up tables with every key and foreign key inside `CREATE TABLE`
    /// (see ``MariaDBConnection/keysInCreateTable``).
    let keysInCreate: Bool
    /// `lock=backup_stage|ftwrl`: how a backup holds commits while the workers join (nil: the server's default).
    let lockMethod: String?
    /// The option files Connector/C reads (nil: `no_defaults=true`).
    let optionFiles: MariaDBOptionFiles?
    /// Where the password comes from (named when a login fails).
    let passwordSource: MariaDBPasswordSource
    /// `host:port` or the socket path, for messages; never contains secrets.
    let endpoint: String
    let redactor: SecretRedactor

    /// No read timeout by default: libmariadb can only tell a stopped server from a long statement
    /// by silence, and long silences are legitimate — `FLUSH TABLES WITH READ LOCK` waiting behind
    /// a long query, a backup chunk's SELECT before its first row, the commit at the end of a restore's
    /// `LOAD DATA`, a DDL statement. A pool does not need it: its validation timeout, acquire timeout
    /// and shutdown deadline end a call stuck on a stopped server by cutting the socket.
    static let defaultReadTimeout: UInt32 = 0
    /// 60 s, the server's own default `net_write_timeout` for a client that stops reading: the
    /// client writes only a statement or a `LOAD DATA LOCAL` stream, which a working server reads as
    /// it goes, so a minute without taking a byte means it is stuck.
    static let defaultWriteTimeout: UInt32 = 60

    /// Checks `url`; `environment` is what Connector/C will read (`HOME`, `MARIADB_HOME`,
    /// `MYSQL_PWD`), passed in so that tests need not change the process's.
    init(_ url: ConnectionURL, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let socketOption = url.option("socket")
        if let socket = socketOption, url.host == nil || url.isUnixSocket {
            self.host = nil
            self.unixSocket = socket
            self.endpoint = "socket \(socket)"
        } else if let host = url.host, url.isUnixSocket {
            var isDirectory: ObjCBool = false
            let socket =
                FileManager.default.fileExists(atPath: host, isDirectory: &isDirectory) && isDirectory.boolValue
                ? host + "/mysqld.sock" : host
            self.host = nil
            self.unixSocket = socket
            self.endpoint = "socket \(socket)"
        } else {
            self.host = url.host
            self.unixSocket = nil
            let shownHost = url.host.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "localhost"
            self.endpoint = "\(shownHost):\(url.port ?? 3306)"
        }
        self.port = UInt32(url.port ?? 0)
        self.user = url.user
        self.password = url.password
        self.database = url.database
        self.redactor = SecretRedactor(secret: url.password)

        var connectTimeout: UInt32 = 10
        var readTimeout = Self.defaultReadTimeout
        var writeTimeout = Self.defaultWriteTimeout
        var charset = "utf8mb4"
        var requireTLS = false
        var sslCA: String?
        var verifyServerCertificate = false
        var noLock = false
        var keysInCreate = false
        var lockMethod: String?
        var optionFiles: MariaDBOptionFiles? = MariaDBOptionFiles(file: nil, group: MariaDBOptionFiles.defaultGroup)
        var readOptionFiles = true
        func bool(_ key: String, _ value: String) throws -> Bool {
            switch value.lowercased() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: throw PoolKitError(.invalidOption, "option \(key)='\(value)' must be true or false")
            }
        }
        for (key, value) in url.options {
            switch key {
            case "connect_timeout":
                guard let seconds = UInt32(value), seconds > 0 else {
                    throw PoolKitError(.invalidOption, "option connect_timeout='\(value)' must be a whole number of seconds ≥ 1")
                }
                connectTimeout = seconds
            case "read_timeout", "write_timeout":
                guard let seconds = UInt32(value), seconds <= 86_400 * 7 else {
                    throw PoolKitError(
                        .invalidOption, "option \(key)='\(value)' must be a whole number of seconds (0 for no limit, at most a week)")
                }
                if key == "read_timeout" { readTimeout = seconds } else { writeTimeout = seconds }
            case "charset":
                guard !value.isEmpty, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                    throw PoolKitError(.invalidOption, "option charset='\(value)' is not a character set name such as utf8mb4")
                }
                charset = value
            case "ssl": requireTLS = try bool(key, value)
            case "ssl_ca": sslCA = value
            case "ssl_verify_server_cert": verifyServerCertificate = try bool(key, value)
            case "no_lock": noLock = try bool(key, value)
            case "keys_in_create": keysInCreate = try bool(key, value)
            case "lock":
                guard ["backup_stage", "ftwrl"].contains(value) else {
                    throw PoolKitError(.invalidOption, "option lock='\(value)' must be backup_stage or ftwrl")
                }
                lockMethod = value
            case "defaults_file": optionFiles?.file = value
            case "defaults_group":
                guard !value.isEmpty, !value.contains("]") else {
                    throw PoolKitError(.invalidOption, "option defaults_group='\(value)' is not an option-file group name such as poolkit")
                }
                optionFiles?.group = value
            case "no_defaults": readOptionFiles = !(try bool(key, value))
            case "socket": break  // taken above
            default:
                throw PoolKitError(.unknownOption, "unknown option '\(key)' for the mariadb driver")
            }
        }
        self.connectTimeout = connectTimeout
        self.charset = charset
        self.requireTLS = requireTLS
        self.sslCA = sslCA
        self.verifyServerCertificate = verifyServerCertificate
        self.readTimeout = readTimeout
        self.writeTimeout = writeTimeout
        self.noLock = noLock
        self.keysInCreate = keysInCreate
        self.lockMethod = lockMethod
        if !readOptionFiles { optionFiles = nil }
        if let file = optionFiles?.file, !FileManager.default.isReadableFile(atPath: file) {
            throw PoolKitError(.invalidOption, "option defaults_file='\(file)' names no readable file")
        }
        self.optionFiles = optionFiles
        self.passwordSource = .resolve(urlPassword: url.password, optionFiles: optionFiles, environment: environment)

        let texts: [(String, String?)] = [
            ("host", host), ("socket", unixSocket), ("user", user), ("password", password), ("database", database),
            ("ssl_ca", sslCA),
        ]
        if let (name, _) = texts.first(where: { $0.1?.utf8.contains(0) == true }) {
            throw PoolKitError(.invalidURL, "the URL's \(name) contains a NUL character (%00), which libmariadb cannot take")
        }
    }
}
