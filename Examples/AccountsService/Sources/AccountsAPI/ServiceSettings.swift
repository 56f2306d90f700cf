import Foundation
import Logging

/// What the service (and any twin of it on another client) reads from its
/// environment, the way services are deployed: the database URL
/// (with its pool options) from `DATABASE_URL`, so no secret is on the command line, where `ps`
/// would show it.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `DATABASE_URL` | required | `postgres://user:password@host:5432/db?pool_max=8&health_check_period=10s` |
/// | `HOST` | `127.0.0.1` | address to listen on |
/// | `PORT` | `8080` | port to listen on; `0` picks a free one (the log says which) |
/// | `LOG_LEVEL` | `info` | `trace`, `debug`, `info`, `notice`, `warning`, `error`, `critical` |
public struct ServiceSettings: Sendable {
    public var databaseURL: String
    public var host: String
    public var port: Int
    public var logLevel: Logger.Level

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    public init(environment: [String: String]) throws {
        guard let databaseURL = environment["DATABASE_URL"], !databaseURL.isEmpty else {
            throw Invalid(description: "DATABASE_URL is not set: give the PostgreSQL URL, e.g. postgres://app@127.0.0.1:5432/app")
        }
        self.databaseURL = databaseURL
        host = environment["HOST"] ?? "127.0.0.1"
        let portText = environment["PORT"] ?? "8080"
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw Invalid(description: "PORT='\(portText)' is not a port number (0 to 65535)")
        }
        self.port = port
        let levelText = environment["LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelText) else {
            throw Invalid(description: "LOG_LEVEL='\(levelText)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        logLevel = level
    }
}
