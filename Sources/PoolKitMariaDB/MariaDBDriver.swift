import Logging
import PoolKit

/// The MariaDB driver, on MariaDB Connector/C (libmariadb). Serves `mariadb://` and
/// `mysql://` URLs, so it also talks to MySQL servers.
///
/// ```swift
/// let registry = DriverRegistry([MariaDBDriver()])
/// let url = try ConnectionURL("mariadb://app@127.0.0.1:3306/shop?connect_timeout=5")  // password from ~/.my.cnf
/// let connection = try await registry.driver(for: url).connect(to: url, logger: logger)
/// ```
///
/// A host that starts with `/` is a unix socket: the socket file itself, or a directory that
/// holds `mysqld.sock` (e.g. `mariadb://app@/shop?host=/run/mysqld`); `?socket=` names the file too.
///
/// What the URL does not say comes from the option files mariadb-dump reads — the `[client]`,
/// `[client-server]`, `[client-mariadb]` and `[poolkit]` groups of `/etc/my.cnf`,
/// `/etc/mysql/my.cnf`, `$MARIADB_HOME/my.cnf` and `~/.my.cnf` (`?defaults_file=`,
/// `?defaults_group=`, `?no_defaults=true` change that) — and the password last from `MYSQL_PWD`
/// (deprecated). A failed login names where the password came from, never the password.
public struct MariaDBDriver: Driver {
    /// Creates the driver.
    public init() {}

    /// `mariadb`.
    public var name: String { "mariadb" }

    /// `mariadb` and `mysql`.
    public var schemes: [String] { ["mariadb", "mysql"] }

    /// The Connector/C settings a URL may set.
    public var supportedOptions: [DriverOption] {
        [
            DriverOption("connect_timeout", "seconds to wait for a connection (default 10)"),
            DriverOption("socket", "the server's unix socket file (instead of host and port)"),
            DriverOption(
                "defaults_file",
                "read only this option file (like --defaults-file) instead of /etc/my.cnf, /etc/mysql/my.cnf, $MARIADB_HOME/my.cnf and ~/.my.cnf"),
            DriverOption(
                "defaults_group",
                "the option-file group read after [client], [client-server] and [client-mariadb] (default poolkit)"),
            DriverOption("no_defaults", "true to read no option file (like --no-defaults)"),
            DriverOption("charset", "the connection's character set (default utf8mb4)"),
            DriverOption(
                "read_timeout",
                "seconds to wait for the server to send, 0 = no limit (default 0: a long statement is silent too; the pool's own deadlines end calls stuck on a stopped server)"),
            DriverOption("write_timeout", "seconds to wait for the server to accept bytes, 0 = no limit (default 60)"),
            DriverOption("ssl", "true to require TLS (a server without TLS is refused), false: plain unless other ssl options are set (default false)"),
            DriverOption("ssl_ca", "file with the CA certificates that sign the server's certificate"),
            DriverOption("ssl_verify_server_cert", "true to check the server's certificate against ssl_ca and its host name (implies ssl=true)"),
            DriverOption(
                "no_lock",
                "true to back up without FLUSH TABLES WITH READ LOCK (no RELOAD privilege needed): one connection's snapshot, --jobs 1, consistent for InnoDB tables only"),
            DriverOption(
                "lock",
                "backup_stage (MariaDB 10.4+, the default there) or ftwrl (FLUSH TABLES WITH READ LOCK): how a backup holds commits while its connections start one snapshot"),
            DriverOption(
                "keys_in_create",
                "true to keep secondary keys and foreign keys inside CREATE TABLE (default false: the restore adds them after the rows load)"),
        ]
    }

    /// `snapshot`: a consistent snapshot shared by N connections, rows as LOAD DATA text.
    public var backupStrategies: [any BackupStrategy<MariaDBConnection>] { [MariaDBSnapshotBackupStrategy()] }

    /// Restores `snapshot` archives with LOAD DATA LOCAL INFILE on N connections.
    public var restoreStrategies: [any RestoreStrategy<MariaDBConnection>] { [MariaDBSnapshotRestoreStrategy()] }

    /// Opens a connection on a thread of its own. Throws a ``PoolKitError`` with code
    /// `.authenticationFailed`, `.databaseNotFound`, `.connectionFailed` or `.invalidOption`.
    public func connect(to url: ConnectionURL, logger: Logger) async throws -> MariaDBConnection {
        try await MariaDBConnection.open(url, logger: logger)
    }

    /// Says what an error means for the connection that raised it. Besides the code, the
    /// error number counts: lost connection (2006, 2013, 2055), connection killed (1927),
    /// disconnected for inactivity (4031) and server shutdown (1053) mean that the connection is
    /// of no further use; a read-only server (1290 under `--read-only`, 1836: a primary that
    /// became a replica) means a failover, after which the pool soft-evicts older connections.
    public func classify(_ error: any Error) -> ErrorDisposition {
        if let error = error as? PoolKitError, (error.underlying as? MariaDBError)?.isServerReadOnly == true {
            return .serverReadOnly
        }
        if let error = error as? PoolKitError, error.code == .statementFailed,
            let number = error.engineCode.flatMap(UInt32.init), MariaDBError.breaksConnection(number)
        {
            return .connectionBroken
        }
        return ErrorDisposition.fromCode(error)
    }
}
