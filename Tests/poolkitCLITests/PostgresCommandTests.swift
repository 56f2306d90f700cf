import Foundation
import PoolKitConformance
import Testing

/// `poolkit backup -o - | poolkit restore -` against the real PostgreSQL test server, with psql as
/// the oracle. The password reaches libpq through PGPASSWORD, never the command line.
@Suite(
    "poolkit CLI with PostgreSQL",
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresCommandTests {
    /// The server URL without its password, and the password.
    private func server() throws -> (base: String, password: String) {
        let text = try #require(TestServers.url(for: .postgres), "\(TestServers.missingMessage(for: .postgres))")
        let withoutQuery = text.split(separator: "?", maxSplits: 1)[0]
        let parts = try #require(withoutQuery.firstRange(of: "://"))
        let scheme = withoutQuery[..<parts.upperBound]
        let rest = withoutQuery[parts.upperBound...]
        let at = try #require(rest.lastIndex(of: "@"))
        let credentials = rest[..<at]
        let (user, password) = credentials.split(separator: ":", maxSplits: 1).map(String.init).pair
        let hostAndDatabase = rest[rest.index(after: at)...]
        let host = hostAndDatabase.split(separator: "/", maxSplits: 1)[0]
        return ("\(scheme)\(user)@\(host)", password ?? "")
    }

    /// Runs `sql` with psql, off the cooperative pool (``offPool``): a `DROP DATABASE` waits for
    /// every backend to absorb a barrier, and a backend blocked writing to another test's reader
    /// absorbs it only once that reader runs, which two blocked pool threads (on two cores) forbid.
    @discardableResult
    private func psql(_ url: String, _ sql: String, password: String) async throws -> String {
        try await offPool { try Self.psqlBlocking(url, sql, password: password) }
    }

    private static func psqlBlocking(_ url: String, _ sql: String, password: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = ["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql]
        process.environment = ProcessInfo.processInfo.environment.merging(["PGPASSWORD": password]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CLITestFailure("psql failed: \(sql)") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Creates the databases, runs `body`, then drops them (whatever `body` did) and rethrows.
    private func withDatabases(
        _ names: [String], base: String, password: String, _ body: () async throws -> Void
    ) async throws {
        let admin = base + "/postgres"
        for name in names { try await psql(admin, "CREATE DATABASE \(name)", password: password) }
        var failure: (any Error)?
        do { try await body() } catch { failure = error }
        for name in names { _ = try? await psql(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)", password: password) }
        if let failure { throw failure }
    }

    @Test("backup to standard output piped into restore from standard input, with every job active")
    func pipe() async throws {
        let (base, password) = try server()
        let suffix = UInt32.random(in: 0...UInt32.max)
        let (source, target) = ("pk_cli_src_\(suffix)", "pk_cli_dst_\(suffix)")
        try await withDatabases([source, target], base: base, password: password) {
            try await psql(
                base + "/" + source,
                #"""
                CREATE SCHEMA "Odd ""S""";
                CREATE TABLE "Odd ""S""".items (id integer PRIMARY KEY, "Name" text, at timestamptz, tags text[]);
                INSERT INTO "Odd ""S""".items SELECT g, E'item\t' || g, '2024-01-01'::timestamptz + g * interval '1 minute', ARRAY['a', NULL]
                FROM generate_series(1, 30000) g;
                """#, password: password)
            let shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/bin/bash")
            shell.arguments = [
                "-c", "set -o pipefail; \"$0\" backup \"$1\" -o - --jobs 3 --quiet | \"$0\" restore - \"$2\" --jobs 3 --quiet",
                try poolkitBinary().path, base + "/" + source, base + "/" + target,
            ]
            shell.environment = ProcessInfo.processInfo.environment.merging(["PGPASSWORD": password]) { $1 }
            let status = try await offPool {
                try shell.run()
                shell.waitUntilExit()
                return shell.terminationStatus
            }
            #expect(status == 0)
            let digest = "SELECT count(*) || md5(string_agg(t::text, ',' ORDER BY id)) FROM \"Odd \"\"S\"\"\".items t"
            let restored = try await psql(base + "/" + target, digest, password: password)
            #expect(try await restored == psql(base + "/" + source, digest, password: password))
        }
    }

    @Test("what a backup cannot carry is a warning on stderr and a list in inspect; --strict exits 1 and leaves no archive")
    func notCarried() async throws {
        let (base, password) = try server()
        let database = "pk_cli_omit_\(UInt32.random(in: 0...UInt32.max))"
        try await withDatabases([database], base: base, password: password) {
            // pg_node_tree: the server writes it, but its input function refuses every value.
            try await psql(
                base + "/" + database, "CREATE TABLE trees AS SELECT ev_action FROM pg_catalog.pg_rewrite LIMIT 1",
                password: password)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pk-cli-omit-\(database)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let archive = directory.appendingPathComponent("omit.poolkit").path
            let environment = ["PGPASSWORD": password]

            let backup = try await runPoolKit(["backup", base + "/" + database, "-o", archive, "--quiet"], environment: environment)
            #expect(backup.status == 0, "\(backup.all)")
            #expect(backup.standardError.contains("poolkit: warning: not carried: column public.trees.ev_action: "), "\(backup.all)")
            let inspect = try await runPoolKit(["inspect", archive])
            #expect(inspect.standardOutput.contains("not carried (1)"), "\(inspect.all)")
            #expect(inspect.standardOutput.contains("column public.trees.ev_action: "), "\(inspect.all)")
            let json = try await runPoolKit(["inspect", archive, "--json"])
            let parsed = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
            let omitted = try #require(parsed?["omitted"] as? [[String: Any]], "\(json.all)")
            #expect(omitted.count == 1 && omitted.first?["kind"] as? String == "column" && omitted.first?["name"] as? String == "trees.ev_action", "\(omitted)")

            let strictArchive = directory.appendingPathComponent("strict.poolkit").path
            let strict = try await runPoolKit(["backup", base + "/" + database, "-o", strictArchive, "--strict", "--quiet"], environment: environment)
            #expect(strict.status == 1, "\(strict.all)")
            #expect(strict.standardError.contains("--strict: the backup cannot carry 1 object: column public.trees.ev_action"), "\(strict.all)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["omit.poolkit"], "no archive, no partial file")
        }
    }

    @Test("a restore into a cluster without an archive's tablespace exits 0 and warns on stderr, even with --quiet")
    func tablespaceMissingInTarget() async throws {
        let (base, password) = try server()
        let suffix = UInt32.random(in: 0...UInt32.max)
        let (source, target, tablespace) = ("pk_cli_ts_src_\(suffix)", "pk_cli_ts_dst_\(suffix)", "pk_cli_ts_\(suffix)")
        let admin = base + "/postgres"
        var failure: (any Error)?
        do {
            try await withDatabases([source, target], base: base, password: password) {
                // An in-place tablespace (in the server's own pg_tblspc): nothing to prepare on disk.
                let inPlace = base + "/" + source + "?options=-c%20allow_in_place_tablespaces%3Don"
                try await psql(inPlace, "CREATE TABLESPACE \(tablespace) LOCATION ''", password: password)
                try await psql(base + "/" + source, "CREATE TABLE placed (x integer) TABLESPACE \(tablespace); INSERT INTO placed VALUES (7)", password: password)
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pk-cli-ts-\(suffix)")
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: directory) }
                let archive = directory.appendingPathComponent("ts.poolkit").path
                let environment = ["PGPASSWORD": password]

                let backup = try await runPoolKit(["backup", base + "/" + source, "-o", archive, "--strict", "--quiet"], environment: environment)
                #expect(backup.status == 0, "\(backup.all)")
                #expect(!backup.standardError.contains("not carried"), "\(backup.all)")
                // Renamed, not dropped: a drop waits for a checkpoint, which another test's full disk may hold up.
                try await psql(admin, "ALTER TABLESPACE \(tablespace) RENAME TO \(tablespace)_moved", password: password)
                let restore = try await runPoolKit(["restore", archive, base + "/" + target, "--quiet"], environment: environment)
                #expect(restore.status == 0, "\(restore.all)")
                #expect(
                    restore.standardError.contains(
                        "poolkit: warning: tablespace \(tablespace) does not exist in the target: 1 object(s) placed in it (public.placed) are created in the default tablespace"),
                    "\(restore.all)")
                #expect(try await psql(base + "/" + target, "SELECT x FROM placed", password: password) == "7")
            }
        } catch { failure = error }
        _ = try? await psql(admin, "DROP TABLESPACE IF EXISTS \(tablespace)", password: password)
        _ = try? await psql(admin, "DROP TABLESPACE IF EXISTS \(tablespace)_moved", password: password)
        if let failure { throw failure }
    }
}

extension Array where Element == String {
    fileprivate var pair: (String, String?) { (self[0], count > 1 ? self[1] : nil) }
}
