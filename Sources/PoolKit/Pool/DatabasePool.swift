import Logging
import ServiceLifecycle

/// A pool of one driver's connections, lending that driver's own connection type — a
/// `DatabasePool<PostgresDriver>` lends `PostgresConnection`, with no cast:
///
/// ```swift
/// let pool = try DatabasePool(driver: PostgresDriver(), url: ConnectionURL("postgres://app@db/shop?pool_max=8"))
/// try await pool.withRunning {                       // or add `pool` to a ServiceGroup
///     let rows = try await pool.query("SELECT id, name FROM users WHERE team = \(team)")
///     for (id, name) in try rows.decode((Int, String).self) { … }
/// }
/// ```
///
/// It is the ``ConnectionPool`` a URL gives (same configuration, URL options, metrics, logs and
/// lifecycle), typed by the driver: the driver's `connect(to:logger:)` returns `D.Connection`, so
/// every connection the pool opens is one, and the pool hands it out as such. Its lease and
/// release run the pool code compiled for driver connections, as a URL pool's do; they are
/// inlinable, so the caller's module compiles them for its driver.
public struct DatabasePool<D: Driver>: Sendable {
    public typealias Connection = D.Connection

    /// The driver the pool opens connections with.
    public let driver: D
    /// The pool underneath, for what is the same for every driver (``ConnectionPool/statistics``,
    /// ``ConnectionPool/configuration``).
    public let pool: ConnectionPool<DriverConnectionSource>

    /// A pool for `url`, whose scheme must be one of the driver's; the URL's pool options
    /// (`pool_max=…`) override `configuration`, and the driver rejects options it does not know.
    /// Nothing is opened until ``run()`` starts.
    public init(
        driver: D,
        url: ConnectionURL,
        configuration: PoolConfiguration = PoolConfiguration(),
        hooks: PoolHooks<Connection> = PoolHooks(),
        logger: Logger = Logger(label: "poolkit.pool")
    ) throws {
        self.driver = driver
        let source = try DriverConnectionSource(url: url, driver: driver, logger: logger)
        self.pool = try ConnectionPool(
            source: source, configuration: configuration.applying(url.poolOptions), hooks: hooks.erased(), logger: logger)
    }

    /// The connection the driver opened, as its own type: every connection of ``pool`` was opened
    /// by `driver.connect(to:logger:)`, whose result type is `D.Connection`, so the check cannot
    /// fail. It is the one conversion of the typed pool. A pool over a source typed by `D` would
    /// need none, but its lease and release would be generic code of this module instantiated for
    /// a driver of another module, which runs unspecialized (generic-metadata lookups on every
    /// cycle); the URL pool underneath runs code compiled for its source. Inlined into the caller,
    /// where `D` is known, the check is a class-pointer comparison.
    @inlinable
    static func typed(_ connection: any DatabaseConnection) -> Connection {
        connection as! Connection
    }

    /// Borrows a connection, runs `body` with it and gives it back (reset for the next borrower),
    /// also when `body` throws; see ``ConnectionPool/withConnection(isolation:timeout:fileID:line:_:)``.
    @inlinable
    public func withConnection<Result>(
        isolation: isolated (any Actor)? = #isolation,
        timeout: Duration? = nil,
        fileID: String = #fileID,
        line: Int = #line,
        _ body: (Connection) async throws -> Result
    ) async throws -> Result {
        try await pool.withConnection(isolation: isolation, timeout: timeout, fileID: fileID, line: line) { connection in
            try await body(Self.typed(connection))
        }
    }

    /// Borrows a connection; see ``ConnectionPool/lease(timeout:fileID:line:)``. Give it back with
    /// ``release(_:after:)`` exactly once.
    @inlinable
    public func lease(timeout: Duration? = nil, fileID: String = #fileID, line: Int = #line) async throws -> PoolLease<Connection> {
        let lease = try await pool.lease(timeout: timeout, fileID: fileID, line: line)
        return lease.withConnection(Self.typed(lease.connection))
    }

    /// Gives a leased connection back; see ``ConnectionPool/release(_:after:)``.
    @inlinable
    public func release(_ lease: PoolLease<Connection>, after error: (any Error)? = nil) async {
        await pool.release(lease.withConnection(lease.connection as any DatabaseConnection), after: error)
    }

    /// The pool's background work; see ``ConnectionPool/run()``.
    public func run() async throws { try await pool.run() }

    /// Runs `body` while ``run()`` runs in the background, then shuts the pool down gracefully.
    public func withRunning<R: Sendable>(_ body: @Sendable () async throws -> R) async throws -> R {
        try await pool.withRunning(body)
    }

    /// Stops lending and closes every connection; see ``ConnectionPool/shutdown(gracePeriod:)``.
    public func shutdown(gracePeriod: Duration? = nil) async { await pool.shutdown(gracePeriod: gracePeriod) }

    /// Closes every connection open now as soon as it is idle; see ``ConnectionPool/softEvictAll()``.
    public func softEvictAll() { pool.softEvictAll() }

    /// A snapshot of the pool's state and counters.
    public var statistics: PoolStatistics { pool.statistics }

    /// The configuration in force (the URL's pool options applied).
    public var configuration: PoolConfiguration { pool.configuration }
}

extension DatabasePool: Service {}

extension PoolHooks where Connection: DatabaseConnection {
    /// These hooks for a pool that holds the connections as `any DatabaseConnection` (each one
    /// opened by the driver whose connection type is `Connection`, so the check cannot fail).
    func erased() -> PoolHooks<any DatabaseConnection> {
        var erased = PoolHooks<any DatabaseConnection>()
        if let hook = afterConnect {
            erased.afterConnect = { @Sendable connection in try await hook(connection as! Connection) }
        }
        if let hook = beforeLease {
            erased.beforeLease = { @Sendable connection in try await hook(connection as! Connection) }
        }
        if let hook = afterRelease {
            erased.afterRelease = { @Sendable connection in try await hook(connection as! Connection) }
        }
        if let hook = beforeClose {
            erased.beforeClose = { @Sendable connection in await hook(connection as! Connection) }
        }
        return erased
    }
}
