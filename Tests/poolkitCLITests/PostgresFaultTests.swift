import Foundation
import Synchronization
import PoolKitConformance
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The conformance kit's fault suite for PostgreSQL's `copy` strategy against the real test server:
/// kill -9 and Ctrl-C of a backup at several points, a damaged archive from a pipe, a reader that
/// quits early. The oracle is `pg_dump` of the whole database (schema and rows).
@Suite(
    "PostgreSQL fault injection", .serialized,
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresFaultTests {
    /// The test server's URL (with its password) without the database name.
    private func serverBase() throws -> (base: String, query: String) {
        let text = try #require(TestServers.url(for: .postgres), "\(TestServers.missingMessage(for: .postgres))")
        let parts = text.split(separator: "?", maxSplits: 1).map(String.init)
        let withoutQuery = parts[0]
        let slash = try #require(withoutQuery.lastIndex(of: "/"))
        return (String(withoutQuery[..<slash]), parts.count > 1 ? "?" + parts[1] : "")
    }

    private func url(_ database: String) throws -> String {
        let (base, query) = try serverBase()
        return "\(base)/\(database)\(query)"
    }

    /// Runs a PostgreSQL client program with the URL as its connection string.
    private static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/\(tool)")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CLITestFailure("\(tool) failed (exit \(process.terminationStatus))") }
        return String(decoding: data, as: UTF8.self)
    }

    private static func psql(_ url: String, _ sql: String) throws {
        _ = try run("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
    }

    /// Everything a restore must reproduce: `pg_dump`'s output without comments and without the
    /// per-run `\restrict` key lines.
    private static func fingerprint(_ url: String) throws -> String {
        try run("pg_dump", ["--no-owner", "--no-privileges", "-d", url])
            .split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("--") && !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict") }
            .joined(separator: "\n")
    }

    /// A source of about 25 MB of rows in three tables, databases dropped afterwards.
    func withContext(_ body: (BackupFaultContext) async throws -> Void) async throws {
        let tag = UInt32.random(in: 0...UInt32.max)
        let admin = try url("postgres")
        let created = CreatedDatabases()
        func create() throws -> String {
            let name = "pk_fault_\(tag)_\(created.names.withLock { $0.count })"
            try Self.psql(admin, "CREATE DATABASE \(name)")
            created.names.withLock { $0.append(name) }
            return name
        }
        let source = try create()
        defer {
            for name in created.names.withLock({ $0 }) { try? Self.psql(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        }
        try Self.psql(
            try url(source),
            #"""
            CREATE TABLE big (id integer PRIMARY KEY, payload text, n numeric);
            INSERT INTO big SELECT g, repeat(md5(g::text), 6), g * 1.5 FROM generate_series(1, 120000) g;
            CREATE TABLE "Other ""one""" (k text PRIMARY KEY, v bytea);
            INSERT INTO "Other ""one""" SELECT 'k' || g, decode(md5(g::text), 'hex') FROM generate_series(1, 20000) g;
            CREATE INDEX big_n ON big (n);
            ANALYZE;
            """#)
        let sourceURL = try url(source)
        let base = try serverBase()
        var context = BackupFaultContext(
            poolkit: try poolkitBinary().path, source: sourceURL, strategy: "copy", jobs: 2,
            makeTarget: { [created] in
                let name = "pk_fault_\(tag)_\(created.names.withLock { $0.count })"
                try Self.psql("\(base.base)/postgres\(base.query)", "CREATE DATABASE \(name)")
                created.names.withLock { $0.append(name) }
                return "\(base.base)/\(name)\(base.query)"
            },
            fingerprint: { url in try Self.fingerprint(url) })
        context.midDumpBytes = 512 << 10
        try await body(context)
    }

    @Test("a backup killed (SIGKILL) or interrupted (SIGINT) at any point leaves no file, no leftover, the source untouched",
          arguments: [SIGKILL, SIGINT])
    func killedBackup(signal: Int32) async throws {
        try await withContext { context in
            for point in BackupFaultSuite.StopPoint.allCases {
                try await BackupFaultSuite.killedBackup(context, signal: signal, at: point)
            }
        }
    }

    @Test(
        "a truncated or damaged archive from a pipe fails with the damage code; the target is never complete, and untouched with --single-transaction",
        arguments: [false, true], BackupFaultSuite.Damage.allCases)
    func damagedArchive(singleTransaction: Bool, damage: BackupFaultSuite.Damage) async throws {
        try await withContext { context in
            try await BackupFaultSuite.damagedArchiveRestore(
                context, damage: damage, restoreArguments: singleTransaction ? ["--single-transaction"] : [],
                targetUnchanged: singleTransaction)
        }
    }

    @Test("a backup whose reader quits early fails naming the pipe and leaves nothing")
    func readerQuits() async throws {
        try await withContext { context in
            try await BackupFaultSuite.readerQuitsEarly(context)
        }
    }
}

/// The databases a fault test made, dropped at its end.
private final class CreatedDatabases: Sendable {
    let names = Mutex<[String]>([])
}

