import Foundation
import Logging
import PoolKitConformance
import PoolKitMariaDB
import PoolKitPostgres
import PoolKitSQLite
import Testing

let registry = DriverRegistry([PostgresDriver(), MariaDBDriver(), SQLiteDriver()])
let quietLogger: Logger = {
    var logger = Logger(label: "cross-engine-test")
    logger.logLevel = .critical
    return logger
}()

/// A database of its own on a test server (PostgreSQL or MariaDB) or a SQLite file, with a random
/// name, removed by ``drop()``.
struct Scratch: Sendable {
    let url: ConnectionURL
    private let admin: ConnectionURL?
    private let name: String
    let engine: TestServers.Engine?

    static func postgres(_ label: String) async throws -> Scratch { try await server(.postgres, label) }
    static func mariadb(_ label: String) async throws -> Scratch { try await server(.mariadb, label) }

    private static func server(_ engine: TestServers.Engine, _ label: String) async throws -> Scratch {
        let text = try #require(TestServers.url(for: engine), "\(TestServers.missingMessage(for: engine))")
        let admin = try ConnectionURL(text)
        let name = "pk_x_\(label)_\(UInt32.random(in: 0...UInt32.max))"
        let quoted = engine == .postgres ? "\"\(name)\"" : "`\(name)`"
        let extra = engine == .mariadb ? " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" : ""
        try await withConnection(admin) { try await $0.execute(unsafeSQL: "CREATE DATABASE \(quoted)\(extra)") }
        var url = admin
        url.database = name
        return Scratch(url: url, admin: admin, name: name, engine: engine)
    }

    static func sqlite(_ label: String) throws -> Scratch {
        let path = NSTemporaryDirectory() + "pk-x-\(label)-\(UInt32.random(in: 0...UInt32.max)).db"
        return Scratch(url: try ConnectionURL("sqlite://" + path), admin: nil, name: path, engine: nil)
    }

    func drop() async {
        guard let admin, let engine else {
            for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: name + suffix) }
            return
        }
        let sql = engine == .postgres ? "DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)" : "DROP DATABASE IF EXISTS `\(name)`"
        try? await Self.withConnection(admin) { try await $0.execute(unsafeSQL: sql) }
    }

    func execute(_ sql: String) async throws { try await Self.withConnection(url) { try await $0.execute(unsafeSQL: sql) } }

    func query(_ sql: String) async throws -> [[String?]] { try await Self.withConnection(url) { try await $0.query(unsafeSQL: sql).rows } }

    /// The first column of the first row.
    func scalar(_ sql: String) async throws -> String? { try await query(sql).first?.first ?? nil }

    static func withConnection<T: Sendable>(_ url: ConnectionURL, _ body: (any DatabaseConnection) async throws -> T) async throws -> T {
        let connection = try await registry.driver(for: url).connect(to: url, logger: quietLogger)
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

/// Runs `body` with the scratch databases, dropping them afterwards, also on failure.
func withScratch(_ databases: [Scratch], _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        for database in databases { await database.drop() }
        throw error
    }
    for database in databases { await database.drop() }
}

/// Backs `source` up into a temporary file (SQLite with the `logical` strategy) and restores the
/// archive into `target`.
func migrate(
    _ source: Scratch, into target: Scratch, options: RestoreOptions = RestoreOptions(), jobs: Int = 2, chunkBytes: Int64 = 16 << 20
) async throws -> RestoreSummary {
    let path = NSTemporaryDirectory() + "pk-x-\(UInt32.random(in: 0...UInt32.max)).poolkit"
    defer { try? FileManager.default.removeItem(atPath: path) }
    var backupOptions = BackupOptions()
    backupOptions.jobs = jobs
    backupOptions.targetChunkBytes = chunkBytes
    _ = try await BackupEngine(registry: registry, logger: quietLogger).backup(
        url: source.url, to: try FileArchiveSink(path: path), strategy: source.engine == nil ? "logical" : nil, options: backupOptions)
    var options = options
    options.jobs = jobs
    return try await RestoreEngine(registry: registry, logger: quietLogger).restore(
        from: try FileArchiveSource(path: path), into: target.url, options: options)
}
