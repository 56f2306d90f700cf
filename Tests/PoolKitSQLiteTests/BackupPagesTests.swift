import Foundation
import PoolKitSQLite
import Testing

@Suite("SQLite pages backup and restore")
struct BackupPagesTests {
    private static func smallChunks() -> BackupOptions {
        var options = BackupOptions()
        options.targetChunkBytes = 64 << 10
        return options
    }

    @Test("without WAL, the file itself is streamed in parallel ranges and restored byte for byte")
    func rollbackJournalCopy() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            let target = directory + "/target.db"
            try await BackupFixture.create(source, BackupFixture.full(bigValues: false) + "DELETE FROM log;")  // free pages too
            let archive = try await runBackup(source, strategy: "pages", options: Self.smallChunks(), jobs: 3)
            #expect(archive.catalog.properties["copy_method"] == "file")
            #expect(archive.catalog.properties["page_size"] == "8192")
            #expect(archive.catalog.properties["user_version"] == "42")
            #expect(archive.catalog.properties["journal_mode"] == "delete")
            let blob = try #require(archive.catalog.blobs.first)
            #expect(blob.encoding == .sqliteDatabase && blob.name == "main")
            #expect((blob.chunks ?? 0) > 1)
            #expect(blob.size == UInt64(try fileBytes(source).count))
            #expect(archive.rows.values.allSatisfy { $0 == 0 })

