#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import PoolKit

/// The backup → restore round trip every driver's strategies must pass: tables, columns, an index
/// and a view whose names need quoting (quotes, spaces, unicode, reserved words, upper case), rows
/// with NULLs, quotes, tabs, newlines, backslashes and unicode, enough of them to be split into
/// several chunks — backed up with several jobs, restored through a file or a pipe into an empty
/// database, and compared row for row.
///
/// ```swift
/// let context = BackupRoundTripContext(
///     registry: DriverRegistry([SQLiteDriver()]),
///     makeDatabase: { try ConnectionURL("sqlite://\(directory)/\(UUID()).db?mode=rwc") },
///     dropDatabase: { _ in },
///     quote: { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" })
/// try await BackupRoundTrip.run(context, strategy: "logical", jobs: 3, transport: .pipe)
/// ```
public struct BackupRoundTripContext: Sendable {
    public var registry: DriverRegistry
    /// A new, empty database on the engine under test, and its URL.
    public var makeDatabase: @Sendable () async throws -> ConnectionURL
    /// Removes a database `makeDatabase` made.
    public var dropDatabase: @Sendable (ConnectionURL) async throws -> Void
    /// The engine's quoting of an identifier.
    public var quote: @Sendable (String) -> String
    /// Column types the engine spells its own way.
    public var integerType = "INTEGER"
    public var textType = "VARCHAR(400)"

    public init(
        registry: DriverRegistry, makeDatabase: @escaping @Sendable () async throws -> ConnectionURL,
        dropDatabase: @escaping @Sendable (ConnectionURL) async throws -> Void, quote: @escaping @Sendable (String) -> String
    ) {
        self.registry = registry
        self.makeDatabase = makeDatabase
        self.dropDatabase = dropDatabase
        self.quote = quote
    }
}

/// See ``BackupRoundTripContext``.
public enum BackupRoundTrip {
    /// How the archive goes from backup to restore.
    public enum Transport: String, Sendable, CaseIterable {
        /// A file written completely, then read.
        case file
        /// A pipe: the restore reads while the backup writes.
        case pipe
    }

    /// Table names that need quoting in every engine, each with an odd column name.
    public static let tableNames = [
        "Weird \"quoted\" name", "with space", "Übersicht 東京", "select", "MixedCase", "back`tick", "semi;colon",
    ]

    /// Rows per table: enough for several chunks at a small target chunk size.
    static let rowCount = 600

    /// Runs the round trip once; throws a ``ConformanceFailure`` naming the first difference.
    public static func run(
        _ context: BackupRoundTripContext, strategy: String, jobs: Int, transport: Transport
    ) async throws {
        let source = try await step("creating the source database") { try await context.makeDatabase() }
        let target: ConnectionURL
        do {
            target = try await step("creating the target database") { try await context.makeDatabase() }
        } catch {
            try? await context.dropDatabase(source)
            throw error
        }
        do {
            try await step("filling the source database") { try await createFixture(context, in: source) }
            var backupOptions = BackupOptions()
            backupOptions.jobs = jobs
            backupOptions.targetChunkBytes = 8 << 10
            var restoreOptions = RestoreOptions()
            restoreOptions.jobs = jobs
            let manifest = try await transfer(
                context, from: source, to: target, strategy: strategy, backup: backupOptions, restore: restoreOptions,
                transport: transport)
            if jobs > 1, manifest.tables.contains(where: { ($0.chunks ?? 1) > 1 }) == false, !manifest.tables.isEmpty {
                throw ConformanceFailure(
                    check: "round trip", message: "no table was split into chunks at an 8 KiB target chunk size")
            }
            try await step("comparing source and target") { try await compare(context, source: source, target: target) }
        } catch {
            try? await context.dropDatabase(source)
            try? await context.dropDatabase(target)
            throw error
        }
        try await step("dropping the databases") {
            try await context.dropDatabase(source)
            try await context.dropDatabase(target)
        }
    }

