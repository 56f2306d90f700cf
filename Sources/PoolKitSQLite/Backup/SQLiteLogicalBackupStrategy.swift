import CPoolKitSQLite
import Synchronization

/// The `logical` backup strategy: the schema as SQLite stores it, and every table's rows in
/// `sqlite-typed-v1`, dumped by several workers that read one snapshot.
///
/// The snapshot: the coordinator takes SQLite's RESERVED lock (`BEGIN IMMEDIATE`), so no other
/// connection can commit; each worker starts a read transaction (`BEGIN` and a read) while that
/// lock is held; then the coordinator lets go. Every worker's transaction therefore began on the
/// same committed state. See docs/sqlite-strategies.md.
struct SQLiteLogicalBackupStrategy: BackupStrategy {
    /// Bytes per buffer handed to the archive.
    static let bufferSize = 1 << 20

    var name: String { "logical" }

    var summary: String {
        "schema and typed rows from one snapshot shared by all workers; large tables split by rowid; --table, --exclude-table, --schema-only, --data-only"
    }

    func begin(on coordinator: SQLiteConnection, options: BackupOptions) async throws -> SQLiteLogicalBackupSession {
        try options.validate()
        let fullCheck = options.integrityCheck
        let (snapshot, sizes, path, check) = try await coordinator.withHandle { db in
            guard let path = SQLiteRaw.mainFilename(db) else {
                throw PoolKitError(
                    .unsupported,
                    "the logical strategy needs a database file that several connections can open; an in-memory database is private to one connection")
            }
            if sqlite3_db_readonly(db, "main") == 1 {
                throw PoolKitError(
                    .unsupported,
                    "the logical strategy holds SQLite's write lock for a moment so that all workers read one snapshot, which a read-only connection cannot do: open '\(path)' with mode=rw (nothing is written), or use --strategy pages")
            }
            if SQLiteRaw.inTransaction(db) {
                throw PoolKitError(.usage, "the coordinator connection is already inside a transaction")
            }
            // Estimates first, in a transaction of their own: dbstat reads every page, and no lock
            // that keeps writers waiting should be held meanwhile.
            // The source check runs here too, just before the snapshot, for the same reason.
            let (sizes, check) = try Self.inReadTransaction(db) {
                (try SQLiteTableSizes.read(db, for: SQLiteCatalogSnapshot.read(db)), try SQLiteSourceCheck.run(db, full: fullCheck))
            }
            // The snapshot: RESERVED is held from here until every worker has joined.
            try SQLiteRaw.execute(db, "BEGIN IMMEDIATE")
            do {
                return (try SQLiteCatalogSnapshot.read(db), sizes, path, check)
            } catch {
                try? SQLiteRaw.execute(db, "ROLLBACK")
                throw error
            }
        }
        do {
            try Self.checkSelection(options, snapshot)
            var plan = try SQLiteLogicalPlan(snapshot: snapshot, sizes: sizes, options: options, serverVersion: coordinator.serverVersion)
            plan.catalog.properties.merge(check.properties) { $1 }
            return SQLiteLogicalBackupSession(
                plan: plan, coordinator: coordinator, path: path, schemaVersion: snapshot.header.schemaVersion)
        } catch {
            try? await coordinator.resetSession()
            throw error
        }
    }

    /// Runs `body` between BEGIN and COMMIT (ROLLBACK when it throws).
    private static func inReadTransaction<T>(_ db: OpaquePointer, _ body: () throws -> T) throws -> T {
        try SQLiteRaw.execute(db, "BEGIN")
        do {
            let result = try body()
            try SQLiteRaw.execute(db, "COMMIT")
            return result
        } catch {
            try? SQLiteRaw.execute(db, "ROLLBACK")
            throw error
        }
    }

    /// Every `--table` must name a table or view.
    private static func checkSelection(_ options: BackupOptions, _ snapshot: SQLiteCatalogSnapshot) throws {
        let names = snapshot.entries.filter { $0.type == "table" || $0.type == "view" }.map { (schema: String?("main"), name: $0.name) }
        let missing = options.unmatchedTables(among: names)
        guard missing.isEmpty else { throw BackupOptions.noSuchTables(missing) }
    }
}

/// A `logical` backup in progress.
final class SQLiteLogicalBackupSession: BackupSession {
    private let backupPlan: BackupPlan
    private let dumps: [UInt32: SQLiteTableDump]
    private let coordinator: SQLiteConnection
    private let path: String
    private let schemaVersion: Int64

