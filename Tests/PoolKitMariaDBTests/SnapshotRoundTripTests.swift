import Foundation
import PoolKitConformance
import PoolKitMariaDB
import Testing

/// Backup → restore of the `snapshot` strategy against the real MariaDB test server, with
/// `mariadb-dump --no-data` and `CHECKSUM TABLE … EXTENDED` as the oracle.
@Suite(
    "MariaDB snapshot round trip", .serialized,
    .enabled(if: TestServers.shouldRun(.mariadb), Comment(rawValue: TestServers.skipReason(.mariadb))))
struct SnapshotRoundTripTests {
    /// Runs `body` with a source holding the fixture (unless `fixture` is false) and an empty
    /// target, dropping both after.
    func withDatabases(
        big: Bool = false, fixture: Bool = true, _ body: (ScratchDatabase, ScratchDatabase) async throws -> Void
    ) async throws {
        let source = try await ScratchDatabase.create("pk_src")
        let target = try await ScratchDatabase.create("pk_dst")
        do {
            if fixture { try await SnapshotFixture.create(in: source, big: big) }
            try await body(source, target)
        } catch {
            await source.drop()
            await target.drop()
            throw error
        }
        await source.drop()
        await target.drop()
    }

    func expectSame(_ source: ScratchDatabase, _ target: ScratchDatabase) async throws {
        let sourceFacts = try await source.tableFacts()
        let targetFacts = try await target.tableFacts()
        #expect(sourceFacts.count > 10)
        for (table, facts) in sourceFacts.sorted(by: { $0.key < $1.key }) {
            #expect(targetFacts[table] == facts, "table \(table)")
        }
        #expect(Set(targetFacts.keys) == Set(sourceFacts.keys))
        // What the latin1 routine and view return, byte for byte.
        let latin1 = "SELECT HEX(CONCAT(latin1_func('x'), '|', (SELECT GROUP_CONCAT(s ORDER BY id) FROM latin1_view)))"
        let sourceLatin1 = try await source.withConnection { try await $0.query(unsafeSQL: latin1).scalar }
        #expect(sourceLatin1 != nil)
        #expect(try await target.withConnection { try await $0.query(unsafeSQL: latin1).scalar } == sourceLatin1)
        try await expectFidelityCases(source, target)
        let sourceSchema = try await source.schemaDump()
        let targetSchema = try await target.schemaDump()
        if sourceSchema != targetSchema {
            let a = sourceSchema.split(separator: "\n", omittingEmptySubsequences: false)
            let b = targetSchema.split(separator: "\n", omittingEmptySubsequences: false)
            let firstDifference = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
            Issue.record(
                "mariadb-dump --no-data differs at line \(firstDifference + 1):\n source: \(firstDifference < a.count ? a[firstDifference] : "<end>")\n target: \(firstDifference < b.count ? b[firstDifference] : "<end>")"
            )
        }
    }

