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
