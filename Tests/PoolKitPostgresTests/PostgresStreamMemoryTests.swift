import Foundation
import Logging
import PoolKitConformance
import PoolKitPostgres
import Testing

/// A result far larger than memory would hold as a whole reads in flat memory through a row stream.
///
/// It measures the whole test process's resident set, so it runs only in a process of its own
/// (`scripts/test.sh` runs it last, alone, with `POOLKIT_ISOLATED_MEMORY_TESTS=1`): beside the other
/// suites, their allocations counted as its own (278 MB once, under load).
@Suite(
    "PostgreSQL row stream memory",
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))),
    .enabled(
        if: ProcessInfo.processInfo.environment["POOLKIT_ISOLATED_MEMORY_TESTS"] == "1",
        "measures the process's memory: scripts/test.sh runs it alone, with POOLKIT_ISOLATED_MEMORY_TESTS=1"))
struct PostgresStreamMemoryTests {
    /// The process's resident set size in bytes (`/proc/self/statm`, second field, in pages).
    static func residentBytes() throws -> Int {
        let statm = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8)
        let pages = try #require(statm.split(separator: " ").dropFirst().first.flatMap { Int($0) })
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    @Test("10 million rows stream with the resident set flat between the first million and the last row")
    func tenMillionRows() async throws {
        let text = try #require(TestServers.url(for: .postgres), "\(TestServers.missingMessage(for: .postgres))")
        try await ValueRoundTrip.withConnection(PostgresDriver(), try ConnectionURL(text)) { connection in
            let total = 10_000_000
            var count = 0
            var sum = 0
            var afterFirstMillion = 0
            var highest = 0
            for try await row in connection.stream("SELECT g, 'row ' || g AS label FROM generate_series(1, \(total)) AS g") {
                let (value, _) = try row.decode((Int, String).self)
                count += 1
                sum &+= value
                if count == 1_000_000 { afterFirstMillion = try Self.residentBytes() }
                if count % 1_000_000 == 0 { highest = max(highest, try Self.residentBytes()) }
            }
            #expect(count == total)
            #expect(sum == total * (total + 1) / 2)
            // Held whole, 9 million more rows of two values would take well over a gigabyte; the
            // stream holds two batches.
            let growth = highest - afterFirstMillion
            #expect(growth < 256 << 20, "the resident set grew by \(growth >> 20) MiB while 9 million rows streamed")
            #expect(try await connection.query("SELECT \(1) AS one").scalar(Int.self) == 1)
        }
    }
}