    @Test("every column type and object kind round-trips exactly through a file", arguments: [1, 4])
    func roundTripThroughFile(jobs: Int) async throws {
        try await withDatabases { source, target in
            let (backup, restore) = try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: jobs)
            #expect(backup.manifest.strategy == "snapshot")
            #expect(backup.manifest.options["lock_ms"] != nil)
            #expect(backup.manifest.options["non_transactional_tables"]?.contains("my_isam") == true)
            #expect(restore.rows == backup.archive.trailer.rows)
            // Secondary keys and foreign keys of InnoDB tables are added after the load.
            let objects = backup.manifest.objects
            let keyed = try #require(objects.first { $0.kind == .table && $0.name == "keyed" }?.ddl)
            #expect(!keyed.contains("KEY `ka`") && keyed.contains("FULLTEXT KEY `fd`") && keyed.contains("USING HASH"))
            #expect(objects.first { $0.kind == .index && $0.name == "keyed" }?.ddl?.contains("ADD KEY `ka`") == true)
            #expect(objects.contains { $0.kind == .constraint && $0.name == "fk_child" })
            #expect(objects.first { $0.kind == .table && $0.name == "my_isam" }?.ddl?.contains("FULLTEXT") == true)
            // Triggers and events lock the database's defaults (one may switch its collation while
            // created), so the restore never creates two at once.
            let defaults = try #require(objects.first { $0.kind.rawValue == "database-defaults" }?.id)
            for object in objects where object.kind == .trigger || object.kind.rawValue == "event" {
                #expect(object.locks?.exclusive.contains(defaults) == true, "\(object.kind) \(object.name)")
            }
            try await expectSame(source, target)
        }
    }

    @Test("large tables split along composite, text, binary and unsigned keys round-trip through a pipe", arguments: [1, 4, 8])
    func chunkedRoundTripThroughPipe(jobs: Int) async throws {
        try await withDatabases(big: true) { source, target in
            try await roundTripThroughPipe(source, target, jobs: jobs, chunkBytes: 1 << 20)
            try await expectSame(source, target)
        }
    }

    @Test("large tables are split into several key-range chunks, each row in exactly one")
    func largeTablesAreSplit() async throws {
        try await withDatabases(big: true) { source, target in
            var options = BackupOptions()
            options.targetChunkBytes = 1 << 20
            let (backup, _) = try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: 2, backup: options)
            let chunks = Dictionary(uniqueKeysWithValues: backup.manifest.tables.map { ($0.name, $0.chunks ?? 0) })
            #expect((chunks["big_composite"] ?? 0) > 1)
            #expect((chunks["big_int"] ?? 0) > 1)
            #expect((chunks["big_binary"] ?? 0) > 1)
            #expect((chunks["big_warnings"] ?? 0) > 1)
            // Tables whose engine holds no rows of their own are listed without chunks.
            #expect(chunks["merge_last"] == 0 && chunks["black_hole"] == 0)
            try await expectSame(source, target)
        }
    }

    @Test("keys_in_create=true keeps every key and foreign key inside CREATE TABLE, and restores the same database")
    func keysInCreateTable() async throws {
        try await withDatabases { source, target in
            let option = "?keys_in_create=true"
            let inline = ScratchDatabase(name: source.name, url: try ConnectionURL(source.urlText + option), urlText: source.urlText + option)
            let (backup, _) = try await PoolKitMariaDBTests.roundTripThroughFile(inline, target, jobs: 2)
            let objects = backup.manifest.objects
            #expect(!objects.contains { $0.kind == .index || $0.kind == .constraint })
            let keyed = try #require(objects.first { $0.kind == .table && $0.name == "keyed" }?.ddl, "\(objects.filter { $0.kind == .table }.map(\.name))")
            #expect(keyed.contains("KEY `ka`"))
            #expect(objects.first { $0.kind == .table && $0.name == "fk_child" }?.ddl?.contains("FOREIGN KEY") == true)
            try await expectSame(source, target)
        }
    }

    @Test("a target that already has the archive's tables is refused, and --clean replaces them")
    func conflictsAndClean() async throws {
        try await withDatabases { source, target in
            try await target.withConnection { try await $0.execute(unsafeSQL: "CREATE TABLE ints (x INT); CREATE VIEW v_top AS SELECT 1 AS one") }
            await #expect(throws: PoolKitError.self) {
                try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: 2)
            }
            do {
                try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: 2)
            } catch let error as PoolKitError {
                #expect(error.code == .restoreConflict)
                #expect(error.message.contains("'ints'"))
                #expect(error.message.contains("'v_top'"))
            }
            var clean = RestoreOptions()
            clean.clean = true
            try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: 2, restore: clean)
            try await expectSame(source, target)
        }
    }

    @Test("--clean over a full restore drops and recreates everything, packages and cp1251 events included", arguments: [1, 4])
    func cleanOverFullRestore(jobs: Int) async throws {
        try await withDatabases { source, target in
            try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: jobs)
            var clean = RestoreOptions()
            clean.clean = true
            try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: jobs, restore: clean)
            try await expectSame(source, target)
        }
    }

    @Test("--table restores the named fidelity cases alone, each as in the source")
    func singleTableFidelityCases() async throws {
        try await withDatabases { source, target in
            var options = RestoreOptions()
            options.includeTables = ["load_warnings", "trx_versioned", "all_generated", "black_hole", "fk_gone_b_child"]
            try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: 4, restore: options)
            let sourceFacts = try await source.tableFacts()
            let targetFacts = try await target.tableFacts()
            #expect(Set(targetFacts.keys) == Set(options.includeTables))
            for table in options.includeTables { #expect(targetFacts[table] == sourceFacts[table], "table \(table)") }
            // Routines, packages and events belong to no table and are kept; triggers of the
            // restored tables only.
            let kept = """
                SELECT (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()),
                  (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()),
                  (SELECT GROUP_CONCAT(TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE())
                """
            #expect(try await target.withConnection { try await $0.query(unsafeSQL: kept).rows.first } == ["6", "10", nil])
        }
    }

    @Test("what the backup does not carry is listed in the manifest, and --strict refuses it")
    func notCarriedIsSaid() async throws {
        try await withDatabases { source, target in
            let (backup, _) = try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: 2)
            // Transaction-id history only: a MERGE table's rows travel with its MyISAM tables,
            // BLACKHOLE keeps none, and everything else is carried.
            #expect(backup.manifest.omitted.map(\.description) == [
                "history trx_versioned: system versioning by transaction id (trx_start): only the current rows are carried, the history rows are not"
            ])
            var strict = BackupOptions()
            strict.strict = true
            do {
                try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: 2, backup: strict)
                Issue.record("--strict backed up a database whose history it cannot carry")
            } catch let error as PoolKitError {
                #expect(error.code == .notCarried)
                #expect(error.message.contains("trx_versioned"))
            }
        }
    }

    @Test("--schema-only then --data-only restore the same database")
    func schemaOnlyThenDataOnly() async throws {
        try await withDatabases { source, target in
            var schemaOnly = RestoreOptions()
            schemaOnly.schemaOnly = true
            let (_, first) = try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: 2, restore: schemaOnly)
            #expect(first.rows == 0)
            #expect(try await target.withConnection { try await $0.query(unsafeSQL: "SELECT COUNT(*) FROM ints").scalar } == "0")
            var dataOnly = RestoreOptions()
            dataOnly.dataOnly = true
            try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: 2, restore: dataOnly)
            // The triggers are off while the rows load: gen's BEFORE INSERT triggers would turn its
            // NULL into -1 and its hidden 3 into 9, texts_audit would add rows to no_key.
            #expect(try await target.withConnection { try await $0.query(unsafeSQL: "SELECT a FROM gen WHERE id = 3").scalar } == nil)
            // …and back afterwards, the same and in the same order (the schema dumps agree).
            try await expectSame(source, target)
            try await target.withConnection { try await $0.execute(unsafeSQL: "INSERT INTO gen (id, a) VALUES (100, NULL)") }
            #expect(
                try await target.withConnection { try await $0.query(unsafeSQL: "SELECT CONCAT(a, '/', hidden) FROM gen WHERE id = 100").scalar }
                    == "-1/9")
        }
    }

    @Test("--data-only with --single-transaction leaves the triggers as they were, also when the load fails")
    func dataOnlyTriggersComeBack() async throws {
        try await withDatabases { source, target in
            var schemaOnly = RestoreOptions()
            schemaOnly.schemaOnly = true
            try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: 1, restore: schemaOnly)
            let triggers = {
                try await target.withConnection { connection in
                    try await connection.query(unsafeSQL:
                        "SELECT GROUP_CONCAT(TRIGGER_NAME ORDER BY EVENT_OBJECT_TABLE, ACTION_ORDER) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"
                    ).scalar
                }
            }
            let before = try await triggers()
            #expect(before == "db_collation_trig,gen_before_insert,gen_before_insert_2,latin1_trig,texts_audit")
            // A row that is already there makes the load of gen fail (duplicate key).
            try await target.withConnection { try await $0.execute(unsafeSQL: "INSERT INTO gen (id, a) VALUES (1, 5)") }
            var dataOnly = RestoreOptions()
            dataOnly.dataOnly = true
            dataOnly.singleTransaction = true
            await #expect(throws: PoolKitError.self) {
                try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: 1, restore: dataOnly)
            }
            #expect(try await triggers() == before)
            // The rolled-back load left the rows of the non-transactional tables it had loaded.
            try await target.withConnection { try await $0.execute(unsafeSQL: "DELETE FROM gen; DELETE FROM an_aria; DELETE FROM my_isam") }
            try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: 1, restore: dataOnly)
            #expect(try await triggers() == before)
            try await expectSame(source, target)
        }
    }

    @Test("no_lock=true backs up without the global lock on one connection, and refuses more jobs")
    func withoutLock() async throws {
        try await withDatabases { source, target in
            let unlocked = ScratchDatabase(
                name: source.name, url: try ConnectionURL(source.urlText + "?no_lock=true"), urlText: source.urlText + "?no_lock=true")
            do {
                try await PoolKitMariaDBTests.roundTripThroughFile(unlocked, target, jobs: 2)
                Issue.record("a no_lock backup with 2 jobs was accepted")
            } catch let error as PoolKitError {
                #expect(error.code == .usage)
                #expect(error.message.contains("--jobs 1"))
            }
            let (backup, _) = try await PoolKitMariaDBTests.roundTripThroughFile(unlocked, target, jobs: 1)
            #expect(backup.manifest.options["lock"]?.hasPrefix("none") == true)
            #expect(backup.manifest.options["lock_ms"] == nil)
            try await expectSame(source, target)
        }
    }

    @Test("a load whose warnings changed a value fails, naming the table, the column and the row")
    func truncationFailsTheLoad() async throws {
        try await withDatabases { source, target in
            var schemaOnly = RestoreOptions()
            schemaOnly.schemaOnly = true
            try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: 1, restore: schemaOnly)
            try await target.withConnection { try await $0.execute(unsafeSQL: "DROP VIEW v_joined; ALTER TABLE texts MODIFY l1 VARCHAR(3) CHARACTER SET latin1") }
            var dataOnly = RestoreOptions()
            dataOnly.dataOnly = true
            dataOnly.includeTables = ["texts"]
            do {
                try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: 1, restore: dataOnly)
                Issue.record("a truncating load was reported as a success")
            } catch let error as PoolKitError {
                // The table, and the warning that names the column and the row.
                #expect(error.message.contains("table 'texts' changed values"), "\(error.message)")
                #expect(error.message.contains("column 'l1' at row"), "\(error.message)")
            }
        }
    }

    /// SHOW CREATE TABLE and information_schema print a member without a Unicode mapping as '?'
    /// (mariadb-dump's copy has the same wrong member); the value loads as the error value, and the
    /// restore must say so instead of passing.
    @Test("a big5 ENUM member with no Unicode mapping fails the restore, naming the table, the column and the row")
    func unmappableEnumMemberFails() async throws {
        try await withDatabases(fixture: false) { source, target in
            let script: [UInt8] =
                Array("CREATE TABLE b5 (id INT PRIMARY KEY, e ENUM('a', '".utf8) + [0xC8, 0x79]
                + Array("') CHARACTER SET big5);\nINSERT INTO b5 VALUES (1, 'a'), (2, '".utf8) + [0xC8, 0x79] + Array("');\n".utf8)
            try await source.runClient(script, characterSet: "big5")
            do {
                try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: 1)
                Issue.record("a restore that turned a big5 ENUM value into the error value passed")
            } catch let error as PoolKitError {
                #expect(error.message.contains("table 'b5' changed values"), "\(error.message)")
                #expect(error.message.contains("column 'e' at row 2"), "\(error.message)")
            }
        }
    }

    @Test("a FEDERATED table carries its definition, never rows: the remote table is not written to, and the backup says so")
    func federatedCarriesNoRows() async throws {
        try await withDatabases(fixture: false) { source, target in
            let server = "pk_fed_\(source.name)"
            func literal(_ text: String) -> String {
                "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
            }
            try await source.withConnection { connection in
                let loaded = try await connection.query(unsafeSQL:
                    "SELECT COUNT(*) FROM information_schema.ENGINES WHERE ENGINE = 'FEDERATED' AND SUPPORT IN ('YES', 'DEFAULT')"
                ).scalar
                if loaded == "0" { try await connection.execute(unsafeSQL: "INSTALL SONAME 'ha_federatedx'") }
                try await connection.execute(unsafeSQL:
                    """
                    CREATE SERVER `\(server)` FOREIGN DATA WRAPPER mysql OPTIONS (HOST '127.0.0.1', PORT \(source.url.port ?? 3306),
                      USER \(literal(source.url.user ?? "")), PASSWORD \(literal(source.url.password ?? "")), DATABASE \(literal(source.name)));
                    CREATE TABLE remote_rows (id INT PRIMARY KEY, v VARCHAR(10));
                    INSERT INTO remote_rows VALUES (1, 'one'), (2, 'two');
                    CREATE TABLE fed (id INT PRIMARY KEY, v VARCHAR(10)) ENGINE = FEDERATED CONNECTION = '\(server)/remote_rows'
                    """)
            }
            do {
                let (backup, _) = try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: 2)
                #expect(backup.manifest.omitted.map { "\($0.kind) \($0.name)" } == ["rows fed"])
                #expect(backup.manifest.tables.first { $0.name == "fed" }?.chunks == 0)
                // The target's FEDERATED table points at the source's table, which got no rows.
                let count = "SELECT (SELECT COUNT(*) FROM remote_rows), (SELECT COUNT(*) FROM fed)"
                #expect(try await source.withConnection { try await $0.query(unsafeSQL: count).rows.first } == ["2", "2"])
                #expect(try await target.withConnection { try await $0.query(unsafeSQL: count).rows.first } == ["2", "2"])
                let sourceSchema = try await source.schemaDump()
                let targetSchema = try await target.schemaDump()
                #expect(sourceSchema == targetSchema)
            } catch {
                try? await source.withConnection { try await $0.execute(unsafeSQL: "DROP SERVER IF EXISTS `\(server)`") }
                throw error
            }
            try await source.withConnection { try await $0.execute(unsafeSQL: "DROP SERVER IF EXISTS `\(server)`") }
        }
    }

    @Test("outside a restore's own load, the client refuses a server's request for a local file")
    func localFilesAreRefused() async throws {
        try await withDatabases { source, _ in
            try await source.withConnection { connection in
                try await connection.execute(unsafeSQL: "CREATE TABLE file_lines (line TEXT)")
                await #expect(throws: PoolKitError.self) {
                    try await connection.execute(unsafeSQL: "LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE file_lines")
                }
                #expect(try await connection.query(unsafeSQL: "SELECT COUNT(*) FROM file_lines").scalar == "0")
            }
        }
    }

    @Test("--no-owner creates views, routines, triggers and events as the restoring user")
    func noOwner() async throws {
        try await withDatabases { source, target in
            try await source.withConnection { connection in
                try await connection.execute(unsafeSQL:
                    """
                    CREATE DEFINER = `pk_someone_else`@`%` FUNCTION other_owner() RETURNS INT RETURN 1;
                    CREATE DEFINER = `pk_someone_else`@`%` VIEW v_other AS SELECT 1 AS one
                    """)
                // SHOW CREATE prints an Oracle-mode package's definer in double quotes.
                try await connection.execute(unsafeSQL: "SET SESSION sql_mode = 'ORACLE'")
                try await connection.execute(unsafeSQL: #"CREATE DEFINER = "pk_someone_else"@"%" PACKAGE other_pkg AS FUNCTION f RETURN INT; END"#)
                try await connection.execute(unsafeSQL: "SET SESSION sql_mode = DEFAULT")
            }
            var options = RestoreOptions()
            options.noOwner = true
            try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: 2, restore: options)
            let definers = try await target.withConnection { connection in
                try await connection.query(unsafeSQL:
                    """
                    SELECT DEFINER FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()
                    UNION SELECT DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()
                    UNION SELECT DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
                    UNION SELECT DEFINER FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()
                    """
                ).rows.compactMap { $0[0] }
            }
            let me = try await target.withConnection { try await $0.query(unsafeSQL: "SELECT CURRENT_USER()").scalar }
            #expect(definers == [me])
        }
    }

    @Test("--single-transaction loads every row on one connection and restores the same database")
    func singleTransaction() async throws {
        try await withDatabases { source, target in
            var options = RestoreOptions()
            options.singleTransaction = true
            try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: 1, restore: options)
            try await expectSame(source, target)
        }
    }

    @Test("--exclude-table leaves out the table and the views that read it, and keeps the rest")
    func excludeTable() async throws {
        try await withDatabases { source, target in
            var options = BackupOptions()
            options.excludeTables = ["gen"]
            try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: 2, backup: options)
            let relations = try await target.withConnection {
                try await $0.query(unsafeSQL: "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()").rows.compactMap { $0[0] }
            }
            #expect(!relations.contains("gen"))
            #expect(!relations.contains("v_base") && !relations.contains("v_top") && !relations.contains("v_joined"))
            #expect(relations.contains("texts") && relations.contains("v_func"))
            let routines = try await target.withConnection {
                try await $0.query(unsafeSQL: "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()").scalar
            }
            // 4 functions and procedures, the Oracle-mode package and its body, a procedure of that
            // mode, two created under another database default, one by a cp1251 client.
            #expect(routines == "10")
        }
    }

    /// Sequences, routines and events belong to no table: `--table` keeps them.
    @Test("--table restores only the named table, without the views and triggers of other tables")
    func singleTable() async throws {
        try await withDatabases { source, target in
            var options = RestoreOptions()
            options.includeTables = ["texts"]
            try await PoolKitMariaDBTests.roundTripThroughFile(source, target, jobs: 2, restore: options)
            let tables = try await target.withConnection {
                try await $0.query(unsafeSQL:
                    "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE <> 'SEQUENCE'"
                ).rows.compactMap { $0[0] }
            }
            #expect(tables == ["texts"])
            #expect(try await target.tableFacts()["texts"] == (try await source.tableFacts())["texts"])
        }
    }
}