            try await runRestore(archive, into: target, jobs: 3)
            #expect(try databasePages(target) == (try databasePages(source)))
            #expect(try await scalar(target, "PRAGMA integrity_check") == "ok")
            for query in ftsQueries {
                #expect(try await rows(target, query) == (try await rows(source, query)))
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["source.db", "target.db"])
        }
    }

    @Test("in WAL mode, a checkpoint after the snapshot began proves the file is the snapshot: it is streamed directly")
    func walCheckpointedCopy() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            let target = directory + "/target.db"
            try await BackupFixture.create(source, BackupFixture.full(bigValues: false), journalMode: "wal")
            let writer = try await connect(source)
            try await writer.execute(unsafeSQL: "INSERT INTO plain VALUES ('wal frame', 9); UPDATE \"every class\" SET t = 'changed' WHERE id = 1")
            #expect(try FileManager.default.attributesOfItem(atPath: source + "-wal")[.size] as? Int ?? 0 > 0)

            let archive = try await runBackup(source, strategy: "pages", options: Self.smallChunks(), jobs: 2)
            #expect(archive.catalog.properties["copy_method"] == "file")
            #expect(archive.catalog.properties["journal_mode"] == "wal")
            try await runRestore(archive, into: target)

            try await writer.execute(unsafeSQL: "PRAGMA wal_checkpoint(TRUNCATE)")
            await writer.close()
            #expect(try databasePages(target) == (try databasePages(source)))
            #expect(try await scalar(target, "PRAGMA journal_mode") == "wal")
            #expect(try await scalar(target, "SELECT t FROM \"every class\" WHERE id = 1") == "changed")
        }
    }

    @Test("in WAL mode, when an older reader keeps frames out of the file, the online backup API copies the snapshot; later commits stay out")
    func walBackupAPICopy() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            let target = directory + "/target.db"
            try await BackupFixture.create(source, BackupFixture.full(bigValues: false), journalMode: "wal")
            let reader = try await connect(source)
            try await reader.execute(unsafeSQL: "BEGIN; SELECT count(*) FROM plain")  // pins an old snapshot
            let writer = try await connect(source)
            try await writer.execute(unsafeSQL: "INSERT INTO plain VALUES ('after the reader', 10)")
            let expected = try await databaseFacts(source)
            let schemaVersion = try await scalar(source, "PRAGMA schema_version")

            let archive = try await runBackup(
                source, strategy: "pages", options: Self.smallChunks(), jobs: 2,
                afterJoin: { try await writer.execute(unsafeSQL: "INSERT INTO plain VALUES ('after the backup began', 11); CREATE TABLE later(x)") })
            #expect(archive.catalog.properties["copy_method"] == "backup-api")
            try await runRestore(archive, into: target, payloadSize: 1 << 20)
            try await reader.execute(unsafeSQL: "COMMIT")
            await reader.close()
            await writer.close()

            #expect(try await databaseFacts(target) == expected)
            #expect(try await scalar(target, "PRAGMA schema_version") == schemaVersion)
            #expect(try await scalar(target, "PRAGMA integrity_check") == "ok")
            #expect(try await scalar(target, "SELECT count(*) FROM plain WHERE y >= 11") == "0")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)
                .filter { $0.hasPrefix(".poolkit-sqlite-copy") }
            #expect(leftovers.isEmpty, "the temporary copy is removed when the backup ends")
        }
    }

    @Test("an in-memory database is copied with the online backup API; an empty one restores as an empty database")
    func inMemorySource() async throws {
        try await withTemporaryDirectory { directory in
            let filled = try await runBackup(
                ":memory:", strategy: "pages", jobs: 1,
                setup: { try await $0.execute(unsafeSQL: "PRAGMA user_version = 5; CREATE TABLE t(x); INSERT INTO t VALUES ('in memory')") })
            #expect(filled.catalog.properties["copy_method"] == "backup-api")
            let target = directory + "/from-memory.db"
            try await runRestore(filled, into: target)
            #expect(try await scalar(target, "SELECT x FROM t") == "in memory")
            #expect(try await scalar(target, "PRAGMA user_version") == "5")

            let empty = try await runBackup(":memory:", strategy: "pages", jobs: 1)
            #expect(empty.catalog.blobs.first?.size == 0 && empty.catalog.blobs.first?.chunks == 1)
            let emptyTarget = directory + "/empty.db"
            try await runRestore(empty, into: emptyTarget)
            #expect(try await scalar(emptyTarget, "SELECT count(*) FROM sqlite_schema") == "0")
        }
    }

    @Test("a UTF-16le database is copied byte for byte")
    func utf16() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/utf16.db"
            let target = directory + "/target.db"
            try await BackupFixture.create(source, BackupFixture.utf16)
            let archive = try await runBackup(source, strategy: "pages", jobs: 2)
            try await runRestore(archive, into: target)
            #expect(try databasePages(target) == (try databasePages(source)))
            #expect(try await scalar(target, "PRAGMA encoding") == "UTF-16le")
        }
    }

    @Test("a pages restore into a database that has tables fails naming them; --clean replaces the whole file")
    func conflictAndClean() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            let target = directory + "/target.db"
            try await BackupFixture.create(source, BackupFixture.utf16)
            let archive = try await runBackup(source, strategy: "pages", jobs: 1)
            try await execute(target, "CREATE TABLE mine(x); INSERT INTO mine VALUES (1)")

            let error = await #expect(throws: PoolKitError.self) { try await runRestore(archive, into: target) }
            #expect(error?.code == .restoreConflict)
            #expect(error?.message.contains("'mine'") == true)
            #expect(error?.message.contains("--clean") == true)
            #expect(try await scalar(target, "SELECT x FROM mine") == "1")

            var options = RestoreOptions()
            options.clean = true
            try await runRestore(archive, into: target, options: options)
            #expect(try databasePages(target) == (try databasePages(source)))
        }
    }

    @Test("a damaged chunk fails the restore and leaves the target and no temporary file behind")
    func damagedChunk() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            let target = directory + "/target.db"
            try await BackupFixture.create(source, BackupFixture.full(bigValues: false))
            let archive = try await runBackup(source, strategy: "pages", options: Self.smallChunks(), jobs: 2)
            let short = await #expect(throws: PoolKitError.self) {
                try await runRestore(archive, into: target) { key, bytes in key.chunkID == 1 ? Array(bytes.dropLast(512)) : bytes }
            }
            #expect(short?.code == .archiveCorrupt)
            #expect(try fileBytes(target).isEmpty)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["source.db", "target.db"])

            // Well-formed bytes that are not a database: quick_check refuses them before the rename.
            let garbage = await #expect(throws: PoolKitError.self) {
                try await runRestore(archive, into: target) { key, bytes in key.chunkID == 0 ? [UInt8](repeating: 0x5A, count: bytes.count) : bytes }
            }
            #expect(garbage?.code == .archiveCorrupt)
            #expect(try fileBytes(target).isEmpty)
        }
    }

    @Test("--table and the like are refused by pages with a pointer to the logical strategy")
    func unsupportedOptions() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            try await BackupFixture.create(source, "CREATE TABLE t(x);")
            var options = BackupOptions()
            options.includeTables = ["t"]
            let error = await #expect(throws: PoolKitError.self) { try await runBackup(source, strategy: "pages", options: options, jobs: 1) }
            #expect(error?.code == .unsupported)
            #expect(error?.message.contains("--strategy logical") == true)

            let archive = try await runBackup(source, strategy: "pages", jobs: 1)
            var restore = RestoreOptions()
            restore.schemaOnly = true
            let refused = await #expect(throws: PoolKitError.self) { try await runRestore(archive, into: directory + "/t.db", options: restore) }
            #expect(refused?.code == .unsupported)
        }
    }

    @Test("a target open in WAL mode in another connection is written in place: that connection sees the restored data")
    func walTargetWrittenInPlace() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            let target = directory + "/target.db"
            try await BackupFixture.create(source, "CREATE TABLE t(x); INSERT INTO t VALUES ('restored');")
            let archive = try await runBackup(source, strategy: "pages", jobs: 1)
            try await BackupFixture.create(target, "CREATE TABLE old(y);", journalMode: "wal")
            let application = try await connect(target)
            #expect(try await application.query(unsafeSQL: "SELECT count(*) FROM old").scalar == "0")
            var options = RestoreOptions()
            options.clean = true
            try await runRestore(archive, into: target, options: options, jobs: 2)
            #expect(try await application.query(unsafeSQL: "SELECT x FROM t").scalar == "restored")
            #expect(try await application.query(unsafeSQL: "PRAGMA journal_mode").scalar == "wal")
            await application.close()
        }
    }

    @Test("a pages restore writes into the target file: inode, owner, mode and hard links are kept")
    func keepsTargetIdentity() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            let target = directory + "/target.db"
            let alias = directory + "/alias.db"
            try await BackupFixture.create(source, "CREATE TABLE t(x); INSERT INTO t VALUES ('restored');")
            let archive = try await runBackup(source, strategy: "pages", jobs: 1)
            try await BackupFixture.create(target, "CREATE TABLE old(y);")
            try FileManager.default.setAttributes([.posixPermissions: 0o640, .ownerAccountID: 1234], ofItemAtPath: target)
            try FileManager.default.linkItem(atPath: target, toPath: alias)
            let before = try FileManager.default.attributesOfItem(atPath: target)
            var options = RestoreOptions()
            options.clean = true
            try await runRestore(archive, into: target, options: options)
            let after = try FileManager.default.attributesOfItem(atPath: target)
            #expect(after[.systemFileNumber] as? Int == before[.systemFileNumber] as? Int)
            #expect(after[.posixPermissions] as? Int == 0o640)
            #expect(after[.ownerAccountID] as? Int == 1234)
            #expect(try await scalar(alias, "SELECT x FROM t") == "restored")
        }
    }

    @Test("a pages restore takes the target's lock: a writer's open transaction makes it fail as busy, the writer's commit is kept")
    func busyTarget() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            let target = directory + "/target.db"
            try await BackupFixture.create(source, "CREATE TABLE t(x); INSERT INTO t VALUES ('restored');")
            let archive = try await runBackup(source, strategy: "pages", jobs: 1)
            try await BackupFixture.create(target, "CREATE TABLE app(v);")
            let application = try await connect(target)
            try await application.execute(unsafeSQL: "BEGIN IMMEDIATE; INSERT INTO app VALUES ('committed by the application')")
            var options = RestoreOptions()
            options.clean = true
            let error = await #expect(throws: PoolKitError.self) {
                try await runRestore(archive, into: target, options: options, url: "busy_timeout=0")
            }
            #expect(error?.code == .restoreConflict)
            #expect(error?.message.contains("busy") == true)
            try await application.execute(unsafeSQL: "COMMIT")
            await application.close()
            #expect(try await scalar(target, "SELECT v FROM app") == "committed by the application")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["source.db", "target.db"])
        }
    }

    @Test("a read-only (0444) target is refused by both strategies and left unchanged", arguments: ["pages", "logical"])
    func readOnlyTarget(strategy: String) async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            let target = directory + "/target.db"
            try await BackupFixture.create(source, "CREATE TABLE t(x); INSERT INTO t VALUES ('restored');")
            let archive = try await runBackup(source, strategy: strategy, jobs: 1)
            try await BackupFixture.create(target, "CREATE TABLE old(y);")
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: target)
            let before = try fileBytes(target)
            var options = RestoreOptions()
            options.clean = true
            let error = await #expect(throws: PoolKitError.self) { try await runRestore(archive, into: target, options: options) }
            #expect(error?.code == .unsupported)
            #expect(error?.message.contains("read-only") == true)
            #expect(try fileBytes(target) == before)
        }
    }

    @Test("a failed --clean restore leaves a WAL target as it was, in WAL mode")
    func failedRestoreKeepsWAL() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            let target = directory + "/target.db"
            try await BackupFixture.create(source, BackupFixture.full(bigValues: false))
            let archive = try await runBackup(source, strategy: "pages", options: Self.smallChunks(), jobs: 2)
            try await BackupFixture.create(target, "CREATE TABLE old(y); INSERT INTO old VALUES (7);", journalMode: "wal")
            var options = RestoreOptions()
            options.clean = true
            await #expect(throws: PoolKitError.self) {
                try await runRestore(archive, into: target, options: options) { key, bytes in
                    key.chunkID == 0 ? [UInt8](repeating: 0x5A, count: bytes.count) : bytes
                }
            }
            #expect(try await scalar(target, "PRAGMA journal_mode") == "wal")
            #expect(try await scalar(target, "SELECT y FROM old") == "7")
        }
    }

    @Test("the driver offers pages (default) and logical, and restores both")
    func driverStrategies() throws {
        let driver = SQLiteDriver()
        #expect(driver.backupStrategies.map(\.name) == ["pages", "logical"])
        #expect(try driver.backupStrategy(named: nil).name == "pages")
        #expect(driver.restoreStrategies.map(\.name) == ["pages", "logical"])
    }
}
