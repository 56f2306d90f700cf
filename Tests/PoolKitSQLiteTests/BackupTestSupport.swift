import CPoolKitSQLite
import Foundation
import PoolKitSQLite
import Synchronization
import Testing

// A tiny stand-in for the backup and restore engine: it drives the strategy protocols the way the
// engine does (begin, join, workersJoined, dump on several workers, end; begin, apply, load, finish),
// keeping each chunk's bytes in memory and feeding them back as payloads of a chosen size.

/// Identifies one chunk of one table or blob.
struct ChunkKey: Hashable, Sendable, Comparable {
    var objectID: UInt32
    var chunkID: UInt32

    static func < (a: ChunkKey, b: ChunkKey) -> Bool { (a.objectID, a.chunkID) < (b.objectID, b.chunkID) }
}

/// What a backup produced: the catalog and every chunk's bytes and row count.
struct DumpedArchive: Sendable {
    var strategy: String
    var catalog: BackupCatalog
    var data: [ChunkKey: [UInt8]]
    var rows: [ChunkKey: UInt64]

    var manifest: ArchiveManifest {
        ArchiveManifest(
            engine: catalog.engine, serverVersion: catalog.serverVersion, driver: "sqlite", strategy: strategy,
            options: catalog.properties, objects: catalog.objects, tables: catalog.tables, blobs: catalog.blobs)
    }

    /// Rows dumped per table name.
    var rowsPerTable: [String: UInt64] {
        var result: [String: UInt64] = [:]
        for (key, count) in rows {
            let name = catalog.tables.first { $0.id == key.objectID }?.name ?? "#\(key.objectID)"
            result[name, default: 0] += count
        }
        return result
    }
}

/// Collects one chunk's bytes.
final class CollectingSink: ChunkSink {
    private(set) var bytes: [UInt8] = []
    private(set) var writes = 0
    func write(_ bytes: [UInt8]) async throws {
        self.bytes += bytes
        writes += 1
    }
}

/// Feeds a chunk's bytes back as payloads of `payloadSize` bytes, then nil.
final class PayloadSource: ChunkSource {
    private var remaining: ArraySlice<UInt8>
    private let payloadSize: Int

    init(_ bytes: [UInt8], payloadSize: Int) {
        remaining = bytes[...]
        self.payloadSize = payloadSize
    }

    func next() async throws -> [UInt8]? {
        guard !remaining.isEmpty else { return nil }
        let payload = Array(remaining.prefix(payloadSize))
        remaining = remaining.dropFirst(payloadSize)
        return payload
    }
}

/// Hands out chunks to workers, largest first.
final class ChunkQueue: Sendable {
    private let chunks: Mutex<[BackupChunk]>
    init(_ chunks: [BackupChunk]) {
        self.chunks = Mutex(chunks.sorted { $0.estimatedBytes < $1.estimatedBytes })
    }
    func next() -> BackupChunk? { chunks.withLock { $0.popLast() } }
}

/// Backs up the database at `path` with the named strategy on one coordinator and `jobs` workers.
/// `setup` runs on the coordinator before the backup begins; `afterJoin` once the workers have
/// joined the snapshot, before any chunk is dumped.
func runBackup(
    _ path: String, strategy: String, options: BackupOptions = BackupOptions(), jobs: Int = 3, url: String = "",
    setup: ((SQLiteConnection) async throws -> Void)? = nil, afterJoin: (() async throws -> Void)? = nil
) async throws -> DumpedArchive {
    let coordinator = try await connect(path, url)
    var workers: [SQLiteConnection] = []
    for _ in 0..<jobs { workers.append(try await connect(path, url)) }
    return try await closingAfterwards([coordinator] + workers) {
        try await setup?(coordinator)
        return try await backup(coordinator: coordinator, workers: workers, strategy: strategy, options: options, afterJoin: afterJoin)
    }
}

/// Runs `body`, then closes `connections` whether it failed or not.
func closingAfterwards<T>(_ connections: [SQLiteConnection], _ body: () async throws -> T) async throws -> T {
    do {
        let result = try await body()
        for connection in connections { await connection.close() }
        return result
    } catch {
        for connection in connections { await connection.close() }
        throw error
    }
}

