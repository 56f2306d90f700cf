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
        let checks = QueryAPIChecks(driver: MariaDBDriver(), url: try ConnectionURL(text)) { count in
            // The Sequence engine's table of 1 … count.
            "SELECT seq AS x FROM \(identifier: "seq_1_to_\(count)")"
        }
        try await checks.run(check)
    }
}
