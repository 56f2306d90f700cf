import Logging

extension ConnectionPool where Source == DriverConnectionSource {
    /// ``lease(timeout:fileID:line:)`` compiled with the source known, so the state machine and the
    /// rest of the path are specialized for it (no generic-metadata lookups at run time).
    func leaseCompiledForDrivers(timeout: Duration?, fileID: String, line: Int) async throws -> PoolLease<Connection> {
        try await leaseFromAnySource(timeout: timeout, fileID: fileID, line: line)
    }

    /// ``release(_:after:)`` compiled with the source known.
    func releaseCompiledForDrivers(_ lease: PoolLease<Connection>, after error: (any Error)?) async {
        await releaseFromAnySource(lease, after: error)
    }

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
}
