import Foundation
import PoolKitConformance
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The conformance kit's fault suite, for both SQLite strategies: kill -9 and Ctrl-C at several
/// points, a full disk, a damaged archive from a pipe, a reader that quits early.
@Suite("SQLite fault injection", .serialized)
struct SQLiteFaultTests {
    /// A source of about 32 MB of incompressible rows (WAL mode), in a directory removed afterwards.
    func withContext(strategy: String, _ body: (BackupFaultContext) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("poolkit-faults-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = directory + "/source.db"
        _ = try sqlite3(
            source,
            """
            PRAGMA journal_mode = wal;
            CREATE TABLE big (id INTEGER PRIMARY KEY, payload BLOB);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 32000)
            INSERT INTO big SELECT i, randomblob(1000) FROM n;
            CREATE INDEX big_length ON big(length(payload));
            """)
        let context = BackupFaultContext(
            poolkit: try poolkitBinary().path, source: "sqlite://\(source)", strategy: strategy, jobs: 2,
            makeTarget: { "sqlite://\(directory)/target-\(UUID().uuidString).db" },
            fingerprint: { url in try sqlite3(String(url.dropFirst("sqlite://".count)), ".sha3sum") })
        var caught = context
        caught.midDumpBytes = 512 << 10
        try await body(caught)
    }

    func sqlite3(_ path: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }

    @Test(
        "a backup killed (SIGKILL) or interrupted (SIGINT) at any point leaves no file, no leftover, the source untouched",
        arguments: ["pages", "logical"], [SIGKILL, SIGINT])
    func killedBackup(strategy: String, signal: Int32) async throws {
        try await withContext(strategy: strategy) { context in
            for point in BackupFaultSuite.StopPoint.allCases {
                try await BackupFaultSuite.killedBackup(context, signal: signal, at: point)
            }
        }
    }

    @Test("a backup onto a full disk fails saying so and leaves nothing (root: a 1 MiB tmpfs)", arguments: ["pages", "logical"])
    func fullDisk(strategy: String) async throws {
        try await withContext(strategy: strategy) { context in
            if let skipped = try await BackupFaultSuite.fullDiskBackup(context) {
                print("skipped: \(skipped)")
            }
        }
    }

    @Test(
        "a restore whose spill files fill the disk (TMPDIR on a 1 MiB tmpfs) fails saying so; a pages target is left as it was",
        arguments: ["pages", "logical"])
    func fullDiskRestoreSpill(strategy: String) async throws {
        try await withContext(strategy: strategy) { context in
            if let skipped = try await BackupFaultSuite.fullDiskRestoreSpill(context, targetUnchanged: strategy == "pages") {
                print("skipped: \(skipped)")
            }
        }
    }

    @Test(
        "a restore whose target file's disk fills up (a 16 MiB tmpfs) fails naming it; all-or-nothing restores leave the target as it was",
        arguments: [("pages", false), ("logical", false), ("logical", true)])
    func fullDiskRestoreTarget(run: (strategy: String, singleTransaction: Bool)) async throws {
        try await withContext(strategy: run.strategy) { context in
            let skipped = try await BackupFaultSuite.fullDiskRestoreTarget(
                context, megabytes: 16, restoreArguments: run.singleTransaction ? ["--single-transaction"] : [],
                targetUnchanged: run.strategy == "pages" || run.singleTransaction,
                messageContains: ["disk is full", "no space left"]
            ) { directory in
                // An existing, empty database (no tables), so that "as it was" has something to compare.
                let path = directory + "/target.db"
                _ = try sqlite3(path, "CREATE TABLE placeholder(x); DROP TABLE placeholder;")
                return FullDiskTarget(url: "sqlite://\(path)") {
                    for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
                }
            }
            if let skipped { print("skipped: \(skipped)") }
        }
    }

    @Test(
        "a truncated or damaged archive from a pipe fails with the damage code; the target is never complete, and untouched where promised",
        arguments: [("pages", false), ("logical", false), ("logical", true)], BackupFaultSuite.Damage.allCases)
    func damagedArchive(run: (strategy: String, singleTransaction: Bool), damage: BackupFaultSuite.Damage) async throws {
        try await withContext(strategy: run.strategy) { context in
            try await BackupFaultSuite.damagedArchiveRestore(
                context, damage: damage, restoreArguments: run.singleTransaction ? ["--single-transaction"] : [],
                targetUnchanged: run.strategy == "pages" || run.singleTransaction)
        }
    }

    @Test(
        "a restore interrupted while reading the archive exits 130 saying so once; all-or-nothing restores leave the target as it was",
        arguments: [("pages", false), ("logical", false), ("logical", true)])
    func interruptedRestore(run: (strategy: String, singleTransaction: Bool)) async throws {
        try await withContext(strategy: run.strategy) { context in
            try await BackupFaultSuite.interruptedRestore(
                context, restoreArguments: run.singleTransaction ? ["--single-transaction"] : [],
                targetUnchanged: run.strategy == "pages" || run.singleTransaction)
        }
    }

    @Test("a backup whose reader quits early fails naming the pipe and leaves nothing", arguments: ["pages", "logical"])
    func readerQuits(strategy: String) async throws {
        try await withContext(strategy: strategy) { context in
            try await BackupFaultSuite.readerQuitsEarly(context)
        }
    }
}
