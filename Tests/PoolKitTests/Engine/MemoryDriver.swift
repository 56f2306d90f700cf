import Foundation
import Logging
import Synchronization
@testable import PoolKit

/// Databases that live in memory, shared by the connections of a `MemoryDriver`: database name →
/// table name → rows (each row one line of text). Lets the engine tests exercise scheduling,
/// framing, spilling and verification without a server.
final class MemoryStore: Sendable {
    struct Database: Sendable {
        var tables: [String: [String]] = [:]
        var appliedObjects: [String] = []
        /// Post-data objects being created now, and the most at once.
        var creating = 0
        var mostCreatingAtOnce = 0
        /// Calls of the restore session's worker setup, teardown and abort steps.
        var workersPrepared = 0
        var workersFinished = 0
        var aborts = 0
    }
    private let databases = Mutex<[String: Database]>([:])

    func set(_ name: String, _ database: Database) { databases.withLock { $0[name] = database } }
    func get(_ name: String) -> Database { databases.withLock { $0[name] ?? Database() } }
    func update<T>(_ name: String, _ body: (inout Database) throws -> T) rethrows -> T {
        try databases.withLock { try body(&$0[name, default: Database()]) }
    }
}

/// Knobs a test turns to make the memory strategies misbehave.
struct MemoryBehaviour: Sendable {
    var rowsPerChunk = 50
    var payloadBytes = 300
    var maxParallelLoads: Int? = nil
    var maxParallelObjects: Int? = nil
    /// Dumping this table throws after its first payload.
    var failDumpOf: String? = nil
    /// Loading reports one row more than it loaded for this table.
    var miscountLoadOf: String? = nil
    /// The backup cannot carry these tables (name → reason): its plan omits them.
    var cannotCarry: [String: String] = [:]
}

struct MemoryDriver: Driver {
    let store: MemoryStore
    let behaviour: MemoryBehaviour

    var name: String { "memory" }
    var schemes: [String] { ["memory"] }
    var supportedOptions: [DriverOption] { [] }
    var backupStrategies: [any BackupStrategy<MemoryConnection>] { [MemoryBackup(store: store, behaviour: behaviour)] }
    var restoreStrategies: [any RestoreStrategy<MemoryConnection>] { [MemoryRestore(store: store, behaviour: behaviour)] }

    func connect(to url: ConnectionURL, logger: Logger) async throws -> MemoryConnection {
        MemoryConnection(database: url.database ?? "main")
    }
}

final class MemoryConnection: DatabaseConnection {
    let database: String
    private let closed = Mutex(false)
    /// Set by the restore session's worker setup; a reset (as the pool does on release) clears it.
    let prepared = Mutex(false)
    init(database: String) { self.database = database }

    var serverVersion: String { "memory 1" }
    var sqlDialect: SQLDialect { .sqlite }
    func query(_ sql: String, _ values: [SQLValue]) async throws -> SQLRows {
        try check()
        return SQLRows(columns: ["x"], values: [[.int(1)]])
    }
    func streamRows(_ sql: String, _ values: [SQLValue], into channel: HandoffChannel<[SQLRow]>) async throws {
        try check()
        let batcher = SQLRowBatcher(channel: channel)
        batcher.start(columns: ["x"], types: [])
        try batcher.add([.int(1)])
        try batcher.finish()
    }
    func execute(unsafeSQL sql: String) async throws { try check() }
    func query(unsafeSQL sql: String) async throws -> QueryResult {
        try check()
        return QueryResult(columns: ["x"], rows: [["1"]])
    }
    func ping() async throws { try check() }
    func resetSession() async throws {
        try check()
        prepared.withLock { $0 = false }
    }
    func cancelRunningStatement() {}
    func close() async { closed.withLock { $0 = true } }
    private func check() throws {
        if closed.withLock({ $0 }) { throw PoolKitError(.connectionClosed, "closed") }
    }
}

struct MemoryBackup: BackupStrategy {
    let store: MemoryStore
    let behaviour: MemoryBehaviour
    var name: String { "rows" }
    var summary: String { "rows as lines of text" }

    func begin(on coordinator: MemoryConnection, options: BackupOptions) async throws -> MemoryBackupSession {
        let database = coordinator.database
        let snapshot = store.get(database)  // the snapshot: a copy taken now
        let names = snapshot.tables.keys.sorted().filter { options.selects(schema: nil, name: $0) }
        var objects: [ArchiveObject] = []
        var tables: [ArchiveTable] = []
        var chunks: [BackupChunk] = []
        for (index, name) in names.enumerated() {
            let id = UInt32(index * 2 + 1)
            if !options.dataOnly {
                objects.append(ArchiveObject(id: id, kind: "table", name: name, section: .preData, dependencies: [], ddl: "CREATE \(name)"))
                objects.append(ArchiveObject(id: id + 1, kind: "index", name: "\(name)_idx", section: .postData, dependencies: [id], ddl: "INDEX \(name)"))
                // A post-data object that needs another post-data object first.
                objects.append(ArchiveObject(
                    id: 1_000 + id, kind: "constraint", name: "\(name)_check", section: .postData, dependencies: [id + 1],
                    ddl: "CHECK \(name)"))
            }
            tables.append(ArchiveTable(id: id, name: name, columns: [ArchiveColumn(name: "line", type: "text")], encoding: "memory-lines"))
            guard !options.schemaOnly else { continue }
            let rows = snapshot.tables[name]!.count
            let count = max(1, (rows + behaviour.rowsPerChunk - 1) / behaviour.rowsPerChunk)
            for chunk in 0..<count {
                chunks.append(BackupChunk(
                    objectID: id, chunkID: UInt32(chunk), lowerBound: Int64(chunk * behaviour.rowsPerChunk),
                    upperBound: Int64(min(rows, (chunk + 1) * behaviour.rowsPerChunk)), estimatedBytes: Int64(rows)))
            }
        }
        let catalog = BackupCatalog(engine: "memory", serverVersion: "1", objects: objects, tables: tables)
        return MemoryBackupSession(snapshot: snapshot, catalog: catalog, chunks: chunks, names: Dictionary(uniqueKeysWithValues: tables.map { ($0.id, $0.name) }), behaviour: behaviour)
    }
}

