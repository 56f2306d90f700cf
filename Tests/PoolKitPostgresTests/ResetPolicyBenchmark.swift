import Foundation
import Logging
import PoolKit
import PoolKitConformance
import PoolKitPostgres
import Testing

/// Queries per second with each reset policy, against the real servers. Not a timed test: it
/// asserts nothing about time and runs only with `POOLKIT_BENCH=1`; it prints its figures.
///
/// ```
/// POOLKIT_BENCH=1 swift test --filter ResetPolicyBenchmark
/// ```
@Suite(
    "Reset policy benchmark", .serialized,
    .enabled(if: ProcessInfo.processInfo.environment["POOLKIT_BENCH"] == "1" && TestServers.url(for: .postgres) != nil))
struct ResetPolicyBenchmark {
    let logger = Logger(label: "poolkit.bench")

    func url(_ engine: TestServers.Engine) throws -> ConnectionURL {
        try ConnectionURL(try #require(TestServers.url(for: engine)))
    }

    func rate(_ count: Int, _ body: () async throws -> Void) async rethrows -> Int {
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        return Int(Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
    }

    func direct(_ engine: TestServers.Engine, driver: any Driver, reset: SessionResetPolicy?) async throws -> Int {
        let connection = try await driver.connect(to: url(engine), logger: logger)
        let count = 5_000
        let result = try await rate(count) {
            for _ in 0..<count {
                _ = try await connection.query(unsafeSQL: "SELECT 1")
                if let reset { try await connection.resetSession(reset) }
            }
        }
        await connection.close()
        return result
    }

    func pooled(_ engine: TestServers.Engine, driver: any Driver, tasks: Int, connections: Int, policy: SessionResetPolicy) async throws -> Int {
        var configuration = PoolConfiguration()
        configuration.maxConnections = connections
        configuration.minConnections = connections
        configuration.resetPolicy = policy
        let pool = try ConnectionPool(url: url(engine), registry: DriverRegistry([driver]), configuration: configuration, logger: logger)
        let perTask = 20_000 / tasks
        return try await pool.withRunning {
            // Warm up: open every connection.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<connections { group.addTask { try await pool.withConnection { _ = try await $0.query(unsafeSQL: "SELECT 1") } } }
                try await group.waitForAll()
            }
            return try await rate(perTask * tasks) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<tasks {
                        group.addTask {
                            for _ in 0..<perTask { try await pool.withConnection { _ = try await $0.query(unsafeSQL: "SELECT 1") } }
                        }
                    }
                    try await group.waitForAll()
                }
            }
        }
    }

    func directParallel(_ engine: TestServers.Engine, driver: any Driver, connections: Int) async throws -> Int {
        var opened: [any DatabaseConnection] = []
        for _ in 0..<connections { opened.append(try await driver.connect(to: url(engine), logger: logger)) }
        let perTask = 20_000 / connections
        let result = try await rate(perTask * connections) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for connection in opened {
                    group.addTask { for _ in 0..<perTask { _ = try await connection.query(unsafeSQL: "SELECT 1") } }
                }
                try await group.waitForAll()
            }
        }
        for connection in opened { await connection.close() }
        return result
    }

    @Test("PostgreSQL SELECT 1 per second: direct, with each reset, and pooled with each policy")
    func selectOne() async throws {
        let engine = TestServers.Engine.postgres
        let driver = PostgresDriver()
        var lines = ["\(engine.displayName) SELECT 1 queries/s"]
        lines.append("  1 direct connection, no reset:            \(try await direct(engine, driver: driver, reset: nil))")
        lines.append("  1 direct connection, full reset each:     \(try await direct(engine, driver: driver, reset: .always))")
        lines.append("  1 direct connection, whenDirty reset each: \(try await direct(engine, driver: driver, reset: .whenDirty))")
        lines.append("  8 direct connections, 8 tasks:            \(try await directParallel(engine, driver: driver, connections: 8))")
        for policy in [SessionResetPolicy.always, .whenDirty] {
            lines.append("  pool 32 tasks on 8 connections, \(policy): \(try await pooled(engine, driver: driver, tasks: 32, connections: 8, policy: policy))")
        }
        print(lines.joined(separator: "\n"))
    }
}
