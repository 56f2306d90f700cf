import Foundation
import Testing

/// Argument mistakes: one exit code (2), messages that name the mistake, checked before any dump.
@Suite("poolkit usage errors")
struct UsageCommandTests {
    func withSource(_ body: (String, String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("poolkit-usage-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        sqlite.arguments = [directory + "/source.db", "CREATE TABLE t(x); INSERT INTO t VALUES (1);"]
        try sqlite.run()
        sqlite.waitUntilExit()
        try await body(directory, "sqlite://\(directory)/source.db")
    }

    @Test("an unknown flag, a missing value and a bad number all exit 2, as docs/cli.md says")
    func oneUsageCode() async throws {
        try await withSource { directory, source in
            for arguments in [
                ["backup", source, "--bogus"], ["backup", source, "-o"], ["backup", source, "--jobs", "many"], ["restore"],
                ["ping", source, "--count", "x"],
            ] {
                let result = try await runPoolKit(arguments)
                #expect(result.status == 2, "\(arguments): \(result.all)")
                #expect(result.standardError.hasPrefix("poolkit: "), "\(arguments): \(result.all)")
            }
            let docs = try String(contentsOfFile: #filePath.replacingOccurrences(of: "Tests/poolkitCLITests/UsageCommandTests.swift", with: "docs/cli.md"), encoding: .utf8)
            #expect(docs.contains("| 2 | bad arguments or URL"))
        }
    }

    @Test("--jobs -1 and --jobs 0 say that --jobs must be at least 1", arguments: ["-1", "0"])
    func negativeJobs(value: String) async throws {
        try await withSource { directory, source in
            for command in [["backup", source, "-o", directory + "/a.poolkit"], ["restore", directory + "/none.poolkit", "sqlite::memory:"]] {
                let result = try await runPoolKit(command + ["--jobs", value])
                #expect(result.status == 2, "\(result.all)")
                #expect(result.standardError.contains("--jobs must be at least 1"), "\(result.all)")
            }
        }
    }

    @Test("--jobs above the limit is capped with a warning")
    func cappedJobs() async throws {
        try await withSource { directory, source in
            let result = try await runPoolKit(["backup", source, "-o", directory + "/a.poolkit", "--jobs", "1000"])
            #expect(result.status == 0, "\(result.all)")
            #expect(result.standardError.contains("warning: --jobs 1000"))
            #expect(result.standardError.contains("64 jobs"))
        }
    }

    @Test("-o DIR --force is refused before the dump starts")
    func directoryOutput() async throws {
        try await withSource { directory, _ in
            // The source does not exist: the output is refused first, so nothing was dumped.
            let result = try await runPoolKit(["backup", "sqlite://\(directory)/missing.db", "-o", directory, "--force"])
            #expect(result.status == 2, "\(result.all)")
            #expect(result.standardError.contains("is a directory"), "\(result.all)")
        }
    }
}
