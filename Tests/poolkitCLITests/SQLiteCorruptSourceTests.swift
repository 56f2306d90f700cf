import Foundation
import Testing

/// A damaged SQLite source (issue 10, item 5): a real database whose index page is overwritten, so
/// that SQLite's own checks report it. The backup warns and records the check, `inspect` shows it,
/// a `pages` restore refuses it, and `--allow-damaged` writes it byte for byte.
@Suite("SQLite corrupt source", .serialized)
struct SQLiteCorruptSourceTests {
    /// A directory removed afterwards, holding `source.db`: a rollback-journal database with a table
    /// of 20 000 rows and an index on its text column spanning many pages.
    private func withSource(_ body: (_ directory: String, _ source: String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("poolkit-corrupt-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = directory + "/source.db"
        _ = try sqlite3(
            source,
            """
            PRAGMA page_size = 4096;
            CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
            INSERT INTO item SELECT i, printf('item-%08d-%s', i, hex(randomblob(8))) FROM n;
            CREATE INDEX item_name ON item(name);
            """)
        try await body(directory, source)
    }

    /// Overwrites the page header and cell pointers of the index's root page with 0xFF bytes: the
    /// table's pages stay readable, and `integrity_check` and `quick_check` report the index page.
    private func damageIndex(of path: String) throws {
        let rootPage = try #require(Int(try sqlite3(path, "SELECT rootpage FROM sqlite_schema WHERE name = 'item_name'").trimmed))
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64((rootPage - 1) * 4096))
        try handle.write(contentsOf: Data(repeating: 0xFF, count: 64))
        try handle.synchronize()
    }

    func sqlite3(_ path: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// The file's bytes without the two header fields SQLite bumps on every write (the change
    /// counter, 24..<28, and the version-valid-for number, 92..<96).
    private func databasePages(_ path: String) throws -> [UInt8] {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        for index in [24, 25, 26, 27, 92, 93, 94, 95] where index < bytes.count { bytes[index] = 0 }
        return bytes
    }

    @Test("a clean source: the backup records quick_check ok and inspect shows it")
    func cleanSourceRecordsTheCheck() async throws {
        try await withSource { directory, source in
            let archive = directory + "/clean.poolkit"
            let backup = try await runPoolKit(["backup", "sqlite://\(source)", "-o", archive, "--quiet"])
            #expect(backup.status == 0, "\(backup.all)")
            #expect(!backup.standardError.contains("warning"))
            let inspect = try await runPoolKit(["inspect", archive])
            #expect(inspect.status == 0)
            #expect(inspect.standardOutput.contains("source check quick_check ok"), "\(inspect.all)")
        }
    }

    @Test("a damaged source: backup --check warns and exits 5 with the archive written, inspect shows it, a pages restore refuses it, --allow-damaged writes it byte for byte")
    func damagedSourceThroughCheckInspectAndRestore() async throws {
        try await withSource { directory, source in
            try damageIndex(of: source)
            #expect(try sqlite3(source, "PRAGMA integrity_check").trimmed != "ok")
            #expect(try sqlite3(source, "SELECT count(*) FROM item NOT INDEXED").trimmed == "20000")

            let archive = directory + "/damaged.poolkit"
            let backup = try await runPoolKit(["backup", "sqlite://\(source)", "-o", archive, "--check", "--quiet"])
            #expect(backup.status == 5, "\(backup.all)")
            #expect(backup.standardError.contains("warning: the source database fails integrity_check"), "\(backup.all)")
            #expect(backup.standardError.contains("--allow-damaged"))
            #expect(FileManager.default.fileExists(atPath: archive), "the archive of a damaged source must still be written")

            let verify = try await runPoolKit(["verify", archive, "--quiet"])
            #expect(verify.status == 0, "the archive itself is intact: \(verify.all)")
            let inspect = try await runPoolKit(["inspect", archive])
            #expect(inspect.status == 0)
            #expect(inspect.standardOutput.contains("source check integrity_check FAILED"), "\(inspect.all)")
            #expect(inspect.standardOutput.contains("--allow-damaged"))

            let refused = directory + "/refused.db"
            let refusal = try await runPoolKit(["restore", archive, "sqlite://\(refused)", "--quiet"])
            #expect(refusal.status == 4, "\(refusal.all)")
            #expect(refusal.standardError.contains("quick_check") && refusal.standardError.contains("--allow-damaged"), "\(refusal.all)")
            #expect(refusal.standardError.contains("left unchanged"))
            let refusedSize = (try? FileManager.default.attributesOfItem(atPath: refused)[.size] as? Int) ?? 0
            #expect(refusedSize == 0, "the refused target must hold nothing")

            let written = directory + "/written.db"
            let restore = try await runPoolKit(["restore", archive, "sqlite://\(written)", "--allow-damaged", "--quiet"])
            #expect(restore.status == 0, "\(restore.all)")
            #expect(restore.standardError.contains("warning: the restored database fails SQLite's quick_check"), "\(restore.all)")
            #expect(restore.standardError.contains("byte for byte"))
            #expect(try databasePages(written) == (try databasePages(source)), "the damaged database must be written exactly as backed up")
            #expect(try sqlite3(written, "SELECT count(*) FROM item NOT INDEXED").trimmed == "20000")
        }
    }

    @Test("a damaged source without --check: the default quick_check warns, exit 0; the logical strategy records it too and restores the rows")
    func damagedSourceDefaultCheck() async throws {
        try await withSource { directory, source in
            try damageIndex(of: source)
            let pages = directory + "/pages.poolkit"
            let backup = try await runPoolKit(["backup", "sqlite://\(source)", "-o", pages, "--quiet"])
            #expect(backup.status == 0, "\(backup.all)")
            #expect(backup.standardError.contains("warning: the source database fails quick_check"), "\(backup.all)")
            #expect(try await runPoolKit(["inspect", pages]).standardOutput.contains("source check quick_check FAILED"))

            let logical = directory + "/logical.poolkit"
            let logicalBackup = try await runPoolKit(["backup", "sqlite://\(source)", "-o", logical, "--strategy", "logical", "--quiet"])
            #expect(logicalBackup.status == 0, "\(logicalBackup.all)")
            #expect(logicalBackup.standardError.contains("warning: the source database fails quick_check"))
            // The logical archive holds rows, and the restore builds the index afresh from them.
            let target = directory + "/logical.db"
            let restore = try await runPoolKit(["restore", logical, "sqlite://\(target)", "--quiet"])
            #expect(restore.status == 0, "\(restore.all)")
            #expect(try sqlite3(target, "PRAGMA integrity_check").trimmed == "ok")
            #expect(try sqlite3(target, "SELECT count(*) FROM item").trimmed == "20000")
        }
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
