import PoolKitConformance
import PoolKitPostgres
import Testing

/// PoolKit's conformance kit against the real Postgres test server.
@Suite(
    "Postgres conformance",
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresConformanceTests {
    @Test(arguments: ConformanceCheck.all)
    func conformance(_ check: ConformanceCheck) async throws {
        let text = try #require(TestServers.url(for: .postgres), "\(TestServers.missingMessage(for: .postgres))")
        let context = ConformanceContext(
            url: try ConnectionURL(text),
            registry: DriverRegistry([PostgresDriver()]),
            longRunningStatement: "SELECT pg_sleep(60)",
            sessionProbe: .init(change: "SET statement_timeout = 1234", read: "SHOW statement_timeout", freshValue: "0"))
        try await check.run(context)
    }
}
