import CPoolKitSQLite
import Logging

/// The SQLite driver: serves `sqlite:` URLs with libsqlite3.
///
/// ```swift
/// let registry = DriverRegistry([SQLiteDriver()])
/// let url = try ConnectionURL("sqlite:///var/lib/app/app.db?journal_mode=wal&busy_timeout=2s")
/// let connection = try await registry.driver(for: url).connect(to: url, logger: logger)
/// ```
///
/// URL forms: `sqlite:///absolute/path.db`, `sqlite:relative/path.db`, `sqlite::memory:`.
/// Options:
/// - `mode`: `ro` (read-only), `rw` (read-write; the file must exist), `rwc` (default: create the
///   file if missing) or `memory` (a private in-memory database).
/// - `busy_timeout`: how long a statement waits for another connection's lock before failing with
///   `SQLITE_BUSY`, e.g. `500ms`, `5s` (default `5s`; `0` fails at once).
/// - `journal_mode`: `delete`, `truncate`, `persist`, `memory`, `wal` or `off`, applied after
///   opening; the connection fails if SQLite cannot switch (e.g. `wal` on a read-only database that
///   is not in WAL mode already).
/// - `foreign_keys`: `on` or `off`.
///
/// Several read-only connections (`mode=ro`) can read a WAL database at once, also while another
/// connection writes.
public struct SQLiteDriver: Driver {
    /// Creates the driver. It holds no state: every connection it opens is independent.
    public init() {}

    /// `sqlite`.
    public var name: String { "sqlite" }

    /// `["sqlite"]`.
    public var schemes: [String] { ["sqlite"] }

    /// `mode`, `busy_timeout`, `journal_mode` and `foreign_keys`.
    public var supportedOptions: [DriverOption] { SQLiteConfiguration.options }

    /// Opens the database named by `url` on a new ``SQLiteConnection``.
    ///
    /// Throws `.invalidOption` or `.unknownOption` for a bad option, `.databaseNotFound` when the
    /// file is missing with `mode=ro` or `mode=rw`, and `.connectionFailed` (with SQLite's result
    /// code as ``PoolKitError/engineCode``) when the file cannot be opened or is not a database.
    public func connect(to url: ConnectionURL, logger: Logger) async throws -> SQLiteConnection {
        try await SQLiteConnection.open(SQLiteConfiguration(url: url), logger: logger)
    }

    /// Says what an error means for the pool, by SQLite result code where there is one:
    /// - on an open connection, `SQLITE_IOERR`, `SQLITE_CORRUPT`, `SQLITE_NOTADB`, `SQLITE_CANTOPEN`
    ///   and `SQLITE_MISUSE` mean the connection cannot be trusted: `.connectionBroken`; every other
    ///   statement error (`SQLITE_BUSY`, `SQLITE_LOCKED`, constraints, syntax, …) is `.statement`;
    /// - when connecting, `SQLITE_BUSY`, `SQLITE_LOCKED`, `SQLITE_NOMEM`, `SQLITE_IOERR`,
    ///   `SQLITE_FULL` and `SQLITE_PROTOCOL` may heal by waiting: `.transient`; anything else
    ///   (missing file, no permission, not a database) is `.permanent`.
    public func classify(_ error: any Error) -> ErrorDisposition {
        guard let error = error as? PoolKitError, let resultCode = error.underlying as? SQLiteResultCode else {
            return ErrorDisposition.fromCode(error)
        }
        switch error.code {
        case .statementFailed:
            switch resultCode.primary {
            case SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_CANTOPEN, SQLITE_MISUSE: return .connectionBroken
            default: return .statement
            }
        case .connectionFailed:
            switch resultCode.primary {
            case SQLITE_BUSY, SQLITE_LOCKED, SQLITE_NOMEM, SQLITE_IOERR, SQLITE_FULL, SQLITE_PROTOCOL: return .transient
            default: return .permanent
            }
        default:
            return ErrorDisposition.fromCode(error)
        }
    }
}
