import Foundation
import PoolKitSQLite
import Synchronization
import Testing

@Suite("SQLite logical backup and restore")
struct BackupLogicalTests {
    @Test(
        "a logical round trip restores schema, every value bit for bit, rowids, counters, header values and working FTS",
        arguments: [65_521, 1 << 20])
    func roundTrip(payloadSize: Int) async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            let target = directory + "/target.db"
            try await BackupFixture.create(source, BackupFixture.full(), journalMode: "wal")
            let archive = try await runBackup(source, strategy: "logical")
            try await runRestore(archive, into: target, payloadSize: payloadSize)

            let expected = try await databaseFacts(source)
            let restored = try await databaseFacts(target)
            #expect(restored.schema == expected.schema)
            #expect(restored.pragmas == expected.pragmas)
            for (table, digest) in expected.tables {
                #expect(restored.tables[table] == digest, "table \(table)")
            }
            #expect(restored.tables.keys.sorted() == expected.tables.keys.sorted())
            #expect(try await scalar(target, "PRAGMA integrity_check") == "ok")
            #expect(try await rows(target, "SELECT name, seq FROM sqlite_sequence") == [["auto", "5"]])
            for query in ftsQueries {
                let found = try await rows(target, query)
                #expect(!found.isEmpty, "\(query)")
                #expect(found == (try await rows(source, query)), "\(query)")
            }
            // The trigger came after the data: restoring `plain` did not log again.
            #expect(try await scalar(target, "SELECT count(*) FROM log") == "5")
            #expect(try await scalar(target, "SELECT typeof(r) FROM \"every class\" WHERE id = 6") == "real")
            #expect(try await scalar(target, "SELECT typeof(i) || ':' || i FROM \"every class\" WHERE id = 5") == "text:not a number")
            #expect(try await scalar(target, "SELECT length(t) || ',' || length(b) FROM big WHERE id = 1") == "10485760,10485760")
        }
    }

    @Test("the catalog records the header and the objects in restore order, with generated columns flagged")
    func catalog() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            try await BackupFixture.create(source, BackupFixture.full(bigValues: false))
            let archive = try await runBackup(source, strategy: "logical", jobs: 1)
            let catalog = archive.catalog
            #expect(catalog.engine == "sqlite")
            #expect(catalog.properties["page_size"] == "8192")
            #expect(catalog.properties["user_version"] == "42")
            #expect(catalog.properties["application_id"] == "1347373899")
            #expect(catalog.properties["encoding"] == "UTF-8")
            #expect(catalog.objects.first?.kind == "database-format")
            #expect(catalog.objects.last?.kind == "database-header")
            let sections = catalog.objects.map(\.section)
            #expect(sections == sections.sorted { order($0) < order($1) }, "pre-data, then data, then post-data")
            let gen = try #require(catalog.tables.first { $0.name == "gen" })
            #expect(gen.columns.map(\.name) == ["a", "b", "c", "d"])
            #expect(gen.columns.map { $0.generated == true } == [false, false, true, true])
            #expect(catalog.tables.allSatisfy { $0.encoding == .sqliteTypedV1 })
            // Shadow tables of FTS tables that store their content are not dumped; those of a
            // contentless one are, and the external-content index is rebuilt after the data.
            let names = Set(catalog.tables.map(\.name))
            #expect(names.contains("docs") && !names.contains("docs_data") && !names.contains("docs_content"))
            #expect(names.contains("tags_data") && names.contains("tags_idx") && !names.contains("tags"))
            #expect(!names.contains("notes_fts") && names.contains("notes"))
            #expect(catalog.objects.contains { $0.kind == "virtual-table-rebuild" && $0.name == "notes_fts" })
            #expect(catalog.objects.contains { $0.kind == "sequence" && $0.section == .data && $0.name == "auto" })
            #expect(!names.contains("sqlite_sequence") && !names.contains("sqlite_stat1"))
            #expect(archive.rowsPerTable["every class"] == 10)
            #expect(archive.rowsPerTable["empty"] == 0)
            let emptyID = try #require(catalog.tables.first { $0.name == "empty" }?.id)
            #expect(archive.data[ChunkKey(objectID: emptyID, chunkID: 0)] == [])
            #expect(catalog.objects.allSatisfy { object in object.dependencies.allSatisfy { id in catalog.objects.contains { $0.id == id } } })
        }

        func order(_ section: ArchiveSection) -> Int {
            switch section {
            case .preData: 0
            case .data: 1
            case .postData: 2
            }
        }
    }

    @Test("a UTF-16le database comes back as UTF-16le with the same text")
    func utf16() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/utf16.db"
            let target = directory + "/target.db"
            try await BackupFixture.create(source, BackupFixture.utf16)
            let archive = try await runBackup(source, strategy: "logical", jobs: 2)
            try await runRestore(archive, into: target, payloadSize: 7)
            #expect(try await scalar(target, "PRAGMA encoding") == "UTF-16le")
            #expect(try await databaseFacts(target) == (try await databaseFacts(source)))
        }
    }

    @Test("large rowid tables are split into rowid ranges that several workers dump; the rows all arrive once")
    func chunking() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            let target = directory + "/target.db"
            try await BackupFixture.create(
                source,
                """
                CREATE TABLE t(id INTEGER PRIMARY KEY, payload TEXT);
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
                INSERT INTO t SELECT i * 3, hex(randomblob(40)) FROM n;
                CREATE TABLE u(a, b);
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
                INSERT INTO u(rowid, a, b) SELECT i * 1000003 - 1500000000, i, randomblob(20) FROM n;
                """)
            var options = BackupOptions()
            options.targetChunkBytes = 64 << 10
            let archive = try await runBackup(source, strategy: "logical", options: options, jobs: 3)
            let tID = try #require(archive.catalog.tables.first { $0.name == "t" }?.id)
            let tChunks = archive.data.keys.filter { $0.objectID == tID }.count
            #expect(tChunks > 1)
            #expect(archive.catalog.tables.first { $0.name == "t" }?.chunks == tChunks)
            #expect(archive.rowsPerTable == ["t": 5000, "u": 3000])
            try await runRestore(archive, into: target)
            #expect(try await databaseFacts(target) == (try await databaseFacts(source)))
        }
    }

    @Test("large WITHOUT ROWID tables are split on their leading key; REAL, TEXT and BLOB keys between and after the ranges all arrive once")
    func withoutRowidChunking() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            let target = directory + "/target.db"
            try await BackupFixture.create(
                source,
                """
                CREATE TABLE w(k NOT NULL, line INTEGER, payload BLOB, PRIMARY KEY (k, line)) WITHOUT ROWID;
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000)
                INSERT INTO w SELECT i * 7, i % 3, randomblob(60) FROM n;
                INSERT INTO w VALUES (10.5, 0, x'01'), (14000.25, 1, x'02'), (-3.75, 2, x'03'),
                                     ('text key', 0, x'04'), (x'ff00', 0, x'05'), (9223372036854775807, 0, x'06');
                """)
            var options = BackupOptions()
            options.targetChunkBytes = 32 << 10
            let archive = try await runBackup(source, strategy: "logical", options: options, jobs: 3)
            let id = try #require(archive.catalog.tables.first { $0.name == "w" }?.id)
            #expect(archive.data.keys.filter { $0.objectID == id }.count > 1, "the WITHOUT ROWID table was split")
            #expect(archive.rowsPerTable == ["w": 4006])
            try await runRestore(archive, into: target)
            #expect(try await databaseFacts(target) == (try await databaseFacts(source)))
        }
    }

    @Test("with 3 workers, a backup taken while a writer commits sees one snapshot: tables written together have equal counts")
    func consistentSnapshot() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/busy.db"
            let target = directory + "/target.db"
            try await BackupFixture.create(
                source,
                """
                CREATE TABLE a(id INTEGER PRIMARY KEY, v TEXT);
                CREATE TABLE b(id INTEGER PRIMARY KEY, v TEXT);
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
                INSERT INTO a SELECT i, hex(randomblob(30)) FROM n;
                INSERT INTO b SELECT id, v FROM a;
                """, journalMode: "wal")
            let writer = try await connect(source, "busy_timeout=10s")
            let stop = StopSignal()
            let writing = Task {
                var commits = 0
                while !stop.isSet {
                    try await writer.execute(unsafeSQL:
                        "BEGIN IMMEDIATE; INSERT INTO a(v) VALUES (hex(randomblob(30))); INSERT INTO b(id, v) SELECT max(id), 'x' FROM a; COMMIT")
                    commits += 1
                }
                return commits
            }
            var options = BackupOptions()
            options.targetChunkBytes = 16 << 10
            var counts: [[String: UInt64]] = []
            for _ in 0..<3 {
                let archive = try await runBackup(source, strategy: "logical", options: options, jobs: 3)
                #expect(archive.catalog.tables.allSatisfy { ($0.chunks ?? 0) > 1 })
                counts.append(archive.rowsPerTable)
                if counts.count == 3 { try await runRestore(archive, into: target) }
            }
            stop.set()
            let commits = try await writing.value
            await writer.close()
            #expect(commits > 0)
            for count in counts {
                #expect(count["a"] == count["b"], "\(count)")
                #expect((count["a"] ?? 0) >= 2000)
            }
            let restoredA = try await scalar(target, "SELECT count(*) FROM a")
            #expect(restoredA == (try await scalar(target, "SELECT count(*) FROM b")))
            #expect(restoredA == counts.last?["a"].map(String.init))
        }
    }

    @Test("restoring into a target that has one of the tables fails naming it; --clean drops it and restores")
    func conflictAndClean() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            let target = directory + "/target.db"
            try await BackupFixture.create(source, BackupFixture.full(bigValues: false))
            let archive = try await runBackup(source, strategy: "logical", jobs: 2)
            try await execute(target, "CREATE TABLE plain(other); INSERT INTO plain VALUES ('old'); CREATE TABLE unrelated(x); INSERT INTO unrelated VALUES (1)")

            let error = await #expect(throws: PoolKitError.self) { try await runRestore(archive, into: target) }
            #expect(error?.code == .restoreConflict)
            #expect(error?.message.contains("'plain'") == true)
            #expect(error?.message.contains("--clean") == true)
            #expect(try await scalar(target, "SELECT other FROM plain") == "old")

            var options = RestoreOptions()
            options.clean = true
            try await runRestore(archive, into: target, options: options)
            let expected = try await databaseFacts(source, compareSchema: false)
            let restored = try await databaseFacts(target, compareSchema: false)
            for (table, digest) in expected.tables where table != "sqlite_stat1" {
                #expect(restored.tables[table] == digest, "table \(table)")
            }
            #expect(try await scalar(target, "SELECT x FROM unrelated") == "1", "objects the archive does not have stay")
            #expect(try await scalar(target, "PRAGMA integrity_check") == "ok")
        }
    }

    @Test("--table, --exclude-table, --schema-only and --data-only select what the archive holds")
    func selection() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            try await BackupFixture.create(source, BackupFixture.full(bigValues: false))

            var only = BackupOptions()
            only.includeTables = ["plain", "v1"]
            let some = try await runBackup(source, strategy: "logical", options: only, jobs: 1)
            #expect(some.catalog.tables.map(\.name) == ["plain"])
            #expect(Set(some.catalog.objects.map(\.name)).isSuperset(of: ["plain", "plain_partial", "plain_expression", "plain_unique", "plain_log", "v1"]))
            #expect(!some.catalog.objects.contains { $0.name == "v2" || $0.name == "log" })
            let partial = directory + "/partial.db"
            try await runRestore(some, into: partial)
            #expect(try await scalar(partial, "SELECT group_concat(x, ',') FROM (SELECT x FROM v1 ORDER BY x)") == "A,C,far")

            var without = BackupOptions()
            without.excludeTables = ["big", "docs", "plain"]
            let most = try await runBackup(source, strategy: "logical", options: without, jobs: 1)
            #expect(!most.catalog.objects.contains { ["docs", "plain", "plain_partial", "plain_log"].contains($0.name) })
            #expect(most.catalog.tables.contains { $0.name == "log" })

            var missing = BackupOptions()
            missing.includeTables = ["nope"]
            let error = await #expect(throws: PoolKitError.self) { try await runBackup(source, strategy: "logical", options: missing, jobs: 1) }
            #expect(error?.message.contains("'nope'") == true)

            var schemaOnly = BackupOptions()
            schemaOnly.schemaOnly = true
            let schema = try await runBackup(source, strategy: "logical", options: schemaOnly, jobs: 1)
            #expect(schema.catalog.tables.isEmpty && schema.data.isEmpty)
            var dataOnly = BackupOptions()
            dataOnly.dataOnly = true
            let data = try await runBackup(source, strategy: "logical", options: dataOnly, jobs: 2)
            #expect(data.catalog.objects.allSatisfy { $0.kind == .sequence })

            // Schema first, then data into it: the same database.
            let target = directory + "/target.db"
            try await runRestore(schema, into: target)
            #expect(try await scalar(target, "SELECT count(*) FROM plain") == "0")
            var dataRestore = RestoreOptions()
            dataRestore.dataOnly = true
            try await runRestore(data, into: target, options: dataRestore)
            // Statistics are data to --schema-only and schema to --data-only: neither carries them.
            let expected = try await databaseFacts(source)
            let restored = try await databaseFacts(target)
            #expect(restored.schema == expected.schema.filter { $0[1] != "sqlite_stat1" })
            for (table, digest) in expected.tables where table != "sqlite_stat1" {
                #expect(restored.tables[table] == digest, "table \(table)")
            }
        }
    }

    @Test("--single-transaction loads everything in one transaction on the coordinator")
    func singleTransaction() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            let target = directory + "/target.db"
            try await BackupFixture.create(source, BackupFixture.full(bigValues: false))
            let archive = try await runBackup(source, strategy: "logical", jobs: 2)
            var options = RestoreOptions()
            options.singleTransaction = true
            try await runRestore(archive, into: target, options: options)
            #expect(try await databaseFacts(target) == (try await databaseFacts(source)))
            #expect(try await scalar(target, "PRAGMA foreign_keys") == "0")
        }
    }

    @Test("a chunk that ends inside a row is rejected and nothing of it is committed")
    func truncatedChunk() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            let target = directory + "/target.db"
            try await BackupFixture.create(source, "CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three');")
            let archive = try await runBackup(source, strategy: "logical", jobs: 1)
            let error = await #expect(throws: PoolKitError.self) {
                try await runRestore(archive, into: target, payloadSize: 5) { _, bytes in Array(bytes.dropLast()) }
            }
            #expect(error?.code == .archiveCorrupt)
            #expect(try await scalar(target, "SELECT count(*) FROM t") == "0")

            let bad = await #expect(throws: PoolKitError.self) {
                try await runRestore(archive, into: directory + "/other.db") { _, bytes in [0x07] + bytes }
            }
            #expect(bad?.code == .archiveCorrupt)
            #expect(bad?.message.contains("unknown value tag 0x7") == true)
        }
    }

    @Test("a virtual table whose module is missing is refused naming it, unless it is left out")
    func missingModule() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            try await BackupFixture.create(
                source,
                """
                CREATE TABLE t(x); INSERT INTO t VALUES (1);
                PRAGMA writable_schema = ON;
                INSERT INTO sqlite_schema VALUES ('table', 'vx', 'vx', 0, 'CREATE VIRTUAL TABLE vx USING nosuchmodule(a)');
                """)
            let error = await #expect(throws: PoolKitError.self) { try await runBackup(source, strategy: "logical", jobs: 1) }
            #expect(error?.code == .unsupported)
            #expect(error?.message.contains("'nosuchmodule'") == true)
            #expect(error?.message.contains("--exclude-table") == true)
            var options = BackupOptions()
            options.excludeTables = ["vx"]
            let archive = try await runBackup(source, strategy: "logical", options: options, jobs: 1)
            #expect(archive.catalog.tables.map(\.name) == ["t"])
        }
    }

    @Test("a read-only or in-memory source is refused with advice")
    func refusedSources() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            try await BackupFixture.create(source, "CREATE TABLE t(a);")
            let readOnly = await #expect(throws: PoolKitError.self) { try await runBackup(source, strategy: "logical", jobs: 1, url: "mode=ro") }
            #expect(readOnly?.code == .unsupported)
            #expect(readOnly?.message.contains("mode=rw") == true)
            let memory = await #expect(throws: PoolKitError.self) { try await runBackup(":memory:", strategy: "logical", jobs: 1) }
            #expect(memory?.code == .unsupported)
        }
    }
}

/// A flag one task sets and another polls.
final class StopSignal: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
