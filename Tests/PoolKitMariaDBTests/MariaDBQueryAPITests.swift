import PoolKitConformance
import PoolKitMariaDB
import Testing

/// The application API (typed pool, bound interpolation, decoding, transactions) on the real
/// MariaDB test server.
@Suite(
    "MariaDB query API",
    .enabled(if: TestServers.shouldRun(.mariadb), Comment(rawValue: TestServers.skipReason(.mariadb))))
struct MariaDBQueryAPITests {
    @Test(arguments: QueryAPIChecks<MariaDBDriver>.names)
    func queryAPI(_ check: String) async throws {
        let text = try #require(TestServers.url(for: .mariadb), "\(TestServers.missingMessage(for: .mariadb))")
        try await QueryAPIChecks(driver: MariaDBDriver(), url: try ConnectionURL(text)).run(check)
    }
}