/// The backup → restore round trip of the conformance kit, on the `snapshot` strategy.
@Suite(
    "MariaDB backup round trip conformance",
    .enabled(if: TestServers.shouldRun(.mariadb), Comment(rawValue: TestServers.skipReason(.mariadb))))
struct MariaDBBackupRoundTripTests {
    @Test(
        "odd identifiers and values survive backup and restore",
        arguments: [(1, BackupRoundTrip.Transport.file), (3, .file), (3, .pipe)])
    func roundTrip(run: (jobs: Int, transport: BackupRoundTrip.Transport)) async throws {
        try await BackupRoundTrip.run(Self.context(prefix: "pk_conf"), strategy: "snapshot", jobs: run.jobs, transport: run.transport)
    }

    /// The round trip's context on the shared server: scratch databases named `prefix_…`.
    static func context(prefix: String) -> BackupRoundTripContext {
        var context = BackupRoundTripContext(
            registry: mariadbRegistry,
            makeDatabase: { try await ScratchDatabase.create(prefix).url },
            dropDatabase: { url in
                if let name = url.database {
                    try await ScratchDatabase.serverConnection { try await $0.execute(unsafeSQL: "DROP DATABASE IF EXISTS `\(name)`") }
                }
            },
            quote: { "`" + $0.replacingOccurrences(of: "`", with: "``") + "`" })
        context.integerType = "INT"
        return context
    }
}
