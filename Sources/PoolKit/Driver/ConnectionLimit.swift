import Logging

/// How many more connections a server accepts from one user, as a driver reads it from the
/// server's settings (PostgreSQL `max_connections` minus the reserved slots and those in use, and
/// the role's `CONNECTION LIMIT`; MariaDB `max_connections` and `max_user_connections`).
///
/// ```swift
/// if let limit = try await driver.connectionLimit(for: url, logger: logger), jobs + 1 > limit.available {
///     logger.warning("the server accepts \(limit.available) more connections (\(limit.explanation))")
/// }
/// ```
public struct ConnectionLimit: Sendable, Equatable {
    /// Connections the server would still accept (the probe's own counted as free again).
    public var available: Int
    /// The settings it comes from, e.g. `max_connections 100 − 3 reserved − 12 in use`.
    public var explanation: String

    /// Creates a limit.
    public init(available: Int, explanation: String) {
        self.available = available
        self.explanation = explanation
    }
}

extension Driver {
    /// No limit known (an embedded engine such as SQLite).
    public func connectionLimit(for url: ConnectionURL, logger: Logger) async throws -> ConnectionLimit? { nil }

    /// The first row of `sql`, run on a connection of its own that is closed afterwards (also when
    /// the statement fails): how a driver reads server settings before a pool exists.
    package func firstRow(of sql: String, at url: ConnectionURL, logger: Logger) async throws -> [String?]? {
        let connection = try await connect(to: url, logger: logger)
        let result: QueryResult
        do {
            result = try await connection.query(unsafeSQL: sql)
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        return result.rows.first
    }
}
