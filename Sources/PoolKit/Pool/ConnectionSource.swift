import Logging

/// What a ``ConnectionPool`` needs to know about its connections: how to open, check, reset and
/// close one, and what an error means. The pool is generic over it, so the pool's hot path calls
/// these directly, with no existential boxing, and tests plug in a connection that fails on demand.
public protocol ConnectionSource: Sendable {
    associatedtype Connection: Sendable
    /// Opens a new connection.
    func connect() async throws -> Connection
    /// A cheap health check; throws if the connection cannot be used.
    func validate(_ connection: Connection) async throws
    /// Cleans session state before the connection is lent again; throws if it could not.
    func reset(_ connection: Connection) async throws
    /// Cleans as much session state as `policy` asks for: an open transaction is always rolled
    /// back; the full reset runs always, when the session is dirty, or never. The default does
    /// the full ``reset(_:)`` whatever the policy, for sources that cannot tell what changed.
    func reset(_ connection: Connection, policy: SessionResetPolicy) async throws
    /// Closes the connection; must not throw.
    func close(_ connection: Connection) async
    /// Stops the statement the connection is running, from any thread, at once.
    func cancel(_ connection: Connection)
    /// What an error raised by `connect` or by a statement means.
    func classify(_ error: any Error) -> ErrorDisposition
}

extension ConnectionSource {
    public func reset(_ connection: Connection, policy: SessionResetPolicy) async throws {
        try await reset(connection)
    }
}

/// Opens connections for a URL through the driver the registry picks for its scheme.
public struct DriverConnectionSource: ConnectionSource {
    public typealias Connection = any DatabaseConnection
    public let url: ConnectionURL
    public let driver: any Driver
    public let logger: Logger

    /// Throws `.unknownScheme` or `.unknownOption` if no driver serves the URL as given.
    public init(url: ConnectionURL, registry: DriverRegistry, logger: Logger = Logger(label: "poolkit")) throws {
        self.url = url
        self.driver = try registry.driver(for: url)
        self.logger = logger
    }

    /// Opens connections for `url` with `driver`. Throws `.unknownScheme` if the driver does not
    /// serve the URL's scheme, `.unknownOption` for an option it does not accept.
    public init(url: ConnectionURL, driver: some Driver, logger: Logger = Logger(label: "poolkit")) throws {
        self.url = url
        self.driver = try DriverRegistry([driver]).driver(for: url)
        self.logger = logger
    }

    public func connect() async throws -> any DatabaseConnection { try await driver.connect(to: url, logger: logger) }
    public func validate(_ connection: any DatabaseConnection) async throws { try await connection.ping() }
    public func reset(_ connection: any DatabaseConnection) async throws { try await connection.resetSession() }
    public func reset(_ connection: any DatabaseConnection, policy: SessionResetPolicy) async throws {
        try await connection.resetSession(policy)
    }
    public func close(_ connection: any DatabaseConnection) async { await connection.close() }
    public func cancel(_ connection: any DatabaseConnection) { connection.cancelRunningStatement() }
    public func classify(_ error: any Error) -> ErrorDisposition { driver.classify(error) }
}
