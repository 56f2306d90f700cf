import PoolKit
import Synchronization

/// The `copy` backup strategy (PostgreSQL's default): the schema read from the catalogs, and every
/// table's rows by `COPY … TO STDOUT`, dumped by several workers that share one exported snapshot.
///
/// The coordinator opens a `REPEATABLE READ, READ ONLY` transaction (or `SERIALIZABLE, READ ONLY,
/// DEFERRABLE` with the URL option `serializable_deferrable=true`) and exports its snapshot; each
/// worker imports it with `SET TRANSACTION SNAPSHOT`, so all of them see the same committed state.
/// The coordinator holds `ACCESS SHARE` locks on the dumped tables until the end, so no table is
/// altered, truncated or dropped meanwhile. Tables larger than the target chunk size are split into
/// heap block ranges read by TID range scans (PostgreSQL 14 and later). See
/// docs/postgres-strategies.md.
struct PostgresCopyBackupStrategy: BackupStrategy {
    typealias Connection = PostgresConnection

    /// Bytes per buffer handed to the archive.
    static let bufferSize = 1 << 20

    var name: String { "copy" }

    var summary: String {
        "catalog DDL and COPY streams on all workers from one exported snapshot; large tables split by ctid block ranges; --table, --exclude-table, --schema-only, --data-only"
    }

    func begin(on coordinator: PostgresConnection, options: BackupOptions) async throws -> PostgresCopyBackupSession {
        try options.validate()
        let settings = coordinator.backupSettings
        let opened = try await coordinator.withHandle { handle -> (snapshot: String, version: Int, blockSize: Int64) in
            try handle.execute(PostgresSessionSettings.dump)
            // Until the tables are locked (plan), no lock is waited for longer than this: the
            // catalog functions the schema reader calls take locks too.
            if let timeout = settings.lockWaitTimeout {
                try handle.execute("SET lock_timeout = \(PostgresSQL.literal(timeout))")
            }
            try handle.execute(
                settings.serializableDeferrable
                    ? "BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE" : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            let row = try handle.query(
                "SELECT pg_catalog.pg_export_snapshot(), pg_catalog.current_setting('server_version_num'), pg_catalog.current_setting('block_size')"
            ).rows.first
            guard let row, row.count == 3, let snapshot = row[0], let version = row[1].flatMap({ Int($0) }),
                let blockSize = row[2].flatMap({ Int64($0) })
            else {
                throw PoolKitError(.statementFailed, "pg_export_snapshot() returned no snapshot")
            }
            return (snapshot, version, blockSize)
        }
        return PostgresCopyBackupSession(
            coordinator: coordinator, options: options, snapshot: opened.snapshot, serverVersionNumber: opened.version,
            blockSize: opened.blockSize)
    }
}

/// A `copy` backup in progress.
final class PostgresCopyBackupSession: BackupSession {
    typealias Connection = PostgresConnection

    private let coordinator: PostgresConnection
    private let options: BackupOptions
    private let snapshot: String
    private let serverVersionNumber: Int
    private let blockSize: Int64

    private struct State {
        var workers: [PostgresConnection] = []
        var dumps: [UInt32: PostgresTableDump] = [:]
        /// Blob id → large object OID.
        var largeObjects: [UInt32: UInt32] = [:]
    }
    private let state = Mutex(State())

    init(coordinator: PostgresConnection, options: BackupOptions, snapshot: String, serverVersionNumber: Int, blockSize: Int64) {
        self.coordinator = coordinator
        self.options = options
        self.snapshot = snapshot
        self.serverVersionNumber = serverVersionNumber
        self.blockSize = blockSize
    }

    /// Starts `worker`'s transaction on the coordinator's exported snapshot.
    func join(_ worker: PostgresConnection) async throws {
        guard worker !== coordinator else {
            throw PoolKitError(.usage, "a worker of the copy strategy must be another connection than the coordinator")
        }
        let snapshot = self.snapshot
        try await worker.withHandle { handle in
            try handle.execute(PostgresSessionSettings.dump)
            try handle.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            do {
                try handle.execute("SET TRANSACTION SNAPSHOT \(PostgresSQL.literal(snapshot))")
            } catch {
                try? handle.execute("ROLLBACK")
                throw error
            }
        }
        state.withLock { $0.workers.append(worker) }
    }

    /// Nothing is held only for the join: the coordinator's transaction stays open, since the
    /// catalog is read in it and its locks protect the tables until the end.
    func workersJoined() async throws {}

