import Foundation
import PoolKitConformance
import PoolKitMariaDB
import Testing

/// The conformance kit's backup → restore round trip, again and again at several job counts,
/// from a file and from a pipe, beside the other suites' work on the shared server.
/// `POOLKIT_STRESS_ROUNDS` sets the rounds per case (default 1, as in CI; the full run is 50).
@Suite(
    "MariaDB round trip stress",
    .enabled(if: TestServers.shouldRun(.mariadb), Comment(rawValue: TestServers.skipReason(.mariadb))))
struct MariaDBRoundTripStressTests {
    static let rounds = ProcessInfo.processInfo.environment["POOLKIT_STRESS_ROUNDS"].flatMap { Int($0) } ?? 1

    @Test("the round trip succeeds every time", arguments: [1, 2, 4], BackupRoundTrip.Transport.allCases)
    func repeatedRoundTrips(jobs: Int, transport: BackupRoundTrip.Transport) async throws {
        let context = MariaDBBackupRoundTripTests.context(prefix: "pk_stress")
        for round in 1...Self.rounds {
            do {
                try await BackupRoundTrip.run(context, strategy: "snapshot", jobs: jobs, transport: transport)
            } catch {
                Issue.record("round \(round) at --jobs \(jobs) via \(transport): \(error)")
            }
        }
    }
}