    private struct State {
        var workers: [SQLiteConnection] = []
    }
    private let state = Mutex(State())

    init(plan: SQLiteLogicalPlan, coordinator: SQLiteConnection, path: String, schemaVersion: Int64) {
        self.backupPlan = BackupPlan(catalog: plan.catalog, chunks: plan.chunks)
        self.dumps = plan.dumps
        self.coordinator = coordinator
        self.path = path
        self.schemaVersion = schemaVersion
    }

    /// Starts `worker`'s read transaction while the coordinator holds the RESERVED lock, so it sees
    /// the coordinator's snapshot; checks that it is the same database at the same schema version.
    func join(_ worker: SQLiteConnection) async throws {
        guard worker !== coordinator else {
            throw PoolKitError(.usage, "a worker of the logical strategy must be another connection than the coordinator")
        }
        let (path, schemaVersion) = (self.path, self.schemaVersion)
        try await worker.withHandle { db in
            guard SQLiteRaw.mainFilename(db) == path else {
                throw PoolKitError(.usage, "a worker opened '\(SQLiteRaw.mainFilename(db) ?? ":memory:")', not the database being backed up ('\(path)')")
            }
            guard !SQLiteRaw.inTransaction(db) else {
                throw PoolKitError(.usage, "a worker connection is already inside a transaction (joined twice?)")
            }
            try SQLiteRaw.execute(db, "BEGIN")
            do {
                // The first read starts the read transaction: from here on the worker sees this snapshot.
                _ = try SQLiteRaw.integer(db, "SELECT count(*) FROM main.sqlite_schema")
                let version = try SQLiteRaw.integer(db, "PRAGMA main.schema_version")
                guard version == schemaVersion else {
                    throw PoolKitError(
                        .statementFailed, "a worker sees schema version \(version), the coordinator \(schemaVersion): the snapshot is not shared")
                }
            } catch {
                try? SQLiteRaw.execute(db, "ROLLBACK")
                throw error
            }
        }
        state.withLock { $0.workers.append(worker) }
    }

    /// Ends the coordinator's write transaction: the workers keep their snapshot, writers may go on.
    func workersJoined() async throws {
        try await coordinator.withHandle { db in
            if SQLiteRaw.inTransaction(db) { try SQLiteRaw.execute(db, "ROLLBACK") }
        }
    }

    /// The catalog and chunks, read when the coordinator took its lock.
    func plan() async throws -> BackupPlan { backupPlan }

    func dump(_ chunk: BackupChunk, on worker: SQLiteConnection, into sink: any ChunkSink) async throws -> UInt64 {
        guard let dump = dumps[chunk.objectID] else {
            throw PoolKitError(.usage, "the logical backup has no table with id \(chunk.objectID)")
        }
        let sql = dump.sql(lower: chunk.lowerBound, upper: chunk.upperBound)
        let valuesPerRow = Int32(dump.valuesPerRow)
        let name = dump.name
        return try await StreamedDump.run(into: sink) { channel in try await worker.withHandle { db in
            guard SQLiteRaw.inTransaction(db) else {
                throw PoolKitError(.usage, "the worker dumping '\(name)' has not joined the snapshot")
            }
            let statement = try SQLiteStatement(db, sql)
            let writer = SQLiteRowWriter(bufferSize: SQLiteLogicalBackupStrategy.bufferSize) { try channel.send($0) }
            var rows: UInt64 = 0
            while try statement.step() {
                for column in 0..<valuesPerRow {
                    switch statement.type(column) {
                    case SQLITE_INTEGER: try writer.appendInteger(statement.int64(column))
                    case SQLITE_FLOAT: try writer.appendReal(statement.double(column))
                    case SQLITE_TEXT: try writer.appendText(statement.textBytes(column))
                    case SQLITE_BLOB: try writer.appendBlob(statement.blobBytes(column))
                    default: try writer.appendNull()
                    }
                }
                rows += 1
                if writer.isFull { try writer.flushBuffer() }
            }
            try writer.finish()
            return rows
        } }
    }

    /// Rolls back the coordinator's and the workers' transactions (even when the task is cancelled).
    /// The workers must still be leased to this backup when it is called.
    func end() async {
        try? await coordinator.resetSession()
        let workers = state.withLock { state in
            defer { state.workers = [] }
            return state.workers
        }
        for worker in workers { try? await worker.resetSession() }
    }
}