struct MemoryBackupSession: BackupSession {
    let snapshot: MemoryStore.Database
    let catalog: BackupCatalog
    let chunks: [BackupChunk]
    let names: [UInt32: String]
    let behaviour: MemoryBehaviour

    func join(_ worker: MemoryConnection) async throws {}
    func workersJoined() async throws {}
    func plan() async throws -> BackupPlan {
        var plan = BackupPlan(catalog: catalog, chunks: chunks)
        let ids = Dictionary(uniqueKeysWithValues: names.map { ($0.value, $0.key) })
        plan.omit(Dictionary(uniqueKeysWithValues: behaviour.cannotCarry.compactMap { name, reason in ids[name].map { ($0, reason) } }))
        return plan
    }
    func end() async {}

    func dump(_ chunk: BackupChunk, on worker: MemoryConnection, into sink: any ChunkSink) async throws -> UInt64 {
        let name = names[chunk.objectID]!
        let rows = snapshot.tables[name]![Int(chunk.lowerBound!)..<Int(chunk.upperBound!)]
        let bytes = Array(rows.map { $0 + "\n" }.joined().utf8)
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + behaviour.payloadBytes)
            try await sink.write(Array(bytes[offset..<end]))
            offset = end
            if behaviour.failDumpOf == name { throw PoolKitError(.statementFailed, "dump of \(name) failed on purpose") }
            await Task.yield()  // let other workers interleave their frames
        }
        return UInt64(rows.count)
    }
}

struct MemoryRestore: RestoreStrategy {
    let store: MemoryStore
    let behaviour: MemoryBehaviour
    var name: String { "rows" }

    func begin(manifest: ArchiveManifest, on coordinator: MemoryConnection, options: RestoreOptions) async throws -> MemoryRestoreSession {
        let database = coordinator.database
        let existing = store.get(database).tables.keys.filter { name in manifest.tables.contains { $0.name == name } }.sorted()
        if !existing.isEmpty && !options.dataOnly {
            guard options.clean else {
                throw PoolKitError(.restoreConflict, "the target already has \(existing.joined(separator: ", ")): use --clean to drop them")
            }
            store.update(database) { for name in existing { $0.tables[name] = nil } }
        }
        return MemoryRestoreSession(
            store: store, database: database, behaviour: behaviour,
            names: Dictionary(uniqueKeysWithValues: manifest.tables.map { ($0.id, $0.name) }))
    }
}

struct MemoryRestoreSession: RestoreSession {
    let store: MemoryStore
    let database: String
    let behaviour: MemoryBehaviour
    let names: [UInt32: String]
    var maxParallelLoads: Int? { behaviour.maxParallelLoads }
    var maxParallelObjects: Int? { behaviour.maxParallelObjects }

    func prepareWorker(_ worker: MemoryConnection) async throws {
        worker.prepared.withLock { $0 = true }
        store.update(database) { $0.workersPrepared += 1 }
    }

    func finishWorker(_ worker: MemoryConnection) async throws {
        worker.prepared.withLock { $0 = false }
        store.update(database) { $0.workersFinished += 1 }
    }

    func abort(on coordinator: MemoryConnection) async {
        store.update(database) { $0.aborts += 1 }
    }

    func apply(_ object: ArchiveObject, on connection: MemoryConnection) async throws {
        guard object.section == .postData else {
            store.update(database) { database in
                if object.kind == "table" { database.tables[object.name] = [] }
                database.appliedObjects.append(object.ddl ?? object.name)
            }
            return
        }
        guard connection.prepared.withLock({ $0 }) else {
            throw PoolKitError(.usage, "post-data object created on a worker that was not prepared")
        }
        store.update(database) { database in
            database.creating += 1
            database.mostCreatingAtOnce = max(database.mostCreatingAtOnce, database.creating)
        }
        for _ in 0..<20 { await Task.yield() }  // an index build takes a while: let others overlap
        store.update(database) { database in
            database.creating -= 1
            database.appliedObjects.append(object.ddl ?? object.name)
        }
    }

    func load(objectID: UInt32, chunkID: UInt32, from source: any ChunkSource, on worker: MemoryConnection) async throws -> UInt64 {
        guard worker.prepared.withLock({ $0 }) else {
            throw PoolKitError(.usage, "chunk loaded on a worker that was not prepared")
        }
        var bytes: [UInt8] = []
        while let payload = try await source.next() { bytes += payload }
        // Committed only now, after the chunk's end was verified.
        let rows = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        let name = names[objectID]!
        store.update(database) { database in
            database.tables[name, default: []].append(contentsOf: rows.map { "\(chunkID):" + $0 })
        }
        return UInt64(rows.count) + (behaviour.miscountLoadOf == name ? 1 : 0)
    }

    func finish(on coordinator: MemoryConnection) async throws {}
}
