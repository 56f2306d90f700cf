import Foundation
import PoolKitConformance
import PoolKitSQLite
import Testing

/// PoolKit's conformance kit against a real SQLite database file (WAL, so pooled readers and
/// writers coexist).
@Suite("SQLite conformance")
struct SQLiteConformanceTests {
    @Test(arguments: ConformanceCheck.all)
    func conformance(_ check: ConformanceCheck) async throws {
        try await withTemporaryDirectory { directory in
            let url = try ConnectionURL(sqliteURL(directory + "/conformance.db", "journal_mode=wal&busy_timeout=5s"))
            let context = ConformanceContext(
                url: url,
                registry: DriverRegistry([SQLiteDriver()]),
                longRunningStatement: endlessQuery)
            try await check.run(context)
        }
    }
}

/// The backup → restore round trip of the conformance kit, for both SQLite strategies.
@Suite("SQLite backup round trip conformance")
struct SQLiteBackupRoundTripTests {
    @Test(
        "odd identifiers and values survive backup and restore",
        arguments: ["pages", "logical"], [(1, BackupRoundTrip.Transport.file), (3, .file), (3, .pipe)])
    func roundTrip(strategy: String, run: (jobs: Int, transport: BackupRoundTrip.Transport)) async throws {
        let (jobs, transport) = run
        try await withTemporaryDirectory { directory in
            let context = BackupRoundTripContext(
                registry: DriverRegistry([SQLiteDriver()]),
                makeDatabase: { try ConnectionURL(sqliteURL(directory + "/\(UUID().uuidString).db", "mode=rwc")) },
                dropDatabase: { _ in },
                quote: { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" })
            try await BackupRoundTrip.run(context, strategy: strategy, jobs: jobs, transport: transport)
        }
    }
}
