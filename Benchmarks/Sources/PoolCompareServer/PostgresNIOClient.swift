import Foundation
import Logging
import PostgresNIO

/// postgres-nio's `PostgresClient` (its own pool, 8 connections), with default settings
/// otherwise and TLS off as on the test server.
final class PostgresNIOClient: QueryClient {
    let client: PostgresClient
    private let runner: Task<Void, Never>

    init(url: String, connections: Int) async throws {
        guard let parts = URLComponents(string: url), let host = parts.host, let user = parts.user else {
            throw BenchmarkQueryError("cannot read host and user from the PostgreSQL URL")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: parts.port ?? 5432, username: user, password: parts.password,
            database: parts.path.isEmpty ? nil : String(parts.path.dropFirst()), tls: .disable)
        configuration.options.minimumConnections = connections
        configuration.options.maximumConnections = connections
        let client = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "bench.nio") { _ in SwiftLogNoOpLogHandler() })
        self.client = client
        runner = Task { await client.run() }
        // Open all connections before measuring, as the PoolKit client does.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<connections {
                group.addTask {
                    try await client.withConnection { _ in try await Task.sleep(for: .milliseconds(50)) }
                }
            }
            try await group.waitForAll()
        }
    }

    func selectOne() async throws -> Int {
        let rows = try await client.query("SELECT 1")
        for try await value in rows.decode(Int.self) { return value }
        throw BenchmarkQueryError("SELECT 1 returned no row")
    }

    func accountBalance(_ id: Int) async throws -> Int {
        let rows = try await client.query("SELECT abalance FROM pgbench_accounts WHERE aid = \(id)")
        for try await value in rows.decode(Int.self) { return value }
        throw BenchmarkQueryError("no account \(id)")
    }

    func shutdown() async {
        runner.cancel()
        await runner.value
    }
}
