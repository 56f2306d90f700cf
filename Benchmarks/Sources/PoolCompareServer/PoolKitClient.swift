import Logging
import PoolKit
import PoolKitPostgres

/// PoolKit's PostgreSQL driver behind a pool of 8 typed by the driver (it lends
/// `PostgresConnection`), with default settings otherwise.
final class PoolKitClient: QueryClient {
    let pool: DatabasePool<PostgresDriver>
    private let runner: Task<Void, any Error>

    init(url: String, connections: Int) async throws {
        var configuration = PoolConfiguration()
        configuration.minConnections = connections
        configuration.maxConnections = connections
        let logger = Logger(label: "bench.poolkit") { _ in SwiftLogNoOpLogHandler() }
        let pool = try DatabasePool(driver: PostgresDriver(), url: ConnectionURL(url), configuration: configuration, logger: logger)
        self.pool = pool
        runner = Task { try await pool.run() }
        while pool.statistics.idle < connections { try await Task.sleep(for: .milliseconds(5)) }
    }

    func selectOne() async throws -> Int {
        try await pool.withConnection { connection in
            let rows = try await connection.query("SELECT 1", [])
            guard let row = rows.first else { throw BenchmarkQueryError("SELECT 1 returned no row") }
            return try row.decode(Int.self, at: 0)
        }
    }

    func accountBalance(_ id: Int) async throws -> Int {
        try await pool.withConnection { connection in
            let rows = try await connection.query(accountBalanceSQL, [.int(Int64(id))])
            guard let row = rows.first else { throw BenchmarkQueryError("no account \(id)") }
            return try row.decode(Int.self, at: 0)
        }
    }

    func shutdown() async {
        await pool.shutdown()
        _ = await runner.result
    }
}
