import Logging
import PoolKit

/// The PostgreSQL driver, on libpq. Serves `postgres://` and `postgresql://` URLs.
///
/// ```swift
/// let registry = DriverRegistry([PostgresDriver()])
/// let url = try ConnectionURL("postgres://app@127.0.0.1:5432/shop?sslmode=prefer")  // password from ~/.pgpass
/// let connection = try await registry.driver(for: url).connect(to: url, logger: logger)
/// ```
///
/// What the URL does not say, libpq takes from its usual places: a service (`?service=` or
/// `PGSERVICE`), `PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`, `PGSSLMODE`, `PGPASSWORD`,
/// `PGPASSFILE` or `~/.pgpass`, `PGCONNECT_TIMEOUT` — so `postgres:///shop` and
/// `postgres://?service=prod` are complete URLs. The query options below are passed to libpq
/// under the same names. A failed login names where the password came from, never the password.
public struct PostgresDriver: Driver {
    /// Creates the driver.
    public init() {}

    /// `postgres`.
    public var name: String { "postgres" }

    /// `postgres` and `postgresql`.
    public var schemes: [String] { ["postgres", "postgresql"] }

    /// The libpq connection parameters a URL may set.
    public var supportedOptions: [DriverOption] {
        [
            DriverOption("sslmode", "disable, allow, prefer (libpq's default), require, verify-ca or verify-full"),
            DriverOption("sslrootcert", "file with the CA certificates that sign the server's certificate"),
            DriverOption("sslcert", "file with the client certificate"),
            DriverOption("sslkey", "file with the client certificate's private key"),
            DriverOption(
                "connect_timeout", "seconds to wait for a connection, 0 for no limit (default: the service's, else PGCONNECT_TIMEOUT, else 10)"),
            DriverOption("service", "a service in pg_service.conf (PGSERVICEFILE, ~/.pg_service.conf, PGSYSCONFDIR) whose settings fill what the URL leaves out"),
            DriverOption("passfile", "the password file to read instead of PGPASSFILE or ~/.pgpass (mode 0600, or libpq ignores it)"),
            DriverOption("application_name", "name shown in pg_stat_activity (default poolkit)"),
            DriverOption("options", "server settings for the session, e.g. -c statement_timeout=5s"),
            DriverOption(
                "lock_wait_timeout", "backup: how long to wait for each table's ACCESS SHARE lock, e.g. 30s or 500ms (default: wait)"),
            DriverOption(
                "serializable_deferrable",
                "backup: true = SERIALIZABLE READ ONLY DEFERRABLE snapshot (waits for a safe moment, like pg_dump --serializable-deferrable)"),
            DriverOption(
                "nonblocking",
                "true (default on Linux) = short statements run on the calling task with libpq's non-blocking calls; false = every statement on the connection's thread"),
        ]
    }

    /// Opens a connection on a thread of its own. Throws a ``PoolKitError`` with code
    /// `.authenticationFailed`, `.databaseNotFound`, `.connectionFailed` or `.invalidOption`.
    public func connect(to url: ConnectionURL, logger: Logger) async throws -> PostgresConnection {
        try await PostgresConnection.open(url, logger: logger)
    }

    /// Says what an error means for the connection that raised it. Besides the code, the
    /// SQLSTATE counts: admin shutdown, crash shutdown, `cannot_connect_now` and class 08 mean
    /// that the connection is of no further use; `read_only_sql_transaction` while the server
    /// reports itself read-only (a primary that became a standby) means a failover, after which
    /// the pool soft-evicts its older connections.
    public func classify(_ error: any Error) -> ErrorDisposition {
        if let error = error as? PoolKitError, error.engineCode == PostgresError.readOnlyTransaction,
            (error.underlying as? PostgresError)?.serverIsReadOnly == true
        {
            return .serverReadOnly
        }
        if let error = error as? PoolKitError, error.code == .statementFailed,
            let state = error.engineCode, PostgresError.breaksConnection(sqlState: state)
        {
            return .connectionBroken
        }
        return ErrorDisposition.fromCode(error)
    }
}