private func backup(
    coordinator: SQLiteConnection, workers: [SQLiteConnection], strategy: String, options: BackupOptions,
    afterJoin: (() async throws -> Void)?
) async throws -> DumpedArchive {
    let session = try await SQLiteDriver().backupStrategy(named: strategy, on: SQLiteConnection.self).begin(on: coordinator, options: options)
    do {
        for worker in workers { try await session.join(worker) }
        try await session.workersJoined()
        try await afterJoin?()
        let plan = try await session.plan()
        let queue = ChunkQueue(plan.chunks)
        let results = try await withThrowingTaskGroup(of: [(ChunkKey, [UInt8], UInt64)].self) { group in
            for worker in workers {
                group.addTask {
                    var done: [(ChunkKey, [UInt8], UInt64)] = []
                    while let chunk = queue.next() {
                        let sink = CollectingSink()
                        let rows = try await session.dump(chunk, on: worker, into: sink)
                        done.append((ChunkKey(objectID: chunk.objectID, chunkID: chunk.chunkID), sink.bytes, rows))
                    }
                    return done
                }
            }
            var all: [(ChunkKey, [UInt8], UInt64)] = []
            for try await part in group { all += part }
            return all
        }
        await session.end()
        var archive = DumpedArchive(strategy: strategy, catalog: plan.catalog, data: [:], rows: [:])
        for (key, bytes, rows) in results {
            #expect(archive.data[key] == nil, "chunk \(key) dumped twice")
            archive.data[key] = bytes
            archive.rows[key] = rows
        }
        #expect(archive.data.count == plan.chunks.count)
        return archive
    } catch {
        await session.end()
        throw error
    }
}

/// Restores `archive` into the database at `path` (created by the connections), feeding each chunk as
/// payloads of `payloadSize` bytes; returns the rows loaded per chunk.
@discardableResult
func runRestore(
    _ archive: DumpedArchive, into path: String, options: RestoreOptions = RestoreOptions(), jobs: Int = 2,
    payloadSize: Int = 65_521, url: String = "", tamper: (@Sendable (ChunkKey, [UInt8]) -> [UInt8])? = nil
) async throws -> [ChunkKey: UInt64] {
    let coordinator = try await connect(path, url)
    var workers: [SQLiteConnection] = []
    if options.singleTransaction {
        workers = [coordinator]
    } else {
        for _ in 0..<jobs { workers.append(try await connect(path, url)) }
    }
    return try await closingAfterwards([coordinator] + workers.filter { $0 !== coordinator }) {
        try await restore(archive, coordinator: coordinator, workers: workers, options: options, payloadSize: payloadSize, tamper: tamper)
    }
}

private func restore(
    _ archive: DumpedArchive, coordinator: SQLiteConnection, workers: [SQLiteConnection], options: RestoreOptions, payloadSize: Int,
    tamper: (@Sendable (ChunkKey, [UInt8]) -> [UInt8])?
) async throws -> [ChunkKey: UInt64] {
    let manifest = archive.manifest
    let session = try await SQLiteDriver().restoreStrategy(named: archive.strategy, on: SQLiteConnection.self).begin(
        manifest: manifest, on: coordinator, options: options)
    if !options.dataOnly {
        for object in manifest.objects where object.section == .preData {
            try await session.apply(object, on: coordinator)
        }
    }
    var loaded: [ChunkKey: UInt64] = [:]
    if !options.schemaOnly {
        let keys = archive.data.keys.sorted()
        let parallel = max(1, min(session.maxParallelLoads ?? workers.count, workers.count))
        var next = 0
        while next < keys.count {
            let batch = Array(keys[next..<min(next + parallel, keys.count)])
            next += batch.count
            try await withThrowingTaskGroup(of: (ChunkKey, UInt64).self) { group in
                for (index, key) in batch.enumerated() {
                    let worker = workers[index % workers.count]
                    var bytes = archive.data[key] ?? []
                    if let tamper { bytes = tamper(key, bytes) }
                    let payload = bytes
                    group.addTask {
                        let source = PayloadSource(payload, payloadSize: payloadSize)
                        return (key, try await session.load(objectID: key.objectID, chunkID: key.chunkID, from: source, on: worker))
                    }
                }
                for try await (key, rows) in group { loaded[key] = rows }
            }
        }
    }
    if !options.dataOnly {
        for object in manifest.objects where object.section == .postData {
            try await session.apply(object, on: coordinator)
        }
    }
    try await session.finish(on: coordinator)
    return loaded
}

// MARK: Comparing databases

/// What must be equal between a source and its restored copy.
struct DatabaseFacts: Equatable, CustomStringConvertible {
    var schema: [[String?]] = []
    var pragmas: [String: String] = [:]
    /// Per table (or virtual table): row count and a digest of every value's storage class and bits.
    var tables: [String: String] = [:]

    var description: String { "schema: \(schema.count) objects, pragmas: \(pragmas), tables: \(tables)" }
}

/// Reads the facts of the database at `path` (`compareSchema`: also `sqlite_schema`).
func databaseFacts(_ path: String, compareSchema: Bool = true) async throws -> DatabaseFacts {
    let connection = try await connect(path, "mode=ro")
    return try await closingAfterwards([connection]) { try await facts(of: connection, compareSchema: compareSchema) }
}

private func facts(of connection: SQLiteConnection, compareSchema: Bool) async throws -> DatabaseFacts {
    var facts = DatabaseFacts()
    if compareSchema {
        facts.schema = try await connection.query(unsafeSQL: "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name").rows
    }
    for pragma in ["user_version", "application_id", "encoding", "page_size", "auto_vacuum"] {
        facts.pragmas[pragma] = try await connection.query(unsafeSQL: "PRAGMA \(pragma)").scalar ?? ""
    }
    facts.tables = try await connection.withHandle { db in try tableDigests(db) }
    return facts
}

