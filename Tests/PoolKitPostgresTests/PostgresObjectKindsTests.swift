import Foundation
import PoolKitConformance
@testable import PoolKitPostgres
import Testing

/// Every object kind pg_dump carries round-trips through backup and restore, and what cannot be
/// carried is said, never dropped in silence.
@Suite(
    "PostgreSQL object kinds", .serialized,
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresObjectKindsTests {
    /// Runs `body` with a source and a target database; drops their subscriptions, then them.
    private func withDatabases(_ label: String, _ body: (ScratchDatabase, ScratchDatabase) async throws -> Void) async throws {
        let source = try await ScratchDatabase.create("\(label)_src")
        let target = try await ScratchDatabase.create("\(label)_dst")
        var failure: (any Error)?
        do { try await body(source, target) } catch { failure = error }
        for database in [source, target] {
            try? await database.execute(unsafeSQL: PostgresObjectKindsFixture.dropSubscriptions)
            await database.drop()
        }
        if let failure { throw failure }
    }

    @Test(
        "every object kind of pg_dump's test suite comes back: pg_dump --schema-only and every row agree",
        arguments: [1, 4], Transport.allCases)
    func objectKinds(jobs: Int, transport: Transport) async throws {
        try await withDatabases("kinds") { source, target in
            try await source.execute(unsafeSQL: PostgresObjectKindsFixture.schema)
            try await source.execute(unsafeSQL: PostgresObjectKindsFixture.data)
            var backupOptions = BackupOptions()
            backupOptions.jobs = jobs
            backupOptions.strict = true  // nothing of the fixture may be left out
            var restoreOptions = RestoreOptions()
            restoreOptions.jobs = jobs
            let (backed, _) = try await copyDatabase(
                from: source.url, to: target.url, via: transport, backupOptions: backupOptions, restoreOptions: restoreOptions)
            #expect(backed.manifest.omitted.isEmpty)

            let encodings = Dictionary(backed.manifest.tables.map { ($0.qualifiedName, $0.encoding) }, uniquingKeysWith: { a, _ in a })
            #expect(encodings["public.privs"] == .postgresCopyText, "aclitem has no binary send/receive")
            #expect(encodings["public.uses_myint"] == .postgresCopyText, "a user base type keeps its text form")
            #expect(encodings["public.in_heap2"] == .postgresCopyBinary)
            #expect(encodings["public.refs"] == .postgresCopyText, "regclass and the like are OIDs in binary")

            let expected = try await DatabaseFingerprint.read(source)
            #expect(expected.tables["public.uses_myint"]?.hasPrefix("2:") == true)
            #expect(try await DatabaseFingerprint.read(target) == expected)
            let sourceSchema = try #require(try schemaDump(source), "pg_dump is needed as the oracle")
            let targetSchema = try schemaDump(target)
            #expect(targetSchema == sourceSchema, "\(firstDifference(sourceSchema, targetSchema ?? ""))")
            for check in [
                "SELECT relpersistence FROM pg_class WHERE relname IN ('idt_id_seq', 'uidt_id_seq') ORDER BY relname",
                "SELECT subname, subenabled FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
                "SELECT obj_description(oid, 'pg_am') FROM pg_am WHERE amname = 'heap2'",
            ] {
                let source = try await source.query(unsafeSQL: check).rows
                let target = try await target.query(unsafeSQL: check).rows
                #expect(target.map { $0.first } == source.map { $0.first }, "\(check)")
            }
        }
    }

    @Test("--clean replaces base types, access methods, languages, transforms and subscriptions a target already has")
    func cleanReplacesNewKinds() async throws {
        try await withDatabases("clean") { source, target in
            try await source.execute(unsafeSQL:
                """
                CREATE TYPE public.myint;
                CREATE FUNCTION public.myint_in(cstring) RETURNS public.myint LANGUAGE internal IMMUTABLE STRICT AS 'int4in';
                CREATE FUNCTION public.myint_out(public.myint) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'int4out';
                CREATE TYPE public.myint (INPUT = public.myint_in, OUTPUT = public.myint_out, LIKE = pg_catalog.int4);
                CREATE ACCESS METHOD heap2 TYPE TABLE HANDLER heap_tableam_handler;
                CREATE TABLE public.in_heap2 (id integer, v public.myint) USING heap2;
                INSERT INTO public.in_heap2 VALUES (1, '5');
                CREATE TRANSFORM FOR integer LANGUAGE sql (FROM SQL WITH FUNCTION prsd_lextype(internal),
                    TO SQL WITH FUNCTION int4recv(internal));
                CREATE FUNCTION public.pltest_call_handler() RETURNS language_handler LANGUAGE c
                    AS '$libdir/plpgsql', 'plpgsql_call_handler';
                CREATE LANGUAGE pltest HANDLER public.pltest_call_handler;
                CREATE SUBSCRIPTION fixture_sub CONNECTION 'host=127.0.0.1 port=1 dbname=x' PUBLICATION p
                    WITH (connect = false, slot_name = 'a_slot_the_publisher_never_sees');
                """)
            let path = temporaryArchivePath()
            defer { try? FileManager.default.removeItem(atPath: path) }
            try await backup(source.url, to: path)
            try await restore(from: path, into: target.url)
            var clean = RestoreOptions()
            clean.clean = true
            try await restore(from: path, into: target.url, options: clean)
            #expect(try await target.query(unsafeSQL: "SELECT id, v::text FROM public.in_heap2").rows == [["1", "5"]])
            let sourceSchema = try #require(try schemaDump(source), "pg_dump is needed as the oracle")
            let targetSchema = try schemaDump(target)
            #expect(targetSchema == sourceSchema, "\(firstDifference(sourceSchema, targetSchema ?? ""))")
            try await source.execute(unsafeSQL: "ALTER SUBSCRIPTION fixture_sub DISABLE; ALTER SUBSCRIPTION fixture_sub SET (slot_name = NONE)")
            try await target.execute(unsafeSQL: "ALTER SUBSCRIPTION fixture_sub SET (slot_name = NONE)")
        }
    }

    @Test(
        "--clean restores every object kind over itself: operators, casts, conversions, text search objects, collations, foreign data wrappers, publications, event triggers",
        arguments: [1, 4])
    func cleanReplacesEveryKind(jobs: Int) async throws {
        try await withDatabases("cleanall") { source, target in
            try await source.execute(unsafeSQL: PostgresObjectKindsFixture.schema)
            try await source.execute(unsafeSQL: PostgresObjectKindsFixture.data)
            try await source.execute(unsafeSQL: PostgresObjectKindsFixture.databaseObjects)
            let path = temporaryArchivePath()
            defer { try? FileManager.default.removeItem(atPath: path) }
            var strict = BackupOptions()
            strict.strict = true
            try await backup(source.url, to: path, options: strict)
            var options = RestoreOptions()
            options.jobs = jobs
            try await restore(from: path, into: target.url, options: options)
            await #expect(throws: PoolKitError.self, "without --clean the existing objects are a conflict") {
                try await restore(from: path, into: target.url, options: options)
            }
            options.clean = true
            try await restore(from: path, into: target.url, options: options)
            // Twice: a target that --clean restored is cleaned as well.
            try await restore(from: path, into: target.url, options: options)
            #expect(try await DatabaseFingerprint.read(target) == (try await DatabaseFingerprint.read(source)))
            let sourceSchema = try #require(try schemaDump(source), "pg_dump is needed as the oracle")
            let targetSchema = try schemaDump(target)
            #expect(targetSchema == sourceSchema, "\(firstDifference(sourceSchema, targetSchema ?? ""))")
        }
    }

    @Test(
        "an index and a materialized view over a function that names objects without their schema are created as on the source, each with a warning",
        arguments: [1, 4], Transport.allCases)
    func unqualifiedFunctionBodies(jobs: Int, transport: Transport) async throws {
        try await withDatabases("searchpath") { source, target in
            // As earthdistance's ll_to_earth: an SQL function whose body finds `helper` through the
            // search path, which a restore's sessions leave empty (pg_restore fails on these).
            try await source.execute(unsafeSQL: 
                """
                CREATE FUNCTION public.helper(integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT $1 + 1';
                CREATE FUNCTION public.twice(integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT helper($1) * 2';
                CREATE TABLE public.uses (a integer);
                INSERT INTO public.uses SELECT generate_series(1, 20);
                CREATE INDEX uses_twice ON public.uses (public.twice(a));
                CREATE MATERIALIZED VIEW public.doubled AS SELECT a, public.twice(a) AS t FROM public.uses;
                """)
            let (_, restored) = try await copyDatabase(from: source.url, to: target.url, via: transport, jobs: jobs)
            let warned = Set(restored.warnings.compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) })
            #expect(warned == ["public.uses_twice", "public.doubled"], "\(restored.warnings)")
            #expect(restored.warnings.allSatisfy { $0.contains("default search_path") })
            #expect(try await DatabaseFingerprint.read(target) == (try await DatabaseFingerprint.read(source)))
            let sourceSchema = try #require(try schemaDump(source), "pg_dump is needed as the oracle")
            let targetSchema = try schemaDump(target)
            #expect(targetSchema == sourceSchema, "\(firstDifference(sourceSchema, targetSchema ?? ""))")
        }
    }

    @Test("a subscription's password never reaches the archive; the restored subscription connects without it")
    func subscriptionPassword() async throws {
        try await withDatabases("subpw") { source, target in
            try await source.execute(unsafeSQL:
                """
                CREATE SUBSCRIPTION fixture_sub CONNECTION 'host=127.0.0.1 port=1 user=rep password=hunter2-subscription dbname=x sslpassword=hunter2-key'
                    PUBLICATION p WITH (connect = false, slot_name = NONE)
                """)
            let path = temporaryArchivePath()
            defer { try? FileManager.default.removeItem(atPath: path) }
            let summary = try await backup(source.url, to: path)
            // The archive as read back (its manifest is compressed on disk, so its bytes prove nothing).
            let report = try await ArchiveVerifier().verify(FileArchiveSource(path: path))
            let manifest = String(decoding: try JSONEncoder().encode(report.manifest), as: UTF8.self)
            #expect(manifest.contains("fixture_sub"))
            #expect(!manifest.contains("hunter2"), "no password, no key password")
            try await restore(from: path, into: target.url)
            let conninfo = try await target.query(unsafeSQL:
                "SELECT subconninfo FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())")
            let restored = try #require(conninfo.rows.first?.first ?? nil)
            #expect(restored.contains("user='rep'") && restored.contains("host='127.0.0.1'") && restored.contains("dbname='x'"))
            #expect(!restored.contains("password") && !restored.contains("hunter2"))
        }
    }

    @Test("a backup by a role that is not a superuser names each subscription it cannot read, and the rest restores")
    func subscriptionsNeedSuperuser() async throws {
        try await withDatabases("subrole") { source, target in
            let role = "pk_reader_\(UInt32.random(in: 0...UInt32.max))"
            let password = "pw-\(UInt32.random(in: 0...UInt32.max))"
            try await source.execute(unsafeSQL:
                """
                CREATE ROLE \(role) LOGIN PASSWORD '\(password)';
                CREATE TABLE public.kept (x integer);
                INSERT INTO public.kept VALUES (1);
                GRANT SELECT ON public.kept TO \(role);
                CREATE SUBSCRIPTION fixture_sub CONNECTION 'host=127.0.0.1 port=1 dbname=x' PUBLICATION p
                    WITH (connect = false, slot_name = NONE);
                """)
            var failure: (any Error)?
            do {
                var url = source.url
                url.user = role
                url.password = password
                let path = temporaryArchivePath()
                defer { try? FileManager.default.removeItem(atPath: path) }
                let summary = try await backup(url, to: path)
                #expect(summary.manifest.omitted.map(\.description) == [
                    "subscription fixture_sub: its connection string is readable by superusers only: back up as a superuser to carry it (as pg_dump)"
                ])
                try await restore(from: path, into: target.url)
                #expect(try await target.query(unsafeSQL: "SELECT x FROM public.kept").rows == [["1"]])
            } catch { failure = error }
            try await target.execute(unsafeSQL: "DROP OWNED BY \(role)")  // the restored grant
            try await source.execute(unsafeSQL: "DROP OWNED BY \(role); DROP ROLE \(role)")
            if let failure { throw failure }
        }
    }

    @Test("columns of types no server reads back (pg_node_tree) are backed up as NULL and named; NOT NULL ones leave their table out")
    func unloadableColumns() async throws {
        try await withDatabases("nodetree") { source, target in
            try await source.execute(unsafeSQL:
                """
                CREATE TABLE public.rules_copy AS SELECT rulename::text AS name, ev_qual, ev_action, ev_class::regclass AS rel
                    FROM pg_catalog.pg_rewrite WHERE ev_class = 'pg_catalog.pg_views'::regclass;
                CREATE TABLE public.strict_copy (id integer, tree pg_node_tree NOT NULL);
                INSERT INTO public.strict_copy SELECT 1, ev_action FROM pg_catalog.pg_rewrite LIMIT 1;
                """)
            let path = temporaryArchivePath()
            defer { try? FileManager.default.removeItem(atPath: path) }
            let summary = try await backup(source.url, to: path)
            let omitted = summary.manifest.omitted.map { "\($0.kind) \($0.qualifiedName)" }
            #expect(omitted == ["column public.rules_copy.ev_qual", "column public.rules_copy.ev_action", "table public.strict_copy", "owner public.strict_copy"])
            try await restore(from: path, into: target.url)
            #expect(try await target.query(unsafeSQL: "SELECT name, ev_qual IS NULL, ev_action IS NULL, rel::text FROM public.rules_copy").rows == [["_RETURN", "t", "t", "pg_views"]])
            #expect(try await target.query(unsafeSQL: "SELECT count(*) FROM pg_class WHERE relname = 'strict_copy'").rows == [["0"]])
        }
    }

    @Test("an invalid index (a failed CREATE INDEX CONCURRENTLY) is named as not carried; its table restores")
    func invalidIndex() async throws {
        try await withDatabases("invidx") { source, target in
            try await source.execute(unsafeSQL: "CREATE TABLE public.dup (x integer); INSERT INTO public.dup VALUES (1), (1)")
            await #expect(throws: PoolKitError.self) {
                try await source.execute(unsafeSQL: "CREATE UNIQUE INDEX CONCURRENTLY dup_x ON public.dup (x)")
            }
            let path = temporaryArchivePath()
            defer { try? FileManager.default.removeItem(atPath: path) }
            let summary = try await backup(source.url, to: path)
            #expect(summary.manifest.omitted.map { "\($0.kind) \($0.qualifiedName)" } == ["index public.dup_x"])
            #expect(summary.manifest.omitted.first?.reason.contains("invalid") == true)
            try await restore(from: path, into: target.url)
            #expect(try await target.query(unsafeSQL: "SELECT count(*) FROM public.dup").rows == [["2"]])
        }
    }

    @Test("a dependency loop nothing can break is left out with what needs it, each named; the rest restores")
    func unbrokenLoop() async throws {
        try await withDatabases("loop") { source, target in
            // A stored generated column calling a function that reads its own table: the column needs
            // the function, the function's SQL-standard body needs the table.
            try await source.execute(unsafeSQL:
                """
                CREATE TABLE public.g (id integer);
                CREATE FUNCTION public.gmax() RETURNS integer LANGUAGE sql IMMUTABLE
                    BEGIN ATOMIC SELECT max(id) FROM public.g; END;
                ALTER TABLE public.g ADD COLUMN x integer GENERATED ALWAYS AS (public.gmax()) STORED;
                CREATE VIEW public.gv AS SELECT id FROM public.g;
                CREATE TABLE public.other (y integer);
                INSERT INTO public.g (id) VALUES (1);
                INSERT INTO public.other VALUES (5);
                """)
            let path = temporaryArchivePath()
            defer { try? FileManager.default.removeItem(atPath: path) }
            let summary = try await backup(source.url, to: path)
            let omitted = Dictionary(summary.manifest.omitted.map { ("\($0.kind) \($0.qualifiedName)", $0.reason) }, uniquingKeysWith: { a, _ in a })
            #expect(omitted["table public.g"]?.contains("dependency loop") == true, "\(omitted)")
            #expect(omitted["function public.gmax()"]?.contains("dependency loop") == true, "\(omitted)")
            #expect(omitted["view public.gv"] == "needs table public.g, which is not carried", "\(omitted)")
            #expect(!summary.manifest.tables.contains { $0.name == "g" })
            try await restore(from: path, into: target.url)
            #expect(try await target.query(unsafeSQL: "SELECT y FROM public.other").rows == [["5"]])
            #expect(try await target.query(unsafeSQL: "SELECT count(*) FROM pg_class WHERE relname IN ('g', 'gv')").rows == [["0"]])
        }
    }

    @Test(
        "tables, keys, indexes, materialized views and partitions in a tablespace are restored into it; a target without it gets them in the default one, with a warning",
        arguments: Transport.allCases)
    func tablespaces(transport: Transport) async throws {
        try await withDatabases("tblspc") { source, target in
            let tablespace = "pk_ts_\(UInt32.random(in: 0...UInt32.max))"
            let placed = ["placed", "placed_pkey", "placed_y_key", "placed_w_key", "placed_y", "placed_mv", "pt", "pt1", "pt_a", "pt1_a_idx"]
            let named = "relname IN (\(placed.map { "'\($0)'" }.joined(separator: ", ")))"
            let placement = "SELECT c.relname, COALESCE(t.spcname, 'default') FROM pg_class c LEFT JOIN pg_tablespace t ON t.oid = c.reltablespace WHERE \(named) ORDER BY 1"
            let drop = "DROP MATERIALIZED VIEW IF EXISTS public.placed_mv; DROP TABLE IF EXISTS public.placed, public.pt"
            // An in-place tablespace (a directory in the server's own pg_tblspc): no directory to prepare.
            try await ScratchDatabase.withConnection(source.url) { connection in
                try await connection.execute(unsafeSQL: "SET allow_in_place_tablespaces = true")
                try await connection.execute(unsafeSQL: "CREATE TABLESPACE \(tablespace) LOCATION ''")
                try await connection.execute(unsafeSQL: 
                    """
                    CREATE TABLE public.placed (x integer PRIMARY KEY USING INDEX TABLESPACE \(tablespace),
                        y integer UNIQUE USING INDEX TABLESPACE \(tablespace), z text,
                        w integer UNIQUE USING INDEX TABLESPACE \(tablespace) DEFERRABLE) TABLESPACE \(tablespace);
                    CREATE INDEX placed_y ON public.placed (y, z) TABLESPACE \(tablespace);
                    INSERT INTO public.placed SELECT g, g, 'row ' || g, g FROM generate_series(1, 50) g;
                    CREATE MATERIALIZED VIEW public.placed_mv TABLESPACE \(tablespace) AS SELECT x FROM public.placed WHERE x < 10;
                    CREATE TABLE public.pt (a integer) PARTITION BY LIST (a) TABLESPACE \(tablespace);
                    CREATE TABLE public.pt1 PARTITION OF public.pt FOR VALUES IN (1);
                    CREATE INDEX pt_a ON public.pt (a) TABLESPACE \(tablespace);
                    INSERT INTO public.pt VALUES (1);
                    """)
            }
            var failure: (any Error)?
            do {
                let path = temporaryArchivePath()
                defer { try? FileManager.default.removeItem(atPath: path) }
                var strict = BackupOptions()
                strict.strict = true  // nothing is left out
                let (backed, restored) = try await copyDatabase(
                    from: source.url, to: target.url, via: transport, backupOptions: strict, restoreOptions: RestoreOptions())
                #expect(backed.manifest.omitted.isEmpty)
                #expect(restored.warnings.isEmpty)
                let expected = try await source.query(unsafeSQL: placement).rows
                #expect(expected.count == placed.count && expected.allSatisfy { $0[1] == tablespace }, "\(expected)")
                #expect(try await target.query(unsafeSQL: placement).rows == expected)
                #expect(try await DatabaseFingerprint.read(target) == (try await DatabaseFingerprint.read(source)))
                let sourceSchema = try #require(try schemaDump(source), "pg_dump is needed as the oracle")
                let targetSchema = try schemaDump(target)
                #expect(targetSchema == sourceSchema, "\(firstDifference(sourceSchema, targetSchema ?? ""))")

                // The same archive, into a cluster that no longer has a tablespace of that name (renamed:
                // dropping one waits for a checkpoint, which another test's full disk may hold up).
                try await backup(source.url, to: path)
                try await target.execute(unsafeSQL: drop)
                try await ScratchDatabase.withConnection(try ScratchDatabase.serverURL()) {
                    try await $0.execute(unsafeSQL: "ALTER TABLESPACE \(tablespace) RENAME TO \(tablespace)_moved")
                }
                let summary = try await restore(from: path, into: target.url)
                #expect(summary.warnings.count == 1)
                #expect(summary.warnings.first?.contains("tablespace \(tablespace) does not exist in the target") == true)
                #expect(try await target.query(unsafeSQL: placement).rows.map { $0[1] } == placed.map { _ in "default" })
                #expect(try await target.query(unsafeSQL: "SELECT count(*), sum(x) FROM public.placed").rows == [["50", "1275"]])
            } catch { failure = error }
            try? await source.execute(unsafeSQL: drop)
            try? await target.execute(unsafeSQL: drop)
            try? await ScratchDatabase.withConnection(try ScratchDatabase.serverURL()) {
                try await $0.execute(unsafeSQL: "DROP TABLESPACE IF EXISTS \(tablespace)")
                try await $0.execute(unsafeSQL: "DROP TABLESPACE IF EXISTS \(tablespace)_moved")
            }
            if let failure { throw failure }
        }
    }
}
