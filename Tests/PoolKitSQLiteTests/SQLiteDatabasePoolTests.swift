import PoolKitSQLite
import Synchronization
import Testing

/// The typed pool over SQLite: its hooks and leases see `SQLiteConnection` itself, the same
/// connection objects the URL pool underneath opened.
@Suite("SQLite DatabasePool")
struct SQLiteDatabasePoolTests {
    @Test("hooks, leases and withConnection lend the driver's own connections, the ones the pool opened")
    func typedConnections() async throws {
        try await withTemporaryDirectory { directory in
            let seen = SeenConnections()
            var hooks = PoolHooks<SQLiteConnection>()
            hooks.afterConnect = { connection in seen.state.withLock { $0.opened.append(ObjectIdentifier(connection)) } }
            hooks.afterRelease = { _ in seen.state.withLock { $0.released += 1 } }
            var configuration = PoolConfiguration()
            configuration.minConnections = 1
            configuration.maxConnections = 1
            let pool = try DatabasePool(
                driver: SQLiteDriver(), url: try ConnectionURL(sqliteURL(directory + "/typed.db")), configuration: configuration,
                hooks: hooks)
            try await pool.withRunning {
                let lease = try await pool.lease()
                let leased: SQLiteConnection = lease.connection
                await pool.release(lease)
                let borrowed = try await pool.withConnection { connection in ObjectIdentifier(connection) }
                #expect(seen.state.withLock { $0.opened } == [ObjectIdentifier(leased)])
                #expect(borrowed == ObjectIdentifier(leased))
                #expect(seen.state.withLock { $0.released } == 2)
                #expect(pool.statistics.leased == 0)
            }
        }
    }
}

/// What the hooks of ``SQLiteDatabasePoolTests`` saw.
final class SeenConnections: Sendable {
    let state = Mutex<(opened: [ObjectIdentifier], released: Int)>(([], 0))
}
