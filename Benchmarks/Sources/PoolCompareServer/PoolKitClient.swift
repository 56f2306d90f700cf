import Logging
import PoolKit
import PoolKitPostgres

/// PoolKit's PostgreSQL driver behind a ``ConnectionPool`` of 8, with default settings otherwise.
final class PoolKitClient: QueryClient {
    let pool: ConnectionPool<DriverConnectionSource>
    private let runner: Task<Void, any Error>

    init(url: String, connections: Int) async throws {
        var configuration = PoolConfiguration()
        configuration.minConnections = connections
        configuration.maxConnections = connections
        let logger = Logger(label: "bench.poolkit") { _ in SwiftLogNoOpLogHandler() }
        let pool = try ConnectionPool(
            url: ConnectionURL(url), registry: DriverRegistry([PostgresDriver()]), configuration: configuration, logger: logger)
        self.pool = pool
        runner = Task { try await pool.run() }
        while pool.statistics.idle < connections { try await Task.sleep(for: .milliseconds(5)) }
    }

    func selectOne() async throws -> Int {
        try await pool.withConnection { connection in
            let rows = try await Self.postgres(connection).query("SELECT 1", [])
            guard let row = rows.first else { throw BenchmarkQueryError("SELECT 1 returned no row") }
            return try row.decode(Int.self, at: 0)
        }
    }

    func accountBalance(_ id: Int) async throws -> Int {
        try await pool.withConnection { connection in
            let rows = try await Self.postgres(connection).query(accountBalanceSQL, [.int(Int64(id))])
            guard let row = rows.first else { throw BenchmarkQueryError("no account \(id)") }
            return try row.decode(Int.self, at: 0)
        }
    }

    func shutdown() async {
        await pool.shutdown()
        _ = await runner.result
    }

    private static func postgres(_ connection: any DatabaseConnection) throws -> PostgresConnection {
        guard let connection = connection as? PostgresConnection else {
            throw BenchmarkQueryError("the pool lent a \(type(of: connection)), not a PostgreSQL connection")
        }
        return connection
    }
}
