import Foundation
import PoolKitConformance
import PoolKitMariaDB
import Testing

/// A server whose default SQL mode changes what `SHOW CREATE` prints and how CHAR values read: the
/// backup must not depend on it. Runs on a server of its own (the mode is global).
@Suite(
    "MariaDB snapshot under a server's own SQL mode",
    .enabled(if: TestServers.shouldRun(.mariadb), Comment(rawValue: TestServers.skipReason(.mariadb))))
struct SnapshotServerModeTests {
    /// `ANSI_QUOTES` prints identifiers in double quotes, the `NO_*_OPTIONS` modes leave engines,
    /// key and column options out of `SHOW CREATE TABLE`, `PAD_CHAR_TO_FULL_LENGTH` pads CHAR values.
    static let hostileMode = "ANSI_QUOTES,NO_TABLE_OPTIONS,NO_KEY_OPTIONS,NO_FIELD_OPTIONS,PAD_CHAR_TO_FULL_LENGTH"

    @Test("the fixture round-trips exactly when the server's default sql_mode is ANSI_QUOTES and NO_*_OPTIONS")
    func serverDefaultModeDoesNotLeak() async throws {
        let server = try await PrivateTestServer.start(.mariadb)
        do {
            let base = try ConnectionURL(server.url)
            func database(_ name: String) throws -> ScratchDatabase {
                let text = server.url.replacingOccurrences(of: "/\(base.database ?? "")", with: "/\(name)")
                return ScratchDatabase(name: name, url: try ConnectionURL(text), urlText: text)
            }
            let source = try database("mode_src")
            let target = try database("mode_dst")
            let admin = try database(base.database ?? "")
            try await admin.withConnection { connection in
                try await connection.execute("CREATE DATABASE mode_src; CREATE DATABASE mode_dst; SET GLOBAL local_infile = 1")
            }
            try await SnapshotFixture.create(in: source)
            // New sessions (the backup's and the restore's) start in the hostile mode.
            try await admin.withConnection { try await $0.execute("SET GLOBAL sql_mode = '\(Self.hostileMode)'") }
            let (backup, _) = try await roundTripThroughFile(source, target, jobs: 2)
            let keyed = try #require(backup.manifest.objects.first { $0.kind == .table && $0.name == "keyed" }?.ddl)
            #expect(keyed.contains("ENGINE=InnoDB") && keyed.hasPrefix("CREATE TABLE `keyed`"), "\(keyed)")
            try await SnapshotRoundTripTests().expectSame(source, target)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
