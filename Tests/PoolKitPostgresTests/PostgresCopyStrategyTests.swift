import Foundation
import PoolKitConformance
@testable import PoolKitPostgres
import Synchronization
import Testing

/// The `copy` backup and restore strategies against the real test server: each test works in fresh
/// databases with random names, dropped afterwards.
@Suite(
    "Postgres copy strategy", .serialized,
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresCopyStrategyTests {
    /// Runs `body` with a source and a target database, dropping both afterwards.
    private func withDatabases(_ label: String, _ body: (ScratchDatabase, ScratchDatabase) async throws -> Void) async throws {
        let source = try await ScratchDatabase.create("\(label)_src")
        let target = try await ScratchDatabase.create("\(label)_dst")
        do {
            try await body(source, target)
        } catch {
            await source.drop()
            await target.drop()
            throw error
        }
        await source.drop()
        await target.drop()
    }

    @Test(
        "every built-in type, NULLs, an empty table, a 50 MB value and odd names come back exactly",
        arguments: [1, 4], Transport.allCases)
    func fidelity(jobs: Int, transport: Transport) async throws {
        try await withDatabases("fid") { source, target in
            try await source.execute(unsafeSQL: PostgresFidelityFixture.schema)
            try await source.execute(unsafeSQL: PostgresFidelityFixture.data)
            var backupOptions = BackupOptions()
            backupOptions.jobs = jobs
            var restoreOptions = RestoreOptions()
            restoreOptions.jobs = jobs
            let (backed, restored) = try await copyDatabase(
                from: source.url, to: target.url, via: transport, backupOptions: backupOptions, restoreOptions: restoreOptions)

            let encodings = Dictionary(backed.manifest.tables.map { ($0.qualifiedName, $0.encoding) }, uniquingKeysWith: { a, _ in a })
            #expect(encodings["public.builtin"] == .postgresCopyBinary)
            #expect(encodings["public.custom"] == .postgresCopyText)
            #expect(restored.rows == 4 + 3 + 1000 + 1 + 50)

            let expected = try await DatabaseFingerprint.read(source)
            #expect(expected.tables.count == 6)
            #expect(expected.largeObjects.count == 2)
            #expect(backed.manifest.blobs.count == 2)
            #expect(try await DatabaseFingerprint.read(target) == expected)
            if let sourceSchema = try schemaDump(source) {
                let targetSchema = try schemaDump(target)
                #expect(targetSchema == sourceSchema, "\(firstDifference(sourceSchema, targetSchema ?? ""))")
            }
        }
    }

    @Test("a table larger than the chunk size is split into block ranges and restored exactly")
    func largeTableInBlockRanges() async throws {
        try await withDatabases("big") { source, target in
            try await source.execute(unsafeSQL:
                """
                CREATE TABLE public.big (id integer, pad text);
                INSERT INTO public.big SELECT g, md5(g::text) || repeat('p', g % 50) FROM generate_series(1, 150000) g;
                DELETE FROM public.big WHERE id % 1000 < 300;
                UPDATE public.big SET pad = 'moved' WHERE id % 777 = 0;
                """)
            var backupOptions = BackupOptions()
            backupOptions.jobs = 3
            backupOptions.targetChunkBytes = 1 << 20
            var restoreOptions = RestoreOptions()
            restoreOptions.jobs = 3
            let (backed, _) = try await copyDatabase(
                from: source.url, to: target.url, via: .file, backupOptions: backupOptions, restoreOptions: restoreOptions)
            let chunks = try #require(backed.manifest.tables.first { $0.name == "big" }?.chunks)
            #expect(chunks >= 8)
            #expect(try await DatabaseFingerprint.read(target) == DatabaseFingerprint.read(source))
        }
    }

    @Test("transfers committed during a --jobs 4 backup never show up half-done: the restored total is the invariant")
    func oneSnapshotForAllWorkers() async throws {
        try await withDatabases("snap") { source, target in
            let accounts = 2000
            try await source.execute(unsafeSQL:
                """
                CREATE TABLE public.accounts (id integer PRIMARY KEY, balance bigint NOT NULL, pad text);
                INSERT INTO public.accounts SELECT g, 1000, repeat('x', 300) FROM generate_series(1, \(accounts)) g;
                """)
            let stop = Atomic<Bool>(false)
            let transfers = Atomic<Int>(0)
            let writer = Task {
                try await ScratchDatabase.withConnection(source.url) { connection in
                    while !stop.load(ordering: .relaxed) {
                        let from = Int.random(in: 1...accounts)
                        let to = Int.random(in: 1...accounts)
                        let amount = Int.random(in: 1...50)
                        try await connection.execute(unsafeSQL:
                            "BEGIN; UPDATE public.accounts SET balance = balance - \(amount) WHERE id = \(from); UPDATE public.accounts SET balance = balance + \(amount) WHERE id = \(to); COMMIT")
                        transfers.add(1, ordering: .relaxed)
                    }
                }
            }
            while transfers.load(ordering: .relaxed) < 20 { try await Task.sleep(for: .milliseconds(5)) }
            var backupOptions = BackupOptions()
            backupOptions.jobs = 4
            backupOptions.targetChunkBytes = 64 << 10
            var restoreOptions = RestoreOptions()
            restoreOptions.jobs = 4
            let before = transfers.load(ordering: .relaxed)
            let result: Result<(BackupSummary, RestoreSummary), any Error>
            do {
                result = .success(
                    try await copyDatabase(
                        from: source.url, to: target.url, via: .pipe, backupOptions: backupOptions, restoreOptions: restoreOptions))
            } catch {
                result = .failure(error)
            }
            stop.store(true, ordering: .relaxed)
            try await writer.value
            let (backed, _) = try result.get()
            #expect(transfers.load(ordering: .relaxed) > before)
            #expect((backed.manifest.tables.first?.chunks ?? 0) > 4)
            let total = try await target.query(unsafeSQL: "SELECT count(*), sum(balance) FROM public.accounts").rows.first
            #expect(total?[0] == "\(accounts)")
            #expect(total?[1] == "\(accounts * 1000)")
        }
    }

    @Test("a target that already has the archive's tables is refused, and --clean replaces them")
    func refusalAndClean() async throws {
        try await withDatabases("clean") { source, target in
            try await source.execute(unsafeSQL:
                """
                CREATE TABLE public.items (id serial PRIMARY KEY, name text UNIQUE);
                CREATE VIEW public.item_names AS SELECT name FROM public.items;
                INSERT INTO public.items (name) SELECT 'item ' || g FROM generate_series(1, 100) g;
                """)
            let path = temporaryArchivePath()
            defer { try? FileManager.default.removeItem(atPath: path) }
            try await backup(source.url, to: path)
            try await restore(from: path, into: target.url)
            try await target.execute(unsafeSQL: "INSERT INTO public.items (name) VALUES ('added in the target')")

            let refusal = await #expect(throws: PoolKitError.self) { try await restore(from: path, into: target.url) }
            #expect(refusal?.code == .restoreConflict)
            #expect(refusal?.message.contains("\"public\".\"items\"") == true)

            var options = RestoreOptions()
            options.clean = true
            try await restore(from: path, into: target.url, options: options)
            #expect(try await DatabaseFingerprint.read(target) == DatabaseFingerprint.read(source))
        }
    }

    @Test("--schema-only then --data-only restores the same database, foreign keys and sequence values included")
    func schemaThenData() async throws {
        try await withDatabases("split") { source, target in
            try await source.execute(unsafeSQL:
                """
                CREATE TABLE public.parent (id serial PRIMARY KEY, name text);
                CREATE TABLE public.child (id serial PRIMARY KEY, parent_id integer NOT NULL REFERENCES public.parent, note text);
                CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.note := 'touched'; RETURN NEW; END $$;
                CREATE TRIGGER touch BEFORE INSERT ON public.child FOR EACH ROW EXECUTE FUNCTION public.touch();
                INSERT INTO public.parent (name) SELECT 'p' || g FROM generate_series(1, 300) g;
                INSERT INTO public.child (parent_id) SELECT 1 + g % 300 FROM generate_series(1, 3000) g;
                UPDATE public.child SET note = 'changed after the trigger' WHERE id % 2 = 0;
                """)
            let path = temporaryArchivePath()
            defer { try? FileManager.default.removeItem(atPath: path) }
            try await backup(source.url, to: path)
            var schemaOnly = RestoreOptions()
            schemaOnly.schemaOnly = true
            try await restore(from: path, into: target.url, options: schemaOnly)
            let empty = try await target.query(unsafeSQL: "SELECT count(*) FROM public.child").rows.first?[0]
            #expect(empty == "0")
            var dataOnly = RestoreOptions()
            dataOnly.dataOnly = true
            dataOnly.jobs = 3
            try await restore(from: path, into: target.url, options: dataOnly)
            #expect(try await DatabaseFingerprint.read(target) == DatabaseFingerprint.read(source))
        }
    }

    @Test("partitions and inheritance children keep their own rows, also when split into block ranges")
    func partitionsAndInheritance() async throws {
        try await withDatabases("part") { source, target in
            try await source.execute(unsafeSQL:
                """
                CREATE TABLE public.events (id integer, at date NOT NULL, payload text) PARTITION BY RANGE (at);
                CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
                CREATE TABLE public.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
                INSERT INTO public.events SELECT g, date '2024-01-01' + g % 700, md5(g::text) FROM generate_series(1, 40000) g;
                CREATE TABLE public.animal (id integer, name text);
                CREATE TABLE public.dog (barks boolean) INHERITS (public.animal);
                INSERT INTO public.animal SELECT g, 'animal ' || g FROM generate_series(1, 5000) g;
                INSERT INTO public.dog SELECT g, 'dog ' || g, g % 2 = 0 FROM generate_series(1, 5000) g;
                """)
            var backupOptions = BackupOptions()
            backupOptions.jobs = 3
            backupOptions.targetChunkBytes = 256 << 10
            let (backed, _) = try await copyDatabase(
                from: source.url.with(option: "serializable_deferrable", "true"), to: target.url, via: .pipe,
                backupOptions: backupOptions, restoreOptions: RestoreOptions())
            let names = Set(backed.manifest.tables.map(\.name))
            #expect(names == ["events_2024", "events_2025", "animal", "dog"])
            #expect(try await DatabaseFingerprint.read(target) == DatabaseFingerprint.read(source))
            let counts = try await target.query(unsafeSQL: "SELECT (SELECT count(*) FROM public.events), (SELECT count(*) FROM public.animal)").rows.first
            #expect(counts == ["40000", "10000"])
        }
    }

    @Test("--table takes the named table only, and a name that matches nothing is an error")
    func tableSelection() async throws {
        try await withDatabases("sel") { source, target in
            try await source.execute(unsafeSQL:
                """
                CREATE TABLE public."Wanted" (id integer PRIMARY KEY, note text);
                CREATE TABLE public.other (id integer);
                INSERT INTO public."Wanted" SELECT g, 'w' || g FROM generate_series(1, 500) g;
                INSERT INTO public.other SELECT g FROM generate_series(1, 500) g;
                """)
            var options = BackupOptions()
            options.includeTables = ["public.\"Wanted\""]
            let (backed, restored) = try await copyDatabase(
                from: source.url, to: target.url, via: .file, backupOptions: options, restoreOptions: RestoreOptions())
            #expect(backed.manifest.tables.map(\.name) == ["Wanted"])
            #expect(restored.rows == 500)
            let other = try await target.query(unsafeSQL: "SELECT count(*) FROM pg_class WHERE relname = 'other'").rows.first?[0]
            #expect(other == "0")

            options.includeTables = ["public.nosuch"]
            let error = await #expect(throws: PoolKitError.self) { try await backup(source.url, to: temporaryArchivePath(), options: options) }
            #expect(error?.code == .usage)
            #expect(error?.message.contains("public.nosuch") == true)
        }
    }

    @Test("a --single-transaction restore of a damaged archive leaves the target as it was")
    func singleTransactionRollsBack() async throws {
        try await withDatabases("single") { source, target in
            try await source.execute(unsafeSQL:
                """
                CREATE TABLE public.a (id integer PRIMARY KEY, note text);
                CREATE TABLE public.b (id integer, note text);
                INSERT INTO public.a SELECT g, md5(g::text) FROM generate_series(1, 20000) g;
                INSERT INTO public.b SELECT g, md5(g::text) FROM generate_series(1, 20000) g;
                """)
            let path = temporaryArchivePath()
            defer { try? FileManager.default.removeItem(atPath: path) }
            try await backup(source.url, to: path)
            // Cut the archive short: its data frames are complete, its trailer is not.
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            try bytes.prefix(bytes.count - 16).write(to: URL(fileURLWithPath: path))

            var options = RestoreOptions()
            options.singleTransaction = true
            await #expect(throws: PoolKitError.self) { try await restore(from: path, into: target.url, options: options) }
            let left = try await target.query(unsafeSQL:
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'")
            #expect(left.rows.first?[0] == "0")
        }
    }

    @Test("a worker's backend terminated mid-backup fails the backup and leaves no archive")
    func terminatedWorkerFailsTheBackup() async throws {
        try await withDatabases("kill") { source, _ in
            try await source.execute(unsafeSQL:
                "CREATE TABLE public.t (id integer, note text); INSERT INTO public.t SELECT g, md5(g::text) FROM generate_series(1, 50000) g; ANALYZE public.t")
            let holder = try #require(try await PostgresDriver().connect(to: source.url, logger: quietLogger) as? PostgresConnection)
            let holderPID = holder.backendPID
            // Holding an exclusive lock stops the coordinator at its ACCESS SHARE lock, after the
            // workers joined the snapshot and before any dump.
            try await holder.execute(unsafeSQL: "BEGIN; LOCK TABLE public.t IN ACCESS EXCLUSIVE MODE")
            let path = temporaryArchivePath()
            var options = BackupOptions()
            options.jobs = 2
            // Many chunks, so that each worker — the terminated one too — gets some to dump.
            options.targetChunkBytes = 64 << 10
            let backupTask = Task { try await backup(source.url, to: path, options: options) }
            let databaseName = PostgresSQL.literal(source.name)
            var victims: [String?] = []
            // Another connection watches: pg_stat_activity stays the same within a transaction.
            let watcher = try await PostgresDriver().connect(to: source.url, logger: quietLogger)
            for _ in 0..<2000 {
                let waiting = try await watcher.query(unsafeSQL:
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = \(databaseName) AND wait_event_type = 'Lock'")
                if waiting.rows.first?[0] != "0" {
                    victims = try await watcher.query(unsafeSQL:
                        """
                        SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity
                        WHERE datname = \(databaseName) AND state = 'idle in transaction' AND pid NOT IN (pg_backend_pid(), \(holderPID))
                        LIMIT 1
                        """
                    ).rows.map { $0[0] }
                    break
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            try await holder.execute(unsafeSQL: "ROLLBACK")
            await holder.close()
            await watcher.close()
            #expect(victims == ["true"])
            await #expect(throws: (any Error).self) { try await backupTask.value }
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test("lock_wait_timeout ends a backup that cannot lock a table, naming the option")
    func lockWaitTimeout() async throws {
        try await withDatabases("lock") { source, _ in
            try await source.execute(unsafeSQL: "CREATE TABLE public.t (id integer)")
            let holder = try await PostgresDriver().connect(to: source.url, logger: quietLogger)
            try await holder.execute(unsafeSQL: "BEGIN; LOCK TABLE public.t IN ACCESS EXCLUSIVE MODE")
            let path = temporaryArchivePath()
            let error = await #expect(throws: PoolKitError.self) {
                try await backup(source.url(option: "lock_wait_timeout", "200ms"), to: path)
            }
            try await holder.execute(unsafeSQL: "ROLLBACK")
            await holder.close()
            #expect(error?.message.contains("lock_wait_timeout") == true)
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test("an archive from a newer major version is refused with the versions named")
    func newerSourceRefused() async throws {
        let target = try await ScratchDatabase.create("ver")
        let manifest = ArchiveManifest(
            engine: "postgres", serverVersion: "99.1", driver: "postgres", strategy: "copy", options: ["server_version_num": "990001"])
        let connection = try #require(try await PostgresDriver().connect(to: target.url, logger: quietLogger) as? PostgresConnection)
        let error = await #expect(throws: PoolKitError.self) {
            _ = try await PostgresCopyRestoreStrategy().begin(manifest: manifest, on: connection, options: RestoreOptions())
        }
        await connection.close()
        await target.drop()
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("PostgreSQL 99") == true)
    }
}
