import PoolKitConformance
import PoolKitMariaDB
import Testing

/// PoolKit's conformance kit against the real MariaDB test server.
@Suite(
    "MariaDB conformance",
    .enabled(if: TestServers.shouldRun(.mariadb), Comment(rawValue: TestServers.skipReason(.mariadb))))
struct MariaDBConformanceTests {
    @Test(arguments: ConformanceCheck.all)
    func conformance(_ check: ConformanceCheck) async throws {
        let text = try #require(TestServers.url(for: .mariadb), "\(TestServers.missingMessage(for: .mariadb))")
        let context = ConformanceContext(
            url: try ConnectionURL(text),
            registry: DriverRegistry([MariaDBDriver()]),
            longRunningStatement: "SELECT SLEEP(60)",
            sessionProbe: .init(change: "SET @poolkit_probe = 42", read: "SELECT @poolkit_probe", freshValue: nil))
        try await check.run(context)
    }
}