    /// Reads the schema in the snapshot, locks the tables to dump, and splits the large ones.
    func plan() async throws -> BackupPlan {
        let lockTimeout = coordinator.backupSettings.lockWaitTimeout
        let schema: PostgresSchema
        let facts: [UInt32: TableFacts]
        do {
            schema = try await PostgresSchemaReader.read(on: coordinator, options: options)
            let tables = schema.tables
            facts = try await coordinator.withHandle { handle in
                try Self.lock(tables, on: handle)
                if lockTimeout != nil { try handle.execute("SET lock_timeout = 0") }
                return try Self.tableFacts(tables, on: handle)
            }
        } catch let error as PoolKitError where error.engineCode == "55P03" {
            throw PoolKitError(
                .statementFailed,
                "a table to back up stayed locked by another session for longer than lock_wait_timeout (\(lockTimeout ?? "")): \(error.message); retry later or raise lock_wait_timeout",
                engineCode: error.engineCode, underlying: error.underlying)
        }
        try Self.checkSelection(options, schema)
        let tables = schema.tables
        var archiveTables: [ArchiveTable] = []
        var chunks: [BackupChunk] = []
        var dumps: [UInt32: PostgresTableDump] = [:]
        var columnOmissions: [ArchiveOmission] = []
        var leftOut: [UInt32: String] = [:]
        let canSplit = serverVersionNumber >= 14_00_00
        for table in tables {
            let fact = facts[table.oid] ?? TableFacts(bytes: 0, binaryPortable: false)
            let columnNames = table.columns.map(\.name)
            let unloadable = table.columns.filter { fact.unloadableColumns.contains($0.name) }
            if !unloadable.isEmpty, !options.schemaOnly {
                switch PostgresColumnTypes.handle(unloadable, of: table) {
                case .nulled(let omissions): columnOmissions += omissions
                case .leaveOut(let reason): leftOut[table.objectID] = reason
                }
            }
            let encoding: ArchiveEncoding = fact.binaryPortable ? .postgresCopyBinary : .postgresCopyText
            let tableChunks =
                options.schemaOnly
                ? []
                : PostgresTableDump.chunks(
                    objectID: table.objectID, blocks: fact.bytes / blockSize, blockSize: blockSize,
                    targetBytes: options.targetChunkBytes, canSplit: canSplit && table.rowFilter == nil)
            dumps[table.objectID] = PostgresTableDump(
                objectID: table.objectID, schema: table.schema, name: table.name, columns: columnNames, encoding: encoding,
                rowFilter: table.rowFilter,
                nulledColumns: Dictionary(uniqueKeysWithValues: unloadable.map { ($0.name, $0.type) }))
            archiveTables.append(
                ArchiveTable(
                    id: table.objectID, schema: table.schema, name: table.name, columns: table.columns, encoding: encoding,
                    chunks: options.schemaOnly ? nil : tableChunks.count))
            chunks += tableChunks
        }
        // Large objects: one blob each, with ids after every object's.
        var blobs: [ArchiveBlob] = []
        var largeObjects: [UInt32: UInt32] = [:]
        if !options.schemaOnly && options.includeTables.isEmpty {
            var nextID = (schema.objects.map(\.id).max() ?? 0) + 1
            for oid in schema.largeObjects {
                blobs.append(ArchiveBlob(id: nextID, name: String(oid), encoding: .postgresLargeObject, chunks: 1))
                chunks.append(BackupChunk(objectID: nextID, chunkID: 0))
                largeObjects[nextID] = oid
                nextID += 1
            }
        }
        state.withLock {
            $0.dumps = dumps
            $0.largeObjects = largeObjects
        }
        var properties = schema.properties
        properties["server_version_num"] = String(serverVersionNumber)
        properties["block_size"] = String(blockSize)
        let catalog = BackupCatalog(
            engine: "postgres", serverVersion: coordinator.serverVersion, properties: properties, objects: schema.objects,
            tables: options.schemaOnly ? [] : archiveTables, blobs: blobs, omitted: schema.omitted + columnOmissions)
        var plan = BackupPlan(catalog: catalog, chunks: chunks)
        plan.omit(schema.unbrokenLoops.merging(leftOut) { loop, _ in loop })
        return plan
    }

