import Foundation
import PoolKitConformance
import Testing

/// `--json` on backup, restore, verify, ping and drivers: one object a program can parse, with the
/// fields docs/cli.md documents.
@Suite("poolkit --json output")
struct JSONOutputTests {
    private func object(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let line = try #require(text.split(separator: "\n").last(where: { $0.hasPrefix("{") }), "no JSON in: \(text)", sourceLocation: sourceLocation)
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], sourceLocation: sourceLocation)
    }

    private func makeDatabase(_ home: TemporaryHome) throws -> String {
        let path = home.path + "/source.db"
        let result = try runProcessBlocking(
            "/usr/bin/sqlite3", [path, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t(v) SELECT 'x' FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) SELECT i FROM n);"])
        try #require(result.status == 0, "\(result.standardError)")
        return path
    }

    @Test("backup, verify and restore --json: the documented fields, the same digest, the default jobs min(cores, 4)")
    func backupVerifyRestore() async throws {
        let home = try TemporaryHome()
        let source = try makeDatabase(home)
        let archive = home.path + "/a.poolkit"
        let backup = try await runPoolKit(["backup", "sqlite://\(source)", "--strategy", "logical", "-o", archive, "--json"])
        #expect(backup.status == 0, "\(backup.all)")
        let backupReport = try object(backup.standardOutput)
        #expect(backupReport["schema"] as? String == "poolkit.backup/1")
        #expect(backupReport["rows"] as? Int == 500)
        #expect(backupReport["tables"] as? Int == 1)
        #expect(backupReport["archive"] as? String == archive)
        #expect(backupReport["jobs"] as? Int == min(ProcessInfo.processInfo.activeProcessorCount, 4))
        for key in ["source", "strategy", "objects", "blobs", "chunks", "dataBytes", "archiveBytes", "seconds", "digest", "notCarried"] {
            #expect(backupReport[key] != nil, "backup --json lacks \(key)")
        }
        let verify = try await runPoolKit(["verify", archive, "--json"])
        #expect(verify.status == 0)
        let verifyReport = try object(verify.standardOutput)
        #expect(verifyReport["schema"] as? String == "poolkit.verify/1")
        #expect(verifyReport["intact"] as? Bool == true)
        #expect(verifyReport["digest"] as? String == backupReport["digest"] as? String)
        #expect(verifyReport["rows"] as? Int == 500)
        let restore = try await runPoolKit(["restore", archive, "sqlite://\(home.path)/target.db", "--json"])
        #expect(restore.status == 0, "\(restore.all)")
        let restoreReport = try object(restore.standardOutput)
        #expect(restoreReport["schema"] as? String == "poolkit.restore/1")
        #expect(restoreReport["rows"] as? Int == 500)
        #expect(restoreReport["sourceEngine"] as? String == "sqlite")
        #expect((restoreReport["warnings"] as? [Any])?.isEmpty == true)
    }

    @Test("backup -o - --json writes the summary on stderr, keeping stdout for the archive")
    func backupToStandardOutput() async throws {
        let home = try TemporaryHome()
        let source = try makeDatabase(home)
        let backup = try await runPoolKit(["backup", "sqlite://\(source)", "-o", "-", "--json"])
        #expect(backup.status == 0)
        #expect(!backup.standardOutput.contains("\"schema\""))
        #expect(try object(backup.standardError)["archive"] as? String == "-")
    }

    @Test("verify --json on a damaged archive: intact false, the error, exit 4")
    func damagedArchive() async throws {
        let home = try TemporaryHome()
        let source = try makeDatabase(home)
        let archive = home.path + "/a.poolkit"
        #expect(try await runPoolKit(["backup", "sqlite://\(source)", "-o", archive, "--quiet"]).status == 0)
        let data = try Data(contentsOf: URL(fileURLWithPath: archive))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: archive))
        let verify = try await runPoolKit(["verify", archive, "--json"])
        #expect(verify.status == 4)
        let report = try object(verify.standardOutput)
        #expect(report["intact"] as? Bool == false)
        #expect((report["error"] as? String)?.isEmpty == false)
    }

    @Test("ping --json and drivers --json")
    func pingAndDrivers() async throws {
        let home = try TemporaryHome()
        let source = try makeDatabase(home)
        let ping = try await runPoolKit(["ping", "sqlite://\(source)", "--json", "--count", "3"])
        #expect(ping.status == 0)
        let pingReport = try object(ping.standardOutput)
        #expect(pingReport["schema"] as? String == "poolkit.ping/1")
        #expect(pingReport["pings"] as? Int == 3)
        #expect((pingReport["serverVersion"] as? String)?.hasPrefix("3.") == true)
        #expect(pingReport["minSeconds"] as? Double != nil)
        let drivers = try await runPoolKit(["drivers", "--json"])
        let driversReport = try object(drivers.standardOutput)
        let entries = try #require(driversReport["drivers"] as? [[String: Any]])
        #expect(Set(entries.compactMap { $0["name"] as? String }) == ["postgres", "mariadb", "sqlite"])
        #expect((driversReport["poolOptions"] as? [String])?.contains("pool_max") == true)
        let postgres = try #require(entries.first { $0["name"] as? String == "postgres" })
        #expect((postgres["options"] as? [[String: Any]])?.contains { $0["name"] as? String == "service" } == true)
    }

    @Test("--progress plain writes plain lines (the last when the run ends), no bar and no escape codes")
    func plainProgress() async throws {
        let home = try TemporaryHome()
        let source = try makeDatabase(home)
        let backup = try await runPoolKit(["backup", "sqlite://\(source)", "-o", home.path + "/a.poolkit", "--progress", "plain"])
        #expect(backup.status == 0)
        #expect(backup.standardError.contains("poolkit backup: done, tables 1/1"), "\(backup.standardError)")
        #expect(!backup.standardError.contains("\u{1B}"))
    }
}
