import Foundation
import Logging
import PoolKitConformance
import PoolKitPostgres
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A database of its own on the test server, with a random name, dropped by ``drop()``.
struct ScratchDatabase: Sendable {
    let name: String
    let url: ConnectionURL
    private let admin: ConnectionURL

    /// The test server's URL.
    static func serverURL() throws -> ConnectionURL {
        let text = try #require(TestServers.url(for: .postgres), "\(TestServers.missingMessage(for: .postgres))")
        return try ConnectionURL(text)
    }

    static func create(_ label: String) async throws -> ScratchDatabase {
        let admin = try serverURL()
        let name = "pk_\(label)_\(UInt32.random(in: 0...UInt32.max))"
        try await withConnection(admin) { try await $0.execute(unsafeSQL: "CREATE DATABASE \(quoteIdentifier(name))") }
        var url = admin
        url.database = name
        return ScratchDatabase(name: name, url: url, admin: admin)
    }

    /// The same database with an extra URL query option (e.g. `lock_wait_timeout=100ms`).
    func url(option key: String, _ value: String) -> ConnectionURL {
        var url = self.url
        url.options.append((key: key, value: value))
        return url
    }

    /// A libpq connection string for the tools (pg_dump), password included.
    var libpqURL: String {
        "postgresql://\(url.user ?? "")\(url.password.map { ":" + $0 } ?? "")@\(url.host ?? "127.0.0.1"):\(url.port ?? 5432)/\(name)"
    }

