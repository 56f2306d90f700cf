import PoolKitConformance
import PoolKitSQLite
import Testing

/// The application API (typed pool, bound interpolation, decoding, transactions) on a real SQLite
/// database file in WAL mode.
@Suite("SQLite query API")
struct SQLiteQueryAPITests {
    @Test(arguments: QueryAPIChecks<SQLiteDriver>.names)
    func queryAPI(_ check: String) async throws {
        try await withTemporaryDirectory { directory in
            let url = try ConnectionURL(sqliteURL(directory + "/api.db", "journal_mode=wal&busy_timeout=5s"))
            try await QueryAPIChecks(driver: SQLiteDriver(), url: url).run(check)
        }
    }
}
