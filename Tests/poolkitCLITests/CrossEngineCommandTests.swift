import Foundation
import PoolKitConformance
import Testing

/// `poolkit backup sqlite:… -o - | poolkit restore - postgres://…`: a SQLite file into the real
/// PostgreSQL test server from the command line, with the migration report.
@Suite(
    "poolkit CLI across engines",
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct CrossEngineCommandTests {
    /// The server URL without its password, and the password.
    private func server() throws -> (base: String, password: String) {
        let text = try #require(TestServers.url(for: .postgres), "\(TestServers.missingMessage(for: .postgres))")
        let url = try #require(URLComponents(string: text))
        return ("postgres://\(url.user ?? "")@\(url.host ?? "127.0.0.1"):\(url.port ?? 5432)", url.password ?? "")
    }

    /// Runs a program to its end, off the cooperative pool (it may wait for this process's own clients).
    private func run(_ executable: String, _ arguments: [String], environment: [String: String]) async throws -> (status: Int32, output: String) {
        try await offPool { try Self.runBlocking(executable, arguments, environment: environment) }
    }

    private static func runBlocking(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A scratch database on the test server and a scratch directory, for `body`, both removed afterwards.
    private func withScratch(
        _ label: String, _ body: (_ target: String, _ directory: URL, _ environment: [String: String]) async throws -> Void
    ) async throws {
        let (base, password) = try server()
        let suffix = UInt32.random(in: 0...UInt32.max)
        let database = "pk_cli_\(label)_\(suffix)"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pk-cli-\(label)-\(suffix)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let environment = ["PGPASSWORD": password]
        _ = try await run("/usr/bin/psql", ["-X", "-q", base + "/postgres", "-c", "CREATE DATABASE \(database)"], environment: environment)
        do {
            try await body(base + "/" + database, directory, environment)
        } catch {
            await drop()
            throw error
        }
        await drop()
        func drop() async {
            _ = try? await run("/usr/bin/psql", ["-X", "-q", base + "/postgres", "-c", "DROP DATABASE IF EXISTS \(database) WITH (FORCE)"], environment: environment)
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// `directory/app.db`, made by the sqlite3 shell from `sql`.
    private func sqliteFile(in directory: URL, _ sql: String) async throws -> String {
        let path = directory.appendingPathComponent("app.db").path
        let sqlite = try await run("/usr/bin/sqlite3", [path, sql], environment: [:])
        #expect(sqlite.status == 0, "\(sqlite.output)")
        return path
    }

    @Test("a pipe from a SQLite backup into a PostgreSQL restore, --report written, a bad value named, --on-bad-value checked")
    func pipe() async throws {
        try await withScratch("x") { target, directory, environment in
            let file = try await sqliteFile(
                in: directory,
                "CREATE TABLE orders (id INTEGER PRIMARY KEY, flags INTEGER, note TEXT); INSERT INTO orders VALUES (1, 3, 'a'), (2, 'x', 'b'); CREATE VIEW big AS SELECT * FROM orders WHERE id > 1;")
            let report = directory.appendingPathComponent("report.json").path
            let binary = try poolkitBinary().path
            let pipeline = "set -o pipefail; \"$0\" backup \"$1\" --strategy logical -o - --quiet | \"$0\" restore - \"$2\" --jobs 2"

            let refused = try await run("/bin/bash", ["-c", pipeline, binary, "sqlite://" + file, target], environment: environment)
            #expect(refused.status != 0)
            #expect(refused.output.contains("table orders, column flags (INTEGER → bigint), chunk 0: value 'x'"), "\(refused.output)")

            let cast = try await run(
                "/bin/bash", ["-c", pipeline + " --clean --cast 'column orders.flags to text' --report \"$3\"", binary, "sqlite://" + file, target, report],
                environment: environment)
            #expect(cast.status == 0, "\(cast.output)")
            #expect(cast.output.contains("orders: read 2, written 2, converted: number-to-text 1"), "\(cast.output)")
            #expect(cast.output.contains("view big: written in SQLite's SQL dialect"), "\(cast.output)")
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
            let tables = try #require(json?["tables"] as? [[String: Any]])
            #expect(tables.first?["rowsWritten"] as? Int == 2)
            let columns = try #require(tables.first?["columns"] as? [[String: Any]])
            #expect(columns.contains { $0["name"] as? String == "flags" && $0["cast"] as? String == "column orders.flags to text" })
            let notCarried = try #require(json?["notCarried"] as? [[String: Any]])
            #expect(notCarried.first?["definition"] as? String == "CREATE VIEW big AS SELECT * FROM orders WHERE id > 1;")
            let values = try await run("/usr/bin/psql", ["-X", "-At", target, "-c", "SELECT string_agg(flags, ',' ORDER BY id) FROM orders"], environment: environment)
            #expect(values.output.trimmingCharacters(in: .whitespacesAndNewlines) == "3,x")

            let usage = try await run(binary, ["restore", file, target, "--on-bad-value", "ignore"], environment: environment)
            #expect(usage.status != 0)
            #expect(usage.output.contains("--on-bad-value 'ignore': choose one of error, null, skip-row"), "\(usage.output)")
        }
    }

    @Test("a SQLite pages archive staged in a $TMPDIR too small fails naming the staging step and leaves nothing; a killed run's scratch directory is removed")
    func stagingHostileCases() async throws {
        try await withScratch("stage") { target, directory, environment in
            let scratch = directory.appendingPathComponent("tmp")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            let file = try await sqliteFile(
                in: directory,
                "CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) INSERT INTO t SELECT i, printf('%050d', i) FROM n;")
            let archive = directory.appendingPathComponent("app.poolkit").path
            let binary = try poolkitBinary().path
            #expect(try await run(binary, ["backup", "sqlite://" + file, "-o", archive, "--quiet"], environment: [:]).status == 0)
            let staged = { ((try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? []).filter { $0.hasPrefix("poolkit-staging-") } }

            // Files may not grow past 256 KB (SIGXFSZ ignored, so a write fails instead): the scratch copy cannot be made.
            let small = try await run(
                "/bin/bash", ["-c", "trap '' XFSZ; ulimit -f 256; exec \"$0\" restore \"$1\" \"$2\"", binary, archive, target],
                environment: environment.merging(["TMPDIR": scratch.path]) { $1 })
            #expect(small.status != 0)
            #expect(small.output.contains("staging the archive in a scratch database in \(scratch.path)"), "\(small.output)")
            #expect(small.output.contains("set TMPDIR to a directory with room for it"), "\(small.output)")
            #expect(staged().isEmpty, "the scratch directory is removed on failure: \(staged())")

            // A scratch directory left by a run killed with SIGKILL (its pid no longer runs) goes at the next staging.
            let ended = Process()
            ended.executableURL = URL(fileURLWithPath: "/bin/true")
            try ended.run()
            ended.waitUntilExit()
            let abandoned = scratch.appendingPathComponent("poolkit-staging-\(ended.processIdentifier)-abcdef")
            try FileManager.default.createDirectory(at: abandoned, withIntermediateDirectories: true)
            try Data(count: 4096).write(to: abandoned.appendingPathComponent("scratch.db"))
            let living = scratch.appendingPathComponent("poolkit-staging-1-abcdef")  // pid 1 always runs
            try FileManager.default.createDirectory(at: living, withIntermediateDirectories: true)
            let restored = try await run(binary, ["restore", archive, target, "--clean"], environment: environment.merging(["TMPDIR": scratch.path]) { $1 })
            #expect(restored.status == 0, "\(restored.output)")
            #expect(staged() == ["poolkit-staging-1-abcdef"], "only the killed run's directory is removed: \(staged())")
            let count = try await run("/usr/bin/psql", ["-X", "-At", target, "-c", "SELECT count(*) FROM t"], environment: environment)
            #expect(count.output.trimmingCharacters(in: .whitespacesAndNewlines) == "20000")
        }
    }
}
