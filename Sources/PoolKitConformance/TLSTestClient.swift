import Logging
import PoolKit

/// What every engine's TLS tests share: the test server's URL with TLS options added (and, for
/// host-name checks, another host), a connect typed as the driver's own connection, and the
/// ``PoolKitError`` a connect that must fail fails with — checked for the password on the way.
public struct TLSTestClient<Connection: DatabaseConnection>: Sendable {
    public let engine: TestServers.Engine
    public let driver: any Driver
    public let logger: Logger

    public init(engine: TestServers.Engine, driver: any Driver, connection: Connection.Type, logger: Logger) {
        self.engine = engine
        self.driver = driver
        self.logger = logger
    }

    /// The engine's test server as `scripts/test-servers.sh` exported it.
    public func serverURL() throws -> ConnectionURL {
        guard let text = TestServers.url(for: engine) else {
            throw ConformanceFailure(check: "tls", message: TestServers.missingMessage(for: engine))
        }
        return try ConnectionURL(text)
    }

    /// The path of the CA that signed the test servers' certificates.
    public func certificateAuthority() throws -> String {
        guard let path = TestServers.certificateAuthority else {
            throw ConformanceFailure(check: "tls", message: TestServers.missingTLSMessage)
        }
        return path
    }

    /// The server's URL (or `base`) with `options` added, and `host` instead of its own if given.
    public func url(_ options: [(String, String)], host: String? = nil, base: ConnectionURL? = nil) throws -> ConnectionURL {
        var url = try base ?? serverURL()
        if let host { url.host = host }
        url.options.append(contentsOf: options.map { (key: $0.0, value: $0.1) })
        return url
    }

    /// One connection straight from the driver (no pool), as the driver's own type.
    public func connect(_ url: ConnectionURL) async throws -> Connection {
        let connection = try await driver.connect(to: url, logger: logger)
        guard let typed = connection as? Connection else {
            await connection.close()
            throw ConformanceFailure(check: "tls", message: "\(driver.name) returned \(type(of: connection)), not \(Connection.self)")
        }
        return typed
    }

    /// The error a connect to `url` fails with. Throws if it connects, or if the message shows
    /// the URL's password.
    public func connectError(_ url: ConnectionURL) async throws -> PoolKitError {
        do {
            let connection = try await connect(url)
            await connection.close()
        } catch let error as PoolKitError {
            if let password = url.password, !password.isEmpty, error.message.contains(password) {
                throw ConformanceFailure(check: "tls", message: "the connect error shows the password: \(error.code)")
            }
            return error
        }
        throw ConformanceFailure(check: "tls", message: "connected to \(url.host ?? "") although the connection should fail")
    }
}
