import Logging

/// The URL pool: the pool the registry builds from a URL's scheme, and its borrowing API compiled
/// for ``DriverConnectionSource``.
///
/// `lease`, `release` and `withConnection` here overload the generic ones: a caller whose pool is a
/// `ConnectionPool<DriverConnectionSource>` calls these (the compiler prefers the constrained
/// extension), so the state machine and the rest of the path run code specialized for the source.
/// The generic ones, called from another module, run unspecialized: a quarter of a pooled query's
/// CPU time went to the runtime's generic-metadata lookups (perf, `PoolCompareServer`), and exported
/// pre-specializations (`@_specialize(exported:)`) were not picked up by callers in other modules.
extension ConnectionPool where Source == DriverConnectionSource {
    /// A pool for a database URL: the registry picks the driver from the scheme, and the URL's pool
    /// options (`pool_max=…`) override `configuration`.
    public convenience init(
        url: ConnectionURL,
        registry: DriverRegistry,
        configuration: PoolConfiguration = PoolConfiguration(),
        hooks: PoolHooks<any DatabaseConnection> = PoolHooks(),
        logger: Logger = Logger(label: "poolkit.pool")
    ) throws {
        let source = try DriverConnectionSource(url: url, registry: registry, logger: logger)
        try self.init(source: source, configuration: configuration.applying(url.poolOptions), hooks: hooks, logger: logger)
    }

    /// Borrows a connection, runs `body` with it and gives it back (reset for the next borrower),
    /// also when `body` throws; see the generic ``withConnection(isolation:timeout:fileID:line:_:)``.
    @inlinable
    public func withConnection<Result>(
        isolation: isolated (any Actor)? = #isolation,
        timeout: Duration? = nil,
        fileID: String = #fileID,
        line: Int = #line,
        _ body: (any DatabaseConnection) async throws -> Result
    ) async throws -> Result {
        let lease = try await lease(timeout: timeout, fileID: fileID, line: line)
        let result: Result
        do {
            result = try await body(lease.connection)
        } catch {
            throw await release(lease, afterThrowing: error)
        }
        await release(lease)
        return result
    }

    /// Borrows a connection; see the generic ``lease(timeout:fileID:line:)``.
    public func lease(
        timeout: Duration? = nil, fileID: String = #fileID, line: Int = #line
    ) async throws -> PoolLease<any DatabaseConnection> {
        try await leaseFromAnySource(timeout: timeout, fileID: fileID, line: line)
    }

    /// Gives a leased connection back; see the generic ``release(_:after:)``.
    public func release(_ lease: PoolLease<any DatabaseConnection>, after error: (any Error)? = nil) async {
        await releaseFromAnySource(lease, after: error)
    }

    /// Gives back a lease whose borrower threw `error`; returns the error to rethrow.
    @usableFromInline
    func release(_ lease: PoolLease<any DatabaseConnection>, afterThrowing error: any Error) async -> any Error {
        await releaseFromAnySource(lease, afterThrowing: error)
    }
}
