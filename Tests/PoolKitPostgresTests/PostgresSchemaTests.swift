import Foundation
import Logging
import PoolKitConformance
import Testing

@testable import PoolKitPostgres

/// The schema reader against the real server, with pg_dump as the oracle: a database restored by
/// running the objects' DDL in order dumps (`pg_dump --schema-only`) exactly like its source.
@Suite(
    "PostgreSQL schema reader",
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresSchemaTests {
    let driver = PostgresDriver()
    let logger = Logger(label: "poolkit.tests.postgres.schema")

    func serverURL() throws -> ConnectionURL {
        let text = try #require(TestServers.url(for: .postgres), Comment(rawValue: TestServers.missingMessage(for: .postgres)))
        return try ConnectionURL(text)
    }

    func connect(to database: String? = nil) async throws -> PostgresConnection {
        var url = try serverURL()
        if let database { url.database = database }
        let connection = try await driver.connect(to: url, logger: logger)
        return try #require(connection as? PostgresConnection)
    }

    /// Runs `body` with a connection to `database` and closes it afterwards.
    func withConnection<T>(to database: String? = nil, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await connect(to: database)
        do {
            let value = try await body(connection)
            await connection.close()
            return value
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Creates databases (and roles) with random names, runs `body`, and drops them all.
    func withScratch(
        databases count: Int, roles roleCount: Int = 0, _ body: ([String], [String]) async throws -> Void
    ) async throws {
        let tag = UInt32.random(in: 0...UInt32.max)
        let databases = (0..<count).map { "poolkit_schema_\(tag)_\($0)" }
        let roles = (0..<roleCount).map { "PoolKit Role \"\($0)\" \(tag)" }
        try await withConnection { admin in
            for role in roles { try await admin.execute(unsafeSQL: "CREATE ROLE \(PostgresSQL.identifier(role)) NOLOGIN") }
            for database in databases { try await admin.execute(unsafeSQL: "CREATE DATABASE \(database)") }
            var failure: (any Error)?
            do { try await body(databases, roles) } catch { failure = error }
            for database in databases { try await admin.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
            for role in roles {
                // Privileges a role holds in other databases are gone with them; in the test database, too.
                try await admin.execute(unsafeSQL: "DROP OWNED BY \(PostgresSQL.identifier(role)); DROP ROLE \(PostgresSQL.identifier(role))")
            }
            if let failure { throw failure }
        }
    }

    /// Reads the schema of `database` inside a REPEATABLE READ transaction, as a backup does.
    func readSchema(of database: String, options: BackupOptions = BackupOptions()) async throws -> PostgresSchema {
        try await withConnection(to: database) { connection in
            try await connection.execute(unsafeSQL: "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            let schema = try await PostgresSchemaReader.read(on: connection, options: options)
            let path = try await connection.query(unsafeSQL: "SHOW search_path")
            try await connection.execute(unsafeSQL: "COMMIT")
            #expect(path.scalar == "\"$user\", public", "the reader must give back the caller's search_path")
            return schema
        }
    }

    /// Runs every object's DDL on `database`, as a restore does: in the order of the objects, or
    /// with `latestFirst`, section by section in another order that only respects the declared
    /// dependencies (the latest ready object first), as a restore that creates objects in
    /// dependency waves on several connections may.
    func restore(_ schema: PostgresSchema, into database: String, latestFirst: Bool = false) async throws {
        var order = schema.objects
        if latestFirst {
            order = []
            var done: Set<UInt32> = []
            for section in ArchiveSection.allCases {
                var pending = schema.objects.filter { $0.section == section }
                while !pending.isEmpty {
                    let ready = pending.indices.filter { pending[$0].dependencies.allSatisfy(done.contains) }
                    let next = try #require(ready.max { pending[$0].id < pending[$1].id }, "a dependency cycle")
                    order.append(pending[next])
                    done.insert(pending[next].id)
                    pending.remove(at: next)
                }
            }
        }
        try await withConnection(to: database) { connection in
            try await connection.execute(unsafeSQL:
                "SET check_function_bodies = off; SET client_min_messages = error; SELECT set_config('search_path', '', false)")
            for object in order {
                guard let ddl = object.ddl, !ddl.isEmpty else { continue }
                do {
                    try await connection.execute(unsafeSQL: ddl)
                } catch {
                    Issue.record("object \(object.id) (\(object.kind.rawValue) \(object.name)) failed: \(error)\n\(ddl)")
                    throw error
                }
            }
        }
    }

    /// `pg_dump --schema-only` of `database` without its comment lines (and the random
    /// `\restrict` key lines of recent pg_dump releases).
    func dumpSchema(of database: String, arguments extra: [String] = []) throws -> String {
        let url = try serverURL()
        let binary = [
            ProcessInfo.processInfo.environment["POOLKIT_TEST_PG_BIN"].map { "\($0)/pg_dump" },
            "/usr/lib/postgresql/15/bin/pg_dump", "/usr/bin/pg_dump",
        ].compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(binary, "pg_dump is not installed"))
        var arguments = ["--schema-only", "--no-password", "--dbname", database] + extra
        if let host = url.host { arguments += ["--host", host] }
        if let port = url.port { arguments += ["--port", String(port)] }
        if let user = url.user { arguments += ["--username", user] }
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = url.password
        process.environment = environment
        let output = Pipe()
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("pg_dump-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let message = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        try #require(process.terminationStatus == 0, "pg_dump failed: \(message)")
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("--") && !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict") }
            .joined(separator: "\n")
    }

    /// A unified diff of two texts (by `diff -u`), for failure messages.
    func diff(_ left: String, _ right: String) -> String {
        let directory = FileManager.default.temporaryDirectory
        let a = directory.appendingPathComponent("source-\(UUID().uuidString).sql")
        let b = directory.appendingPathComponent("restored-\(UUID().uuidString).sql")
        defer {
            try? FileManager.default.removeItem(at: a)
            try? FileManager.default.removeItem(at: b)
        }
        guard (try? left.write(to: a, atomically: true, encoding: .utf8)) != nil,
            (try? right.write(to: b, atomically: true, encoding: .utf8)) != nil
        else { return "(could not write the dumps for diff)" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/diff")
        process.arguments = ["-u", a.path, b.path]
        let output = Pipe()
        process.standardOutput = output
        guard (try? process.run()) != nil else { return "(diff is not available)" }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Dumps `source` and `target` with pg_dump and expects the same text.
    func expectSameDump(_ source: String, _ target: String, arguments: [String] = []) throws {
        let expected = try dumpSchema(of: source, arguments: arguments)
        let actual = try dumpSchema(of: target, arguments: arguments)
        let same = expected == actual
        #expect(same, "pg_dump --schema-only differs:\n\(same ? "" : diff(expected, actual))")
    }

    /// The objects' ids are unique, ≥ 1, and each object comes after its dependencies.
    func expectWellOrdered(_ schema: PostgresSchema) {
        var seen: Set<UInt32> = []
        for object in schema.objects {
            #expect(object.id >= 1)
            #expect(!seen.contains(object.id), "duplicate id \(object.id)")
            for dependency in object.dependencies {
                #expect(seen.contains(dependency), "object \(object.id) comes before its dependency \(dependency)")
            }
            seen.insert(object.id)
        }
        for table in schema.tables {
            let kinds: [ArchiveObject.Kind] = [.table, PostgresObjectKind.extensionTable]
            #expect(schema.objects.contains { $0.id == table.objectID && kinds.contains($0.kind) })
        }
    }

    @Test("a rich schema restored from the reader's DDL dumps like its source under pg_dump --schema-only")
    func richSchemaRoundTrip() async throws {
        try await withScratch(databases: 3, roles: 2) { databases, roles in
            let (source, target) = (databases[0], databases[1])
            try await withConnection(to: source) { connection in
                try await connection.execute(unsafeSQL: "SET client_min_messages = error")
                try await connection.execute(unsafeSQL: PostgresSchemaFixture.sql(owner: roles[0], reader: roles[1]))
            }
            let schema = try await readSchema(of: source)
            expectWellOrdered(schema)
            try await restore(schema, into: target)
            try expectSameDump(source, target)
            try await restore(schema, into: databases[2], latestFirst: true)
            try expectSameDump(source, databases[2])

            // What pg_dump --schema-only does not show: sequence values and large objects.
            let checks = [
                "SELECT last_value, is_called FROM app.counter",
                "SELECT last_value, is_called FROM app.invoice_seq",
                "SELECT last_value, is_called FROM app.by_default_id_seq",
                """
                SELECT oid, pg_get_userbyid(lomowner), lomacl::text, obj_description(oid, 'pg_largeobject')
                FROM pg_largeobject_metadata ORDER BY oid
                """,
                "SELECT relname, relispopulated FROM pg_class WHERE relkind = 'm' ORDER BY relname",
            ]
            for check in checks {
                let expected = try await withConnection(to: source) { try await $0.query(unsafeSQL: check) }
                let actual = try await withConnection(to: target) { try await $0.query(unsafeSQL: check) }
                #expect(expected.rows == actual.rows, "\(check)")
            }
            #expect(schema.largeObjects == [424242, 424243])

            // The tables whose rows are dumped: leaves, not partitioned parents or views.
            let names = Set(schema.tables.map { "\($0.schema).\($0.name)" })
            #expect(names.contains("app.events_2024_a") && names.contains("app.events_2025"))
            #expect(!names.contains("app.events") && !names.contains("app.events_2024"))
            #expect(!names.contains("app.active_customers") && !names.contains("app.customer_counts"))
            let customers = try #require(schema.tables.first { $0.name == "customers" })
            #expect(!customers.columns.contains { $0.name == "name_upper" }, "generated columns are not copied")
            #expect(customers.columns.first?.name == "id")
            let settings = try #require(schema.tables.first { $0.name == "hstore_settings" })
            #expect(settings.rowFilter == "WHERE id > 100")
            #expect(settings.columns.map(\.name) == ["id", "value"])
            let settingsObject = try #require(schema.objects.first { $0.id == settings.objectID })
            #expect(settingsObject.kind == PostgresObjectKind.extensionTable && settingsObject.ddl == "")
            #expect(schema.objects.contains { $0.kind == .extension && settingsObject.dependencies.contains($0.id) })
            #expect(customers.rowFilter == nil)
            // What the rows may break, or what would fire while they load, comes after the data.
            for name in ["code_upper", "email_lower", "customers_touch", "customers_pkey", "orders_first_item_fk"] {
                #expect(schema.objects.first { $0.name == name }?.section == .postData, "\(name)")
            }
            #expect(schema.properties["server_version_num"]?.hasPrefix("15") == true)
            #expect(schema.properties["encoding"] != nil)
        }
    }

    @Test("the object-kinds fixture restored from the reader's DDL in any dependency order dumps like its source")
    func objectKindsInAnyOrder() async throws {
        try await withScratch(databases: 3) { databases, _ in
            let (source, target, other) = (databases[0], databases[1], databases[2])
            var failure: (any Error)?
            do {
                try await withConnection(to: source) { connection in
                    try await connection.execute(unsafeSQL: "SET client_min_messages = error")
                    try await connection.execute(unsafeSQL: PostgresObjectKindsFixture.schema)
                }
                let schema = try await readSchema(of: source)
                expectWellOrdered(schema)
                #expect(schema.omitted.isEmpty && schema.unbrokenLoops.isEmpty)
                try await restore(schema, into: target)
                try expectSameDump(source, target)
                try await restore(schema, into: other, latestFirst: true)
                try expectSameDump(source, other)
            } catch { failure = error }
            for database in databases {
                try await withConnection(to: database) { try await $0.execute(unsafeSQL: PostgresObjectKindsFixture.dropSubscriptions) }
            }
            if let failure { throw failure }
        }
    }

    @Test("an empty database round-trips")
    func emptyDatabase() async throws {
        try await withScratch(databases: 2) { databases, _ in
            let schema = try await readSchema(of: databases[0])
            #expect(schema.tables.isEmpty)
            #expect(schema.largeObjects.isEmpty)
            #expect(schema.objects.allSatisfy { $0.name == "public" })
            try await restore(schema, into: databases[1])
            try expectSameDump(databases[0], databases[1])
        }
    }

    @Test("a user mapping's remote password never reaches the archive; its other options do")
    func userMappingPasswordsLeftOut() async throws {
        try await withScratch(databases: 1) { databases, _ in
            try await withConnection(to: databases[0]) { connection in
                try await connection.execute(unsafeSQL:
                    """
                    CREATE FOREIGN DATA WRAPPER secret_fdw;
                    CREATE SERVER secret_server FOREIGN DATA WRAPPER secret_fdw;
                    CREATE USER MAPPING FOR PUBLIC SERVER secret_server
                        OPTIONS (user 'remote', password 'hunter2-remote-secret', sslpassword 'key-secret');
                    """)
            }
            let schema = try await readSchema(of: databases[0])
            let ddl = schema.objects.compactMap(\.ddl).joined(separator: "\n")
            #expect(ddl.contains("CREATE USER MAPPING FOR PUBLIC SERVER \"secret_server\" OPTIONS (\"user\" 'remote')"))
            #expect(!ddl.contains("hunter2-remote-secret"))
            #expect(!ddl.contains("key-secret"))
        }
    }

    @Test("changes to the public schema (owner, comment dropped, privileges) round-trip")
    func publicSchema() async throws {
        try await withScratch(databases: 2, roles: 1) { databases, roles in
            try await withConnection(to: databases[0]) { connection in
                try await connection.execute(unsafeSQL:
                    """
                    COMMENT ON SCHEMA public IS NULL;
                    ALTER SCHEMA public OWNER TO \(PostgresSQL.identifier(roles[0]));
                    REVOKE ALL ON SCHEMA public FROM PUBLIC;
                    GRANT CREATE ON SCHEMA public TO PUBLIC;
                    """)
            }
            let schema = try await readSchema(of: databases[0])
            try await restore(schema, into: databases[1])
            try expectSameDump(databases[0], databases[1])
        }
    }

    @Test("--table keeps the named tables with their indexes, constraints, triggers and owned sequences, nothing else")
    func tableSelection() async throws {
        try await withScratch(databases: 2) { databases, _ in
            let prerequisites = """
                CREATE SCHEMA s;
                CREATE FUNCTION s.f() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
                """
            try await withConnection(to: databases[0]) { connection in
                try await connection.execute(unsafeSQL:
                    prerequisites
                        + """
                        CREATE TABLE s."My Table" (id serial PRIMARY KEY, v text CHECK (v <> ''));
                        CREATE INDEX my_v ON s."My Table" (v);
                        COMMENT ON COLUMN s."My Table".v IS 'value';
                        CREATE TRIGGER t BEFORE INSERT ON s."My Table" FOR EACH ROW EXECUTE FUNCTION s.f();
                        CREATE TABLE s.other (id integer PRIMARY KEY REFERENCES s."My Table");
                        CREATE TABLE public.plain (x integer);
                        """)
            }
            var options = BackupOptions()
            options.includeTables = [#""s"."My Table""#, "plain"]
            let schema = try await readSchema(of: databases[0], options: options)
            expectWellOrdered(schema)
            #expect(Set(schema.tables.map(\.name)) == ["My Table", "plain"])
            let kinds = Set(schema.objects.map(\.kind.rawValue))
            #expect(!kinds.contains("schema") && !kinds.contains("function"))
            #expect(schema.objects.contains { $0.kind == .index && $0.name == "my_v" })
            #expect(schema.objects.contains { $0.kind == .trigger && $0.name == "t" })
            #expect(schema.objects.contains { $0.kind == .constraint && $0.name == "My Table_pkey" })
            #expect(schema.objects.contains { $0.kind == .sequence && $0.name == "My Table_id_seq" })
            #expect(!schema.objects.contains { $0.name == "other" || $0.name == "other_pkey" })

            // pg_dump -t is the oracle: the same tables, restored where the schema and function exist.
            try await withConnection(to: databases[1]) { try await $0.execute(unsafeSQL: prerequisites) }
            try await restore(schema, into: databases[1])
            try expectSameDump(databases[0], databases[1], arguments: ["--table", #"s."My Table""#, "--table", "plain"])

            var excluding = BackupOptions()
            excluding.excludeTables = ["s.other"]
            let rest = try await readSchema(of: databases[0], options: excluding)
            #expect(Set(rest.tables.map(\.name)) == ["My Table", "plain"])
            #expect(rest.objects.contains { $0.kind == .function })
            #expect(!rest.objects.contains { $0.name == "other_pkey" || $0.name == "other_id_fkey" })
        }
    }
}

@Suite("PostgreSQL table patterns")
struct PostgresTablePatternTests {
    @Test(
        "--table names are read like pg_dump's: unquoted folded to lower case, quoted kept",
        arguments: [
            ("orders", nil, "orders"),
            ("Sales.Orders", "sales", "orders"),
            (#""My Table""#, nil, "My Table"),
            (#""s"."t""#, "s", "t"),
            (#""a.b""#, nil, "a.b"),
            (#"public."Quote""d""#, "public", #"Quote"d"#),
            (#"db.s.t"#, "s", "t"),
        ] as [(String, String?, String)])
    func parsesPatterns(pattern: String, schema: String?, name: String) {
        let parsed = PostgresSchemaReader.parseTablePattern(pattern)
        #expect(parsed.schema == schema)
        #expect(parsed.name == name)
    }
}
