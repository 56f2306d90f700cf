import Foundation
import Testing

/// A backup never creates, damages or overwrites the database it reads.
@Suite("poolkit backup and ping never harm the source")
struct SourceSafetyCommandTests {
    /// A temporary directory with `source.db` (WAL mode, one table), removed afterwards.
    func withSource(_ body: (URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("poolkit-safety-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try sqlite3(directory.appendingPathComponent("source.db"), "PRAGMA journal_mode = wal; CREATE TABLE t(x); INSERT INTO t VALUES (42);")
        try await body(directory)
    }

    @discardableResult
    func sqlite3(_ database: URL, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [database.path, sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }

    @Test("a missing source is an error with exit 3, and neither backup nor ping creates it", arguments: ["pages", "logical"])
    func missingSource(strategy: String) async throws {
        try await withSource { directory in
            let typo = directory.appendingPathComponent("typo.db").path
            let archive = directory.appendingPathComponent("e.poolkit").path
            let backup = try await runPoolKit(["backup", "sqlite://\(typo)", "-o", archive, "--strategy", strategy, "--quiet"])
            #expect(backup.status == 3, "\(backup.all)")
            #expect(backup.standardError.contains("does not exist"))
            let ping = try await runPoolKit(["ping", "sqlite://\(typo)"])
            #expect(ping.status == 3, "\(ping.all)")
            #expect(!FileManager.default.fileExists(atPath: typo))
            #expect(!FileManager.default.fileExists(atPath: archive))
        }
    }

    @Test(
        "an output that is the source — by name, through a symbolic or hard link, or its -wal — is refused before dumping, even with --force",
        arguments: ["pages", "logical"])
    func outputIsSource(strategy: String) async throws {
        try await withSource { directory in
            let source = directory.appendingPathComponent("source.db")
            let symlink = directory.appendingPathComponent("link.db")
            let hardLink = directory.appendingPathComponent("hard.db")
            try FileManager.default.createSymbolicLink(at: symlink, withDestinationURL: source)
            try FileManager.default.linkItem(at: source, to: hardLink)
            let before = try Data(contentsOf: source)
            for output in [source.path, symlink.path, hardLink.path, source.path + "-wal", source.path + "-journal", "\(directory.path)/./source.db"] {
                let result = try await runPoolKit(["backup", "sqlite://\(source.path)", "-o", output, "--force", "--strategy", strategy, "--quiet"])
                #expect(result.status == 2, "\(output): \(result.all)")
                #expect(result.standardError.contains("database's own file"), "\(output): \(result.all)")
            }
            // Through a link in the URL, too.
            let viaLink = try await runPoolKit(["backup", "sqlite://\(symlink.path)", "-o", source.path, "--force", "--quiet"])
            #expect(viaLink.status == 2, "\(viaLink.all)")
            #expect(try Data(contentsOf: source) == before)
            #expect(try sqlite3(source, "SELECT x FROM t") == "42\n")
        }
    }
}
