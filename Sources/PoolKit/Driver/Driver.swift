import Logging

/// A database engine's entry point: the URL schemes it serves, how it opens a connection,
/// which options it accepts and how its errors should be treated by the pool.
///
/// A driver is a plain value. An application that knows its engine builds a pool typed by the
/// driver, which lends the driver's own ``Connection`` type:
/// ```swift
/// let pool = try DatabasePool(driver: PostgresDriver(), url: ConnectionURL("postgres://app@db/app"))
/// ```
/// A tool that picks the engine from a URL at run time builds a ``DriverRegistry`` from the
/// drivers it imports instead:
/// ```swift
/// let registry = DriverRegistry([SQLiteDriver(), PostgresDriver()])
/// let pool = try ConnectionPool(url: ConnectionURL("sqlite:///tmp/app.db"), registry: registry)
/// ```
public protocol Driver: Sendable {
    /// The connection type this driver opens (`PostgresConnection`, `SQLiteConnection`, …): what a
    /// ``DatabasePool`` of this driver lends.
    associatedtype Connection: DatabaseConnection
    /// A short name, e.g. `postgres`.
    var name: String { get }
    /// The URL schemes this driver serves, e.g. `["postgres", "postgresql"]`.
    var schemes: [String] { get }
    /// The query options the driver accepts; any other option is rejected by ``DriverRegistry``.
    var supportedOptions: [DriverOption] { get }
    /// The backup strategies the driver offers, the first the default; each works on the driver's
    /// own ``Connection`` type, which the compiler checks.
    var backupStrategies: [any BackupStrategy<Connection>] { get }
    /// The restore strategies, one per backup strategy name it can read, on ``Connection``.
    var restoreStrategies: [any RestoreStrategy<Connection>] { get }
    /// Opens one connection. Throws a ``PoolKitError`` whose code says whether waiting could help
    /// (`.connectionFailed`) or not (`.authenticationFailed`, `.databaseNotFound`).
    func connect(to url: ConnectionURL, logger: Logger) async throws -> Connection
    /// Says what an error means for the connection that raised it.
    func classify(_ error: any Error) -> ErrorDisposition
    /// The URL to open a database that must already exist — the source of a backup, or a ping: one
    /// that never creates a database, so a mistyped name fails instead of becoming a new, empty one.
    /// Default: `url` unchanged (a server never creates a database on connect).
    func sourceURL(for url: ConnectionURL) throws -> ConnectionURL
    /// The files on this machine that hold the database `url` names (for SQLite: the database file
    /// and the `-wal`, `-shm` and `-journal` files beside it), so the tool never writes over them.
    /// Default: none (the database lives on a server).
    func localFiles(for url: ConnectionURL) throws -> [String]
    /// How many more connections the server would accept from this URL's user, read on a short
    /// connection of its own, so a tool can warn before it opens more. Default: nil (no limit known).
    func connectionLimit(for url: ConnectionURL, logger: Logger) async throws -> ConnectionLimit?
}

extension Driver {
    public var backupStrategies: [any BackupStrategy<Connection>] { [] }
    public var restoreStrategies: [any RestoreStrategy<Connection>] { [] }

    /// Name and summary of each backup strategy, default first.
    public var strategies: [StrategyDescription] {
        backupStrategies.map { StrategyDescription($0.name, $0.summary) }
    }

    /// The backup strategy called `name`, or the default one when `name` is nil.
    public func backupStrategy(named name: String?) throws -> any BackupStrategy {
        let names = backupStrategies.map(\.name)
        guard let strategy = name.map({ name in backupStrategies.first { $0.name == name } }) ?? backupStrategies.first else {
            if names.isEmpty {
                throw PoolKitError(.unsupported, "the \(self.name) driver has no backup strategy yet")
            }
            throw PoolKitError(.usage, "the \(self.name) driver has no strategy '\(name ?? "")': choose one of \(names.joined(separator: ", "))")
        }
        return strategy
    }

    /// The backup strategy called `name` (nil: the default) as one that works on `connectionType`,
    /// for code that drives a strategy itself (tests, tools) instead of through ``BackupEngine``.
    public func backupStrategy<C: DatabaseConnection>(named name: String?, on connectionType: C.Type) throws -> any BackupStrategy<C> {
        let strategy = try backupStrategy(named: name)
        guard let typed = strategy as? any BackupStrategy<C> else {
            throw PoolKitError(.unsupported, "the \(self.name) strategy '\(strategy.name)' does not work on \(C.self) connections")
        }
        return typed
    }

    /// The restore strategy for archives of the backup strategy `name`, as one that works on
    /// `connectionType`.
    public func restoreStrategy<C: DatabaseConnection>(named name: String, on connectionType: C.Type) throws -> any RestoreStrategy<C> {
        let strategy = try restoreStrategy(named: name)
        guard let typed = strategy as? any RestoreStrategy<C> else {
            throw PoolKitError(.unsupported, "the \(self.name) restore strategy '\(strategy.name)' does not work on \(C.self) connections")
        }
        return typed
    }

    /// The restore strategy for archives written by the backup strategy `name`.
    public func restoreStrategy(named name: String) throws -> any RestoreStrategy {
        guard let strategy = restoreStrategies.first(where: { $0.name == name }) else {
            throw PoolKitError(
                .archiveUnsupported,
                "the \(self.name) driver cannot restore archives of strategy '\(name)': it restores \(restoreStrategies.map(\.name).joined(separator: ", "))")
        }
        return strategy
    }

    /// Default classification from ``PoolKitError/code``.
    public func classify(_ error: any Error) -> ErrorDisposition {
        ErrorDisposition.fromCode(error)
    }
}

/// A URL query option a driver accepts.
public struct DriverOption: Sendable, Hashable {
    public var name: String
    public var summary: String
    public init(_ name: String, _ summary: String) {
        self.name = name
        self.summary = summary
    }
}

/// A named backup/restore strategy of a driver.
public struct StrategyDescription: Sendable, Hashable {
    public var name: String
    public var summary: String
    public init(_ name: String, _ summary: String) {
        self.name = name
        self.summary = summary
    }
}

/// What an error means for the pool.
public enum ErrorDisposition: Sendable, Hashable {
    /// An ordinary failure (a statement error): the connection is fine.
    case statement
    /// The connection is dead (closed socket, admin shutdown): discard it,
    /// and validate connections opened before this error before lending them again.
    case connectionBroken
    /// The server answered that it is read-only (PostgreSQL 25006 on a hot standby, MariaDB 1290
    /// under `read_only`): after a failover the old primary's sessions still work but cannot write.
    /// The pool closes this connection and soft-evicts every connection opened before it.
    case serverReadOnly
    /// A connect failure that may heal by waiting (refused, unreachable, too many connections).
    case transient
    /// A connect failure that waiting will not heal (wrong password, unknown database): report it at once.
    case permanent

    /// Classification from a ``PoolKitError`` code, for drivers that map their errors to codes.
    public static func fromCode(_ error: any Error) -> ErrorDisposition {
        guard let error = error as? PoolKitError else { return .statement }
        switch error.code {
        case .connectionClosed: return .connectionBroken
        case .connectionFailed: return .transient
        case .authenticationFailed, .databaseNotFound, .invalidURL, .invalidOption, .unknownOption, .unknownScheme:
            return .permanent
        default: return .statement
        }
    }
}