    /// Runs one step of the round trip; an error that is not already a ``ConformanceFailure`` is
    /// reported as one naming the step, so a failure says where it happened.
    static func step<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw failure(in: name, error)
        }
    }

    /// `error` as a ``ConformanceFailure`` naming the step it ended (unchanged if it is one already).
    static func failure(in step: String, _ error: any Error) -> any Error {
        if error is ConformanceFailure { return error }
        return ConformanceFailure(check: "round trip", message: "\(step): \(error)")
    }

    /// Backs `source` up and restores it into `target`.
    static func transfer(
        _ context: BackupRoundTripContext, from source: ConnectionURL, to target: ConnectionURL, strategy: String,
        backup: BackupOptions, restore: RestoreOptions, transport: Transport
    ) async throws -> ArchiveManifest {
        let backupEngine = BackupEngine(registry: context.registry)
        let restoreEngine = RestoreEngine(registry: context.registry)
        switch transport {
        case .file:
            let path = NSTemporaryDirectory() + "poolkit-roundtrip-\(UUID().uuidString).poolkit"
            defer { unlink(path) }
            let summary = try await step("backup to a file") {
                try await backupEngine.backup(url: source, to: try FileArchiveSink(path: path), strategy: strategy, options: backup)
            }
            _ = try await step("restore from the file") {
                try await restoreEngine.restore(from: try FileArchiveSource(path: path), into: target, options: restore)
            }
            return summary.manifest
        case .pipe:
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw ConformanceFailure(check: "round trip", message: "pipe() failed: errno \(errno)") }
            let (readEnd, writeEnd) = (fds[0], fds[1])
            async let backedUp = backupEngine.backup(
                url: source, to: FileDescriptorArchiveSink(fileDescriptor: writeEnd, name: "pipe", closeWhenDone: true),
                strategy: strategy, options: backup)
            async let restored = restoreEngine.restore(
                from: FileArchiveSource(fileDescriptor: readEnd, name: "pipe", closeWhenDone: true), into: target,
                options: restore)
            let summary: BackupSummary
            do {
                summary = try await backedUp
            } catch {
                throw failure(in: "backup to a pipe", error)
            }
            do {
                _ = try await restored
            } catch {
                throw failure(in: "restore from the pipe", error)
            }
            return summary.manifest
        }
    }

    /// The value of row `row`, column `column` (nil = NULL), with every character class that
    /// trips up text encodings.
    static func value(row: Int, column: Int) -> String? {
        switch (row + column) % 7 {
        case 0: return nil
        case 1: return "it's \"quoted\" \\ back\\slash"
        case 2: return "tab\there\nnew line\r\nCRLF"
        case 3: return "Zoë – 東京 – 🎉 \(row)"
        case 4: return ""
        case 5: return "NULL"
        default: return String(repeating: "x", count: row % 50) + "\\N"
        }
    }

    /// A SQL string literal: quotes doubled, and backslashes doubled for an engine that reads them
    /// as escapes (MariaDB's default `sql_mode`).
    static func literal(_ value: String?, backslashEscapes: Bool) -> String {
        guard let value else { return "NULL" }
        var escaped = value.replacingOccurrences(of: "'", with: "''")
        if backslashEscapes { escaped = escaped.replacingOccurrences(of: "\\", with: "\\\\") }
        return "'" + escaped + "'"
    }

    static func createFixture(_ context: BackupRoundTripContext, in url: ConnectionURL) async throws {
        let connection = try await context.registry.driver(for: url).connect(to: url, logger: .init(label: "conformance"))
        do {
            // MariaDB reads backslashes in literals as escapes unless NO_BACKSLASH_ESCAPES is set;
            // ask the engine how it reads them.
            let backslashEscapes = (try? await connection.query(unsafeSQL: "SELECT 'a\\\\b'").scalar) == "a\\b"
            let q = context.quote
            /// Runs one statement; a failure names it.
            func run(_ sql: String) async throws {
                do {
                    try await connection.execute(unsafeSQL: sql)
                } catch {
                    throw ConformanceFailure(check: "round trip", message: "\(sql.prefix(80)): \(error)")
                }
            }
            for (index, table) in tableNames.enumerated() {
                let column = "Col \(index) \"odd\""
                try await run(
                    "CREATE TABLE \(q(table)) (\(q("id")) \(context.integerType) NOT NULL PRIMARY KEY, \(q(column)) \(context.textType), \(q("order")) \(context.integerType))")
                var rows: [String] = []
                for row in 0..<rowCount {
                    rows.append("(\(row), \(literal(value(row: row, column: index), backslashEscapes: backslashEscapes)), \(row % 5 == 0 ? "NULL" : String(row * 3)))")
                    if rows.count == 100 || row == rowCount - 1 {
                        try await run("INSERT INTO \(q(table)) VALUES \(rows.joined(separator: ", "))")
                        rows = []
                    }
                }
                try await run("CREATE INDEX \(q("idx \(index) \"\(table)\"")) ON \(q(table)) (\(q("order")))")
            }
            try await run(
                "CREATE VIEW \(q("View of \"select\"")) AS SELECT \(q("id")), \(q("order")) FROM \(q("select")) WHERE \(q("order")) > 10")
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
    }

    /// Every table and the view hold the same rows in source and target.
    static func compare(_ context: BackupRoundTripContext, source: ConnectionURL, target: ConnectionURL) async throws {
        let driver = try context.registry.driver(for: source)
        let from = try await driver.connect(to: source, logger: .init(label: "conformance"))
        let to: any DatabaseConnection
        do {
            to = try await driver.connect(to: target, logger: .init(label: "conformance"))
        } catch {
            await from.close()
            throw error
        }
        do {
            let q = context.quote
            for name in tableNames + ["View of \"select\""] {
                let sql = "SELECT * FROM \(q(name)) ORDER BY \(q("id"))"
                let expected = try await from.query(unsafeSQL: sql)
                let actual: QueryResult
                do {
                    actual = try await to.query(unsafeSQL: sql)
                } catch {
                    throw ConformanceFailure(check: "round trip", message: "'\(name)' cannot be read in the restored database: \(error)")
                }
                guard expected.columns == actual.columns else {
                    throw ConformanceFailure(
                        check: "round trip", message: "'\(name)' has columns \(actual.columns) after restore, \(expected.columns) before")
                }
                guard expected.rows.count == actual.rows.count else {
                    throw ConformanceFailure(
                        check: "round trip", message: "'\(name)' has \(actual.rows.count) rows after restore, \(expected.rows.count) before")
                }
                if let index = expected.rows.indices.first(where: { expected.rows[$0] != actual.rows[$0] }) {
                    throw ConformanceFailure(
                        check: "round trip",
                        message: "'\(name)' row \(index) differs: \(actual.rows[index]) after restore, \(expected.rows[index]) before")
                }
            }
        } catch {
            await from.close()
            await to.close()
            throw error
        }
        await from.close()
        await to.close()
    }
}