/// Row count and digest of each ordinary table (sqlite_sequence and sqlite_stat1 included) and each
/// virtual table, leaving out shadow tables: an FTS index rebuilt on restore may lay its segments out
/// differently while holding the same content.
private func tableDigests(_ db: OpaquePointer) throws -> [String: String] {
    var tables: [(name: String, type: String, withoutRowid: Bool)] = []
    try eachRow(db, "SELECT name, type, wr FROM pragma_table_list WHERE schema = 'main'") { row in
        let type = row.text(1)
        if type == "table" || type == "virtual" {
            tables.append((row.text(0), type, row.int(2) != 0))
        }
    }
    var digests: [String: String] = [:]
    for table in tables where table.name != "sqlite_schema" {
        var columns: [String] = []
        try eachRow(db, "SELECT name, hidden FROM pragma_table_xinfo(\(sqliteQuoteString(table.name)))") { row in
            if row.int(1) != 1 { columns.append(row.text(0)) }
        }
        let quoted = columns.map(sqliteQuoteIdentifier)
        let rowid = table.withoutRowid ? nil : ["rowid", "_rowid_", "oid"].first { name in !columns.contains { $0.lowercased() == name } }
        let select = ((rowid.map { [$0] } ?? []) + quoted).joined(separator: ", ")
        let order = rowid ?? (1...quoted.count).map(String.init).joined(separator: ", ")
        var hasher = Hasher()
        var count = 0
        try eachRow(db, "SELECT \(select) FROM main.\(sqliteQuoteIdentifier(table.name)) ORDER BY \(order)") { row in
            count += 1
            for column in 0..<row.columnCount { row.hashValue(column, into: &hasher) }
        }
        digests[table.name] = "\(count) rows, digest \(hasher.finalize())"
    }
    return digests
}

/// A row being read by ``eachRow(_:_:_:)``.
struct RowReader {
    let statement: OpaquePointer
    var columnCount: Int32 { sqlite3_column_count(statement) }
    func text(_ column: Int32) -> String {
        sqlite3_column_text(statement, column).map { String(cString: $0) } ?? ""
    }
    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    /// Feeds the storage class and exact value (bits of a REAL, bytes of TEXT and BLOB) to `hasher`.
    func hashValue(_ column: Int32, into hasher: inout Hasher) {
        let type = sqlite3_column_type(statement, column)
        hasher.combine(type)
        switch type {
        case SQLITE_INTEGER: hasher.combine(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: hasher.combine(sqlite3_column_double(statement, column).bitPattern)
        case SQLITE_TEXT:
            let text = sqlite3_column_text(statement, column)
            hasher.combine(bytes: UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column))))
        case SQLITE_BLOB:
            let blob = sqlite3_column_blob(statement, column)
            hasher.combine(bytes: UnsafeRawBufferPointer(start: blob, count: Int(sqlite3_column_bytes(statement, column))))
        default: break
        }
    }
}

/// Runs `sql` on `db` and calls `body` for each row.
func eachRow(_ db: OpaquePointer, _ sql: String, _ body: (RowReader) throws -> Void) throws {
    var statement: OpaquePointer?
    guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
        throw SQLiteResultCode.error(sqlite3_errcode(db), on: db)
    }
    defer { sqlite3_finalize(statement) }
    while true {
        let code = sqlite3_step(statement)
        if code == SQLITE_DONE { return }
        guard code == SQLITE_ROW else { throw SQLiteResultCode.error(code, on: db) }
        try body(RowReader(statement: statement))
    }
}

/// The single value of `sql` on the database at `path`.
func scalar(_ path: String, _ sql: String) async throws -> String? {
    let connection = try await connect(path)
    return try await closingAfterwards([connection]) { try await connection.query(unsafeSQL: sql).scalar }
}

/// All rows of `sql` on the database at `path`, as text.
func rows(_ path: String, _ sql: String) async throws -> [[String?]] {
    let connection = try await connect(path)
    return try await closingAfterwards([connection]) { try await connection.query(unsafeSQL: sql).rows }
}

/// Runs `sql` on a connection of its own.
func execute(_ path: String, _ sql: String, _ options: String = "") async throws {
    let connection = try await connect(path, options)
    try await connection.execute(unsafeSQL: sql)
    await connection.close()
}

/// The bytes of the file at `path`.
func fileBytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// The bytes of the database file at `path` without the two header fields SQLite bumps on every
/// write (file change counter, bytes 24..<28, and the version-valid-for number, 92..<96): a pages
/// restore writes through SQLite, so the rest must be byte for byte the backed-up file.
func databasePages(_ path: String) throws -> [UInt8] {
    var bytes = try fileBytes(path)
    for index in [24, 25, 26, 27, 92, 93, 94, 95] where index < bytes.count { bytes[index] = 0 }
    return bytes
}
