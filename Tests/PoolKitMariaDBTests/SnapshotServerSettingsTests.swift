import Foundation
import PoolKitConformance
import PoolKitMariaDB
import Testing

/// Servers whose settings differ from the shared test server's: each test runs on a server of its
/// own (the settings are global, or fixed when the data directory is made).
@Suite(
    "MariaDB snapshot on servers with settings of their own",
    .enabled(if: TestServers.shouldRun(.mariadb), Comment(rawValue: TestServers.skipReason(.mariadb))))
struct SnapshotServerSettingsTests {
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
                try await connection.execute(unsafeSQL: "CREATE DATABASE mode_src; CREATE DATABASE mode_dst; SET GLOBAL local_infile = 1")
            }
            try await SnapshotFixture.create(in: source)
            // New sessions (the backup's and the restore's) start in the hostile mode.
            try await admin.withConnection { try await $0.execute(unsafeSQL: "SET GLOBAL sql_mode = '\(Self.hostileMode)'") }
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

    /// Such a target stores table names in lower case: the conflict check and `--clean` must find
    /// `MixedCase` as `mixedcase`.
    @Test("a restore into a lower_case_table_names=1 server loads everything, refuses a second time, and --clean replaces it")
    func lowerCaseTableNamesTarget() async throws {
        let server = try await PrivateTestServer.start(.mariadb, serverOptions: ["--lower-case-table-names=1"])
        do {
            let base = try ConnectionURL(server.url)
            let text = server.url.replacingOccurrences(of: "/\(base.database ?? "")", with: "/lc_dst")
            let target = ScratchDatabase(name: "lc_dst", url: try ConnectionURL(text), urlText: text)
            try await ScratchDatabase(name: base.database ?? "", url: base, urlText: server.url).withConnection {
                try await $0.execute(unsafeSQL: "CREATE DATABASE lc_dst")
            }
            try await SnapshotRoundTripTests().withDatabases(fixture: false) { source, _ in
                try await source.withConnection { connection in
                    try await connection.execute(unsafeSQL:
                        """
                        CREATE TABLE `MixedCase` (id INT PRIMARY KEY, v INT, KEY kv (v));
                        INSERT INTO `MixedCase` VALUES (1, 10), (2, 20);
                        CREATE TABLE `Child` (id INT PRIMARY KEY, mid INT, CONSTRAINT fk_mc FOREIGN KEY (mid) REFERENCES `MixedCase` (id));
                        INSERT INTO `Child` VALUES (1, 2);
                        CREATE VIEW `View_One` AS SELECT id, v FROM `MixedCase`;
                        CREATE TRIGGER `Trg_Child` BEFORE INSERT ON `Child` FOR EACH ROW SET NEW.mid = NEW.mid;
                        CREATE PROCEDURE `Proc_One`() SELECT 1;
                        CREATE EVENT `Event_One` ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO SELECT 1
                        """)
                }
                try await roundTripThroughFile(source, target, jobs: 2)
                let facts = "SELECT (SELECT GROUP_CONCAT(CONCAT(id, ':', v)) FROM mixedcase), (SELECT mid FROM child), (SELECT COUNT(*) FROM view_one)"
                #expect(try await target.withConnection { try await $0.query(unsafeSQL: facts).rows.first } == ["1:10,2:20", "2", "2"])
                do {
                    try await roundTripThroughFile(source, target, jobs: 2)
                    Issue.record("a second restore into the same lower_case_table_names=1 database was not refused")
                } catch let error as PoolKitError {
                    #expect(error.code == .restoreConflict)
                    #expect(error.message.contains("table 'mixedcase'") && error.message.contains("procedure 'Proc_One'"), "\(error.message)")
                }
                var clean = RestoreOptions()
                clean.clean = true
                try await roundTripThroughFile(source, target, jobs: 2, restore: clean)
                #expect(try await target.withConnection { try await $0.query(unsafeSQL: facts).rows.first } == ["1:10,2:20", "2", "2"])
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