    func drop() async {
        try? await Self.withConnection(admin) { try await $0.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(quoteIdentifier(name)) WITH (FORCE)") }
    }

    func execute(unsafeSQL sql: String) async throws {
        try await Self.withConnection(url) { try await $0.execute(unsafeSQL: sql) }
    }

    func query(unsafeSQL sql: String) async throws -> QueryResult {
        try await Self.withConnection(url) { try await $0.query(unsafeSQL: sql) }
    }

    static func withConnection<T: Sendable>(_ url: ConnectionURL, _ body: (any DatabaseConnection) async throws -> T) async throws -> T {
        let connection = try await PostgresDriver().connect(to: url, logger: Logger(label: "test"))
        do {
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }

}

func quoteIdentifier(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

/// Everything the oracle compares between a source and its restored copy.
struct DatabaseFingerprint: Equatable, CustomStringConvertible {
    /// `schema.table` → md5 of its rows as text, sorted.
    var tables: [String: String]
    /// `schema.sequence` → `last_value/is_called`.
    var sequences: [String: String]
    /// Large object OID → md5 of its contents.
    var largeObjects: [String: String] = [:]

    var description: String { "tables: \(tables.sorted { $0.key < $1.key }), sequences: \(sequences.sorted { $0.key < $1.key }), large objects: \(largeObjects)" }

    static func read(_ database: ScratchDatabase) async throws -> DatabaseFingerprint {
        try await ScratchDatabase.withConnection(database.url) { connection in
            let relations = try await connection.query(unsafeSQL:
                """
                SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'S', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                ORDER BY 1, 2
                """)
            var fingerprint = DatabaseFingerprint(tables: [:], sequences: [:])
            for row in relations.rows {
                let (schema, name, kind) = (row[0] ?? "", row[1] ?? "", row[2] ?? "")
                let qualified = "\(quoteIdentifier(schema)).\(quoteIdentifier(name))"
                if kind == "S" {
                    let value = try await connection.query(unsafeSQL: "SELECT last_value::text || '/' || is_called::text FROM \(qualified)")
                    fingerprint.sequences["\(schema).\(name)"] = value.rows.first?[0] ?? nil
                } else {
                    let digest = try await connection.query(unsafeSQL:
                        "SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM ONLY \(qualified) AS t")
                    fingerprint.tables["\(schema).\(name)"] = digest.rows.first?[0] ?? nil
                }
            }
            let objects = try await connection.query(unsafeSQL: "SELECT oid::text, md5(lo_get(oid)) FROM pg_largeobject_metadata")
            for row in objects.rows { fingerprint.largeObjects[row[0] ?? ""] = row[1] ?? "" }
            return fingerprint
        }
    }
}

/// How a test moves the archive from backup to restore.
enum Transport: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case file, pipe
    var testDescription: String { rawValue }
}

let testRegistry = DriverRegistry([PostgresDriver()])
let quietLogger = Logger(label: "poolkit.test")

/// Backs up `source` into a file at `path`.
@discardableResult
func backup(_ source: ConnectionURL, to path: String, options: BackupOptions = BackupOptions()) async throws -> BackupSummary {
    try await BackupEngine(registry: testRegistry, logger: quietLogger).backup(url: source, to: try FileArchiveSink(path: path), options: options)
}

/// Restores the archive at `path` into `target`.
@discardableResult
func restore(from path: String, into target: ConnectionURL, options: RestoreOptions = RestoreOptions()) async throws -> RestoreSummary {
    try await RestoreEngine(registry: testRegistry, logger: quietLogger).restore(from: try FileArchiveSource(path: path), into: target, options: options)
}

/// Backs up `source` and restores it into `target`, through a file or through a pipe (backup and
/// restore running at once, as `poolkit backup -o - | poolkit restore -`).
func copyDatabase(
    from source: ConnectionURL, to target: ConnectionURL, via transport: Transport, backupOptions: BackupOptions,
    restoreOptions: RestoreOptions
) async throws -> (BackupSummary, RestoreSummary) {
    switch transport {
    case .file:
        let path = temporaryArchivePath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backed = try await backup(source, to: path, options: backupOptions)
        let restored = try await restore(from: path, into: target, options: restoreOptions)
        return (backed, restored)
    case .pipe:
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw CLITestError("pipe() failed") }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        async let backed = BackupEngine(registry: testRegistry, logger: quietLogger).backup(
            url: source, to: FileDescriptorArchiveSink(fileDescriptor: writeEnd, name: "pipe", closeWhenDone: true),
            options: backupOptions)
        async let restored = RestoreEngine(registry: testRegistry, logger: quietLogger).restore(
            from: FileArchiveSource(fileDescriptor: readEnd, name: "pipe", closeWhenDone: true), into: target, options: restoreOptions)
        return try await (backed, restored)
    }
}

/// ``copyDatabase(from:to:via:backupOptions:restoreOptions:)`` with `jobs` on both sides and the
/// default options otherwise.
func copyDatabase(from source: ConnectionURL, to target: ConnectionURL, via transport: Transport, jobs: Int) async throws
    -> (BackupSummary, RestoreSummary)
{
    var backupOptions = BackupOptions()
    backupOptions.jobs = jobs
    var restoreOptions = RestoreOptions()
    restoreOptions.jobs = jobs
    return try await copyDatabase(from: source, to: target, via: transport, backupOptions: backupOptions, restoreOptions: restoreOptions)
}

func temporaryArchivePath() -> String {
    NSTemporaryDirectory() + "pk-pg-\(UInt32.random(in: 0...UInt32.max)).poolkit"
}

struct CLITestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `pg_dump --schema-only` of `database`, without comments and blank lines; nil when pg_dump is not installed.
func schemaDump(_ database: ScratchDatabase) throws -> String? {
    let candidates = [ProcessInfo.processInfo.environment["POOLKIT_TEST_PG_BIN"].map { $0 + "/pg_dump" }, "/usr/bin/pg_dump"].compactMap { $0 }
    guard let pgDump = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: pgDump)
    process.arguments = ["--schema-only", "--no-comments", "--dbname", database.libpqURL]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CLITestError("pg_dump failed with status \(process.terminationStatus)") }
    return String(decoding: data, as: UTF8.self).split(separator: "\n")
        // pg_dump's `\restrict KEY` lines carry a random key per run.
        .filter { !$0.hasPrefix("--") && !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict") }
        .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        .joined(separator: "\n")
}

/// The first lines where `a` and `b` differ, for a readable failure.
func firstDifference(_ a: String, _ b: String) -> String {
    let (left, right) = (a.split(separator: "\n"), b.split(separator: "\n"))
    guard let index = zip(left, right).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset else {
        return left.count == right.count ? "no difference" : "one has \(abs(left.count - right.count)) more lines"
    }
    return "line \(index + 1): source «\(left[index])» target «\(right[index])»"
}

extension ConnectionURL {
    /// The URL with one more query option.
    func with(option key: String, _ value: String) -> ConnectionURL {
        var url = self
        url.options.append((key: key, value: value))
        return url
    }
}