    func dump(_ chunk: BackupChunk, on worker: PostgresConnection, into sink: any ChunkSink) async throws -> UInt64 {
        if let oid = state.withLock({ $0.largeObjects[chunk.objectID] }) {
            return try await StreamedDump.run(into: sink) { channel in
                try await worker.withHandle { handle in
                    _ = try PostgresLargeObjects.dump(oid, on: handle) { try channel.send($0) }
                    return 0
                }
            }
        }
        guard let table = state.withLock({ $0.dumps[chunk.objectID] }) else {
            throw PoolKitError(.usage, "the copy backup has no table with id \(chunk.objectID)")
        }
        let sql = table.copyOut(lowerBlock: chunk.lowerBound, upperBlock: chunk.upperBound)
        return try await StreamedDump.run(into: sink) { channel in
            try await worker.withHandle { handle in
                try handle.copyOut(sql, bufferSize: PostgresCopyBackupStrategy.bufferSize) { try channel.send($0) }
            }
        }
    }

    /// Ends the coordinator's and the workers' transactions (releasing the locks).
    func end() async {
        try? await coordinator.resetSession()
        let workers = state.withLock { state in
            defer { state.workers = [] }
            return state.workers
        }
        for worker in workers { try? await worker.resetSession() }
    }

    // MARK: Catalog steps

    /// Every `--table` must name a relation (table, view, materialized view or sequence) of the
    /// database, read as pg_dump reads it (unquoted names fold to lower case): a typo is an error,
    /// not an empty backup.
    private static func checkSelection(_ options: BackupOptions, _ schema: PostgresSchema) throws {
        guard !options.includeTables.isEmpty else { return }
        let relationKinds: Set<ArchiveObject.Kind> = [.table, .view, .materializedView, .sequence]
        let relations =
            schema.tables.map { (schema: $0.schema, name: $0.name) }
            + schema.objects.filter { relationKinds.contains($0.kind) }.map { (schema: $0.schema ?? "", name: $0.name) }
        let missing = options.includeTables.filter { pattern in
            let wanted = PostgresSchemaReader.parseTablePattern(pattern)
            return !relations.contains { $0.name == wanted.name && (wanted.schema == nil || wanted.schema == $0.schema) }
        }
        if !missing.isEmpty { throw BackupOptions.noSuchTables(missing) }
    }

    /// What planning needs to know of a table beyond the schema: its heap size now, and whether
    /// every copied column's type has a portable binary form, and which columns cannot be loaded
    /// back (see ``PostgresColumnTypes``).
    struct TableFacts: Sendable {
        var bytes: Int64
        var binaryPortable: Bool
        /// Copied columns whose type no server accepts values of (see ``PostgresColumnTypes``).
        var unloadableColumns: [String] = []
    }

    /// Takes `ACCESS SHARE` locks on `tables`, as pg_dump does (waiting at most the session's
    /// `lock_timeout`), so that no table is altered, truncated or dropped until the backup ends.
    private static func lock(_ tables: [PostgresTableInfo], on handle: PGHandle) throws {
        var start = 0
        while start < tables.count {
            let batch = tables[start..<min(start + 500, tables.count)]
            let names = batch.map { "ONLY " + PostgresSQL.qualified($0.schema, $0.name) }.joined(separator: ", ")
            try handle.execute("LOCK TABLE \(names) IN ACCESS SHARE MODE")
            start += 500
        }
    }

    private static func tableFacts(_ tables: [PostgresTableInfo], on handle: PGHandle) throws -> [UInt32: TableFacts] {
        guard !tables.isEmpty else { return [:] }
        let oids = tables.map { String($0.oid) }.joined(separator: ",")
        let result = try handle.query(
            """
            SELECT c.oid, pg_catalog.pg_relation_size(c.oid),
                   coalesce((SELECT bool_and(p.portable) FROM (\(PostgresColumnTypes.binaryPortable("c.oid"))) p), true),
                   (\(PostgresColumnTypes.unloadableColumns("c.oid")))
            FROM pg_catalog.pg_class c
            WHERE c.oid = ANY ('{\(oids)}'::pg_catalog.oid[])
            """)
        var facts: [UInt32: TableFacts] = [:]
        for row in result.rows {
            guard let oid = row[0].flatMap({ UInt32($0) }) else { continue }
            facts[oid] = TableFacts(
                bytes: row[1].flatMap { Int64($0) } ?? 0, binaryPortable: row[2] == "t",
                unloadableColumns: PostgresColumnTypes.names(fromJSON: row[3]))
        }
        return facts
    }
}
