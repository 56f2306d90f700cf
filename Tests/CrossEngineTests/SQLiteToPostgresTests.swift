import Foundation
import PoolKitConformance
import PoolKitPostgres
import PoolKitSQLite
import Testing

/// SQLite `logical` archives restored into the real PostgreSQL test server.
@Suite(
    "SQLite → PostgreSQL", .serialized,
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct SQLiteToPostgresTests {
    static let schema = #"""
        CREATE TABLE "Odd ""Table""" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "select" TEXT NOT NULL DEFAULT 'it''s',
            "Ünïcode" VARCHAR(5), flag BOOLEAN DEFAULT 0, born DATE, seen DATETIME DEFAULT CURRENT_TIMESTAMP,
            price NUMERIC(10,2), ratio REAL, payload BLOB, anything);
        CREATE TABLE pairs (a TEXT NOT NULL, b INT NOT NULL, note TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;
        CREATE TABLE plain (x INT, y TEXT UNIQUE, ref INTEGER REFERENCES "Odd ""Table"""(id) ON DELETE CASCADE);
        CREATE INDEX plain_x ON plain(x DESC);
        CREATE INDEX plain_expr ON plain(lower(y));
        CREATE VIEW v AS SELECT * FROM plain;
        CREATE TRIGGER trg AFTER INSERT ON plain BEGIN SELECT 1; END;
        INSERT INTO "Odd ""Table"""("select", "Ünïcode", flag, born, seen, price, ratio, payload, anything) VALUES
            ('tab	and
        newline \ backslash', 'ééééé', 1, '2020-01-02', '2021-03-04 05:06:07', 12.5, 0.1, x'00ff0a', 42),
            ('two', NULL, 'true', 2459000.5, '2021-03-04T05:06:07', '3', -1e300, x'', 'text'),
            ('three', '', 0, NULL, 2459000.75, NULL, NULL, NULL, x'41');
        DELETE FROM "Odd ""Table""" WHERE "select" = 'none';
        INSERT INTO "Odd ""Table"""(id, "select") VALUES (10, 'ten');
        DELETE FROM "Odd ""Table""" WHERE id = 10;
        INSERT INTO pairs VALUES ('a', 1, NULL), ('a', 2, 'x'), ('b', 1, 'ü');
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
        INSERT INTO plain SELECT i, 'row ' || i, 1 + i % 3 FROM n;
        """#

    @Test("types, SQLite's dynamic typing, keys, counters and odd names arrive as documented, in parallel chunks")
    func hostileFixture() async throws {
        let source = try Scratch.sqlite("s2p")
        let target = try await Scratch.postgres("s2p")
        try await withScratch([source, target]) {
            try await source.execute(Self.schema)
            let summary = try await migrate(source, into: target, chunkBytes: 64 << 10)
            let report = try #require(summary.migration)
            #expect(summary.chunks > 3, "plain is split into several chunks")

            #expect(try await target.scalar("SELECT count(*) FROM plain") == "20000")
            #expect(try await target.scalar("SELECT sum(x) FROM plain") == "200010000")
            #expect(try await target.scalar("SELECT count(*) FROM pairs") == "3")
            let rows = try await target.query(
                #"SELECT id, "select", "Ünïcode", flag, born, seen, price, ratio, encode(payload, 'hex'), anything FROM "Odd ""Table""" ORDER BY id"#)
            #expect(rows[0] == ["1", "tab\tand\nnewline \\ backslash", "ééééé", "t", "2020-01-02", "2021-03-04 05:06:07", "12.50", "0.1", "00ff0a", "42"])
            #expect(rows[1] == ["2", "two", nil, "t", "2020-05-31", "2021-03-04 05:06:07", "3.00", "-1e+300", "", "text"])
            #expect(rows[2] == ["3", "three", "", "f", nil, "2020-05-31 06:00:00", nil, nil, nil, "A"])

            // AUTOINCREMENT's counter (10, from a deleted row) carries over: the next id is 11.
            #expect(try await target.scalar(#"INSERT INTO "Odd ""Table"""("select") VALUES ('new') RETURNING id"#) == "11")
            #expect(try await target.scalar(#"SELECT "select" FROM "Odd ""Table""" WHERE id = 11"#) == "new")
            #expect(try await target.scalar(#"INSERT INTO "Odd ""Table"""(id) VALUES (12) RETURNING "select""#) == "it's")

            let constraints = try await target.query(
                "SELECT conrelid::regclass::text, contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2, 3")
            #expect(constraints.contains(["pairs", "p", "PRIMARY KEY (a, b)"]))
            #expect(constraints.contains(["plain", "f", #"FOREIGN KEY (ref) REFERENCES "Odd ""Table"""(id) ON DELETE CASCADE"#]))
            let indexes = try await target.query("SELECT indexdef FROM pg_indexes WHERE tablename = 'plain' ORDER BY 1").map { $0[0] ?? "" }
            #expect(indexes.contains { $0.contains("UNIQUE INDEX") && $0.hasSuffix("(y)") })
            #expect(indexes.contains { $0.hasSuffix("(x DESC)") })

            let odd = try #require(report.tables.first { $0.name == "Odd \"Table\"" })
            #expect(odd.rowsRead == 3 && odd.rowsWritten == 3 && odd.refused == 0)
            #expect(odd.converted["julian-day-to-date"] == 1)
            #expect(odd.converted["julian-day-to-timestamp"] == 1)
            #expect(odd.converted["text-to-boolean"] == 1)
            #expect(odd.converted["timestamp-normalized"] == 1)
            #expect(odd.converted["number-to-text"] == 1)
            #expect(odd.converted["blob-to-text"] == 1)
            let notCarried = Set(report.notCarried.map { "\($0.kind) \($0.name)" })
            #expect(notCarried == ["view v", "trigger trg"])
            // An expression index that is not unique is carried (docs/migrating.md).
            #expect(indexes.contains { $0.contains("plain_expr") && $0.hasSuffix("(lower(y))") })
            #expect(report.notCarried.first { $0.name == "trg" }?.definition?.contains("AFTER INSERT") == true)
        }
    }

    static let badValues = """
        CREATE TABLE bad (id INTEGER PRIMARY KEY, n INTEGER, d DATE, t TEXT NOT NULL);
        INSERT INTO bad VALUES (1, 1, '2020-01-01', 'ok'), (2, 'two', '2020-01-02', 'ok'), (3, 3, 'someday', 'ok'),
            (4, 4, '2020-01-04', CAST(x'ff' AS TEXT)), (5, 5, '2020-01-05', 'ok');
        """

    @Test("a value the target cannot hold stops the restore by default, naming table, column, chunk and value")
    func badValueStops() async throws {
        let source = try Scratch.sqlite("bad")
        let target = try await Scratch.postgres("bad")
        try await withScratch([source, target]) {
            try await source.execute(Self.badValues)
            do {
                _ = try await migrate(source, into: target)
                Issue.record("the restore must fail")
            } catch let error as PoolKitError {
                #expect(error.message.contains("table bad, column n (INTEGER → bigint), chunk 0: value 'two'"), "\(error.message)")
            }
        }
    }

    @Test("--on-bad-value null and skip-row, counted per table", arguments: [CrossEngineOptions.BadValuePolicy.null, .skipRow])
    func badValuePolicies(policy: CrossEngineOptions.BadValuePolicy) async throws {
        let source = try Scratch.sqlite("badp")
        let target = try await Scratch.postgres("badp")
        try await withScratch([source, target]) {
            try await source.execute(Self.badValues)
            var options = RestoreOptions()
            options.crossEngine.onBadValue = policy
            if policy == .null {
                // t is NOT NULL: NULL cannot stand in for its bad value.
                do {
                    _ = try await migrate(source, into: target, options: options)
                    Issue.record("NULL into a NOT NULL column must fail")
                } catch let error as PoolKitError {
                    #expect(error.message.contains("NOT NULL"))
                }
                options.crossEngine.casts = [try CastRule(parsing: "column bad.t to blob")]
                options.clean = true
            }
            let summary = try await migrate(source, into: target, options: options)
            let table = try #require(summary.migration?.tables.first)
            #expect(table.rowsRead == 5)
            switch policy {
            case .null:
                #expect(table.refused == 2 && table.rowsWritten == 5 && table.rowsSkipped == 0)
                #expect(try await target.query("SELECT id, n, d, encode(t, 'escape') FROM bad ORDER BY id").map { $0 } == [
                    ["1", "1", "2020-01-01", "ok"], ["2", nil, "2020-01-02", "ok"], ["3", "3", nil, "ok"], ["4", "4", "2020-01-04", "\\377"],
                    ["5", "5", "2020-01-05", "ok"],
                ])
            default:
                #expect(table.refused == 3 && table.rowsWritten == 2 && table.rowsSkipped == 3)
                #expect(try await target.query("SELECT id FROM bad ORDER BY id").map { $0[0] } == ["1", "5"])
                #expect(table.refusedExamples.count == 3)
            }
        }
    }

    @Test("--fold-identifiers lower-cases names, also inside CHECKs and index expressions")
    func folding() async throws {
        let source = try Scratch.sqlite("fold")
        let target = try await Scratch.postgres("fold")
        try await withScratch([source, target]) {
            try await source.execute(
                #"""
                CREATE TABLE "Users" ("ID" INTEGER PRIMARY KEY, "Name" TEXT UNIQUE CONSTRAINT "Named" CHECK (length("Name") > 0));
                CREATE INDEX "Users_Lower" ON "Users" (lower("Name")) WHERE "ID" > 0;
                INSERT INTO "Users" VALUES (1, 'a');
                """#)
            var options = RestoreOptions()
            options.crossEngine.foldIdentifiers = true
            _ = try await migrate(source, into: target, options: options)
            #expect(try await target.scalar("SELECT name FROM users WHERE id = 1") == "a")
            #expect(try await target.scalar("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'named'") == "CHECK ((char_length(name) > 0))")
            #expect(try await target.scalar("SELECT indexdef FROM pg_indexes WHERE indexname = 'users_lower'")?.hasSuffix("(lower(name)) WHERE (id > 0)") == true)
            await #expect(throws: (any Error).self) { try await target.execute("INSERT INTO users (id, name) VALUES (2, '')") }
        }
    }

    @Test("an archive of the pages strategy (SQLite's default) goes through a scratch database and arrives like a logical one")
    func pagesThroughScratch() async throws {
        let source = try Scratch.sqlite("pages")
        let target = try await Scratch.postgres("pages")
        try await withScratch([source, target]) {
            try await source.execute(Self.schema)
            let path = NSTemporaryDirectory() + "pk-x-pages-\(UInt32.random(in: 0...UInt32.max)).poolkit"
            defer { try? FileManager.default.removeItem(atPath: path) }
            _ = try await BackupEngine(registry: registry, logger: quietLogger).backup(url: source.url, to: try FileArchiveSink(path: path))
            let staged = { Set(((try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())) ?? []).filter { $0.hasPrefix("poolkit-staging-") }) }
            let before = staged()

            var refused = RestoreOptions()
            refused.singleTransaction = true
            await #expect(throws: PoolKitError.self, "refused before anything is staged") {
                _ = try await RestoreEngine(registry: registry, logger: quietLogger).restore(
                    from: try FileArchiveSource(path: path), into: target.url, options: refused)
            }
            var options = RestoreOptions()
            options.jobs = 2
            let summary = try await RestoreEngine(registry: registry, logger: quietLogger).restore(
                from: try FileArchiveSource(path: path), into: target.url, options: options)
            #expect(summary.manifest.strategy == "copy", "loaded by PostgreSQL's own strategy")
            let report = try #require(summary.migration)
            #expect(report.sourceEngine == "sqlite")
            #expect(try await target.scalar("SELECT count(*) FROM plain") == "20000")
            #expect(try await target.scalar("SELECT sum(x) FROM plain") == "200010000")
            #expect(try await target.scalar("SELECT count(*) FROM pairs") == "3")
            #expect(try await target.scalar(#"SELECT encode(payload, 'hex') FROM "Odd ""Table""" WHERE id = 1"#) == "00ff0a")
            #expect(try await target.scalar(#"INSERT INTO "Odd ""Table"""("select") VALUES ('new') RETURNING id"#) == "11", "the counter carried")
            #expect(staged() == before, "the scratch directory is removed")
        }
    }
}
