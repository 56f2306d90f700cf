import Foundation
import Testing

/// `poolkit backup | verify | inspect | restore` on SQLite files, end to end through the binary.
@Suite("poolkit backup, verify, inspect and restore")
struct BackupCommandTests {
    /// A temporary directory with a small SQLite database `source.db`, removed afterwards.
    func withDatabase(_ body: (URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("poolkit-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        sqlite.arguments = [
            directory.appendingPathComponent("source.db").path,
            #"""
            PRAGMA journal_mode = wal;
            CREATE TABLE "odd ""table""" (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
            INSERT INTO "odd ""table""" SELECT i, 'name ' || i, i / 7.0, randomblob(16) FROM n;
            CREATE TABLE other (k TEXT PRIMARY KEY, v) WITHOUT ROWID;
            INSERT INTO other VALUES ('a', 1), ('b', NULL), ('c', x'00ff');
            CREATE INDEX by_name ON "odd ""table"""(name);
            PRAGMA user_version = 42;
            """#,
        ]
        try sqlite.run()
        sqlite.waitUntilExit()
        try #require(sqlite.terminationStatus == 0)
        try await body(directory)
    }

    func sqlite(_ database: URL, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [database.path, sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// What a restore must reproduce: schema, rows with their storage classes, user_version.
    func fingerprint(_ database: URL) throws -> String {
        try sqlite(database, "SELECT type, name, sql FROM sqlite_schema ORDER BY name")
            + sqlite(database, #"SELECT id, typeof(name), name, typeof(score), quote(score), hex(data) FROM "odd ""table""" ORDER BY id"#)
            + sqlite(database, "SELECT k, typeof(v), quote(v) FROM other ORDER BY k")
            + sqlite(database, "PRAGMA user_version")
    }

    @Test("backup, verify, inspect and restore round-trip a SQLite database with each strategy", arguments: ["pages", "logical"])
    func roundTrip(strategy: String) async throws {
        try await withDatabase { directory in
            let source = directory.appendingPathComponent("source.db")
            let archive = directory.appendingPathComponent("backup.poolkit").path
            let backup = try await runPoolKit(["backup", "sqlite://\(source.path)", "-o", archive, "--strategy", strategy, "--jobs", "2"])
            #expect(backup.status == 0, "\(backup.all)")
            #expect(backup.standardError.contains("digest sha256:"))
            let digest = backup.standardError.split(separator: "\n").first { $0.contains("digest") }.map(String.init) ?? ""

            let verify = try await runPoolKit(["verify", archive])
            #expect(verify.status == 0, "\(verify.all)")
            #expect(verify.standardOutput.contains(digest.trimmingCharacters(in: .whitespaces)))

            let inspect = try await runPoolKit(["inspect", archive, "--json"])
            #expect(inspect.status == 0, "\(inspect.all)")
            #expect(inspect.standardOutput.contains("\"strategy\" : \"\(strategy)\""))

            let target = directory.appendingPathComponent("restored.db")
            let restore = try await runPoolKit(["restore", archive, "sqlite://\(target.path)", "--jobs", "2"])
            #expect(restore.status == 0, "\(restore.all)")
            #expect(try fingerprint(target) == fingerprint(source))

            let again = try await runPoolKit(["restore", archive, "sqlite://\(target.path)"])
            #expect(again.status != 0, "restoring over existing tables must be refused")
            let clean = try await runPoolKit(["restore", archive, "sqlite://\(target.path)", "--clean"])
            #expect(clean.status == 0, "\(clean.all)")
            #expect(try fingerprint(target) == fingerprint(source))
        }
    }

    @Test("backup to standard output piped into restore from standard input")
    func pipe() async throws {
        try await withDatabase { directory in
            let source = directory.appendingPathComponent("source.db")
            let target = directory.appendingPathComponent("piped.db")
            let binary = try poolkitBinary().path
            let shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/bin/bash")
            shell.arguments = [
                "-c", "set -o pipefail; \"$0\" backup \"sqlite://$1\" -o - --strategy logical | \"$0\" restore - \"sqlite://$2\" --quiet",
                binary, source.path, target.path,
            ]
            try shell.run()
            shell.waitUntilExit()
            #expect(shell.terminationStatus == 0)
            #expect(try fingerprint(target) == fingerprint(source))
        }
    }

    @Test("a damaged archive fails verify with exit 4 and fails restore; a truncated one too")
    func damaged() async throws {
        try await withDatabase { directory in
            let source = directory.appendingPathComponent("source.db")
            let archive = directory.appendingPathComponent("backup.poolkit")
            #expect(try await runPoolKit(["backup", "sqlite://\(source.path)", "-o", archive.path, "--quiet"]).status == 0)
            var bytes = [UInt8](try Data(contentsOf: archive))
            let damaged = directory.appendingPathComponent("damaged.poolkit")
            bytes[bytes.count / 2] ^= 0x01
            try Data(bytes).write(to: damaged)
            let truncated = directory.appendingPathComponent("truncated.poolkit")
            try Data(bytes[0..<(bytes.count * 2 / 3)]).write(to: truncated)
            for bad in [damaged, truncated] {
                let verify = try await runPoolKit(["verify", bad.path])
                #expect(verify.status == 4, "\(verify.all)")
                #expect(verify.standardError.contains("NOT intact"))
                let target = directory.appendingPathComponent("from-\(bad.lastPathComponent).db")
                let restore = try await runPoolKit(["restore", bad.path, "sqlite://\(target.path)", "--quiet"])
                #expect(restore.status == 4, "\(restore.all)")
            }
        }
    }

    @Test("backup refuses a terminal-less mistake: an existing output file is kept unless --force")
    func existingOutput() async throws {
        try await withDatabase { directory in
            let source = directory.appendingPathComponent("source.db")
            let archive = directory.appendingPathComponent("backup.poolkit")
            try Data("keep me".utf8).write(to: archive)
            let result = try await runPoolKit(["backup", "sqlite://\(source.path)", "-o", archive.path, "--quiet"])
            #expect(result.status != 0)
            #expect(try String(contentsOf: archive, encoding: .utf8) == "keep me")
            #expect(try await runPoolKit(["backup", "sqlite://\(source.path)", "-o", archive.path, "--quiet", "--force"]).status == 0)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".partial") }
            #expect(leftovers.isEmpty)
        }
    }

    @Test("--progress json writes JSON lines on stderr, ending with the done phase")
    func jsonProgress() async throws {
        try await withDatabase { directory in
            let source = directory.appendingPathComponent("source.db")
            let archive = directory.appendingPathComponent("backup.poolkit").path
            let result = try await runPoolKit(["backup", "sqlite://\(source.path)", "-o", archive, "--strategy", "logical", "--progress", "json"])
            #expect(result.status == 0, "\(result.all)")
            let lines = result.standardError.split(separator: "\n").filter { $0.hasPrefix("{") }
            let last = try #require(lines.last)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
            #expect(object["phase"] as? String == "done")
            #expect(object["rows"] as? Int == 5003)
            #expect(object["tablesDone"] as? Int == 2)
        }
    }
}
