import PoolKitConformance
import PoolKitPostgres
import Testing

/// The application API (typed pool, bound interpolation, decoding, transactions) on the real
/// PostgreSQL test server.
@Suite(
    "Postgres query API",
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresQueryAPITests {
    @Test(arguments: QueryAPIChecks<PostgresDriver>.names)
    func queryAPI(_ check: String) async throws {
        let text = try #require(TestServers.url(for: .postgres), "\(TestServers.missingMessage(for: .postgres))")
        try await QueryAPIChecks(driver: PostgresDriver(), url: try ConnectionURL(text)).run(check)
    }
}
