import Foundation
import Logging
import PoolKit

/// Binds values into a column of an engine's type and reads them back: how the value tests prove
/// each mapping of docs/values.md both ways on a real server.
///
/// ```swift
/// try await ValueRoundTrip.withConnection(PostgresDriver(), url) { connection in
///     let back = try await ValueRoundTrip.run([SQLNumeric("1.50")], as: "numeric", on: connection)
/// }
/// ```
public enum ValueRoundTrip {
    /// A connection of `driver` to `url` for `body`, closed afterwards (also when `body` throws).
    public static func withConnection<D: Driver>(
        _ driver: D, _ url: ConnectionURL, _ body: (D.Connection) async throws -> Void
    ) async throws {
        let connection = try await driver.connect(to: url, logger: Logger(label: "poolkit.values"))
        do {
            try await body(connection)
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
    }

    /// Binds each value into a temporary table's column declared `type` (one statement per value),
    /// reads every row back as `T` in order, and drops the table.
    public static func run<T: SQLValueConvertible & SQLDecodable>(
        _ values: [T], as type: String, on connection: some DatabaseConnection
    ) async throws -> [T] {
        let table = "poolkit_values_\(UInt32.random(in: 0 ... .max))"
        try await connection.execute("CREATE TEMPORARY TABLE \(identifier: table) (position INTEGER, value \(unsafeSQL: type))")
        do {
            for (position, value) in values.enumerated() {
                try await connection.execute("INSERT INTO \(identifier: table) VALUES (\(position), \(value))")
            }
            let back = try await connection.query("SELECT value FROM \(identifier: table) ORDER BY position").decode(T.self)
            try await connection.execute("DROP TABLE \(identifier: table)")
            return back
        } catch {
            try? await connection.execute("DROP TABLE \(identifier: table)")
            throw error
        }
    }

    /// Instants at the ends of what the engines store (0001-01-01 00:00:00 and 9999-12-31 23:59:59
    /// UTC) and one with microseconds.
    public static let extremeMoments: [Date] = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return [
            calendar.date(from: DateComponents(year: 1, month: 1, day: 1))!,
            calendar.date(from: DateComponents(year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59))!,
            Date(timeIntervalSince1970: 1_700_000_000.123456),
        ]
    }()
}
