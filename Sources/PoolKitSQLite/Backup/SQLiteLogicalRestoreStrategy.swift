import CPoolKitSQLite

/// Restores a `logical` archive: checks the target for objects of the same names (dropping them
/// with `--clean`), sets the encoding and page size while the target is still empty, then lets the
/// engine apply the schema and load the chunks — one at a time, SQLite has a single writer.
struct SQLiteLogicalRestoreStrategy: RestoreStrategy {
    var name: String { "logical" }

    func begin(manifest: ArchiveManifest, on coordinator: SQLiteConnection, options: RestoreOptions) async throws
        -> SQLiteLogicalRestoreSession
    {
        try options.validate()
        for table in manifest.tables where table.encoding != .sqliteTypedV1 {
            throw PoolKitError(
                .archiveUnsupported,
                "table '\(table.qualifiedName)' is stored as '\(table.encoding)', which the sqlite logical restore cannot load (it reads '\(ArchiveEncoding.sqliteTypedV1)')")
        }
        let candidates = options.dataOnly ? [] : Self.conflictCandidates(manifest, options)
        let format = options.dataOnly ? nil : manifest.objects.first { $0.kind == .databaseFormat }?.ddl
        let (clean, single) = (options.clean, options.singleTransaction)
        let (savedForeignKeys, dropped) = try await coordinator.withHandle { db -> (Int64, Bool) in
            try SQLiteRestoreTarget.checkWritable(db)
            guard !SQLiteRaw.inTransaction(db) else {
                throw PoolKitError(.usage, "the coordinator connection is already inside a transaction")
            }
            let conflicts = try Self.conflicts(db, candidates)
            if !conflicts.isEmpty {
                guard clean else {
                    let shown = conflicts.prefix(10).map { "\($0.type) '\($0.name)'" }.joined(separator: ", ")
                    let more = conflicts.count > 10 ? " and \(conflicts.count - 10) more" : ""
                    throw PoolKitError(
                        .restoreConflict,
                        "the target already has \(shown)\(more), which the archive would create: use --clean to drop them first, or restore into an empty database")
                }
                try Self.drop(conflicts, db)
            }
            let dropped = !conflicts.isEmpty
            // Encoding, page size and auto-vacuum only take effect before the first table exists.
            if let format { try SQLiteRaw.execute(db, format) }
            let foreignKeys = try SQLiteRaw.integer(db, "PRAGMA foreign_keys")
            if single {
                try SQLiteRaw.execute(db, "PRAGMA foreign_keys = OFF")
                try SQLiteRaw.execute(db, "BEGIN IMMEDIATE")
            }
            return (foreignKeys, dropped)
        }
        return SQLiteLogicalRestoreSession(
            manifest: manifest, options: options, coordinator: coordinator, savedForeignKeys: savedForeignKeys,
            failureLeavesTargetUnchanged: single && !dropped)
    }

    /// The archive's tables, views, indexes and triggers that would clash with same-named objects
    /// (for `--table`: those tables and what belongs to them).
    private static func conflictCandidates(_ manifest: ArchiveManifest, _ options: RestoreOptions) -> [String] {
        let kinds: Set<ArchiveObject.Kind> = [.table, .virtualTable, .view, .index, .trigger]
        var objects = manifest.objects.filter { kinds.contains($0.kind) }
        if !options.includeTables.isEmpty {
            let chosen = Set(objects.filter { options.selects(schema: "main", name: $0.name) }.map(\.id))
            objects = objects.filter { chosen.contains($0.id) || !chosen.isDisjoint(with: $0.dependencies) }
        }
        return objects.map(\.name)
    }

    /// The target's objects named like `candidates` (SQLite compares names ignoring ASCII case).
    private static func conflicts(_ db: OpaquePointer, _ candidates: [String]) throws -> [(type: String, name: String)] {
        guard !candidates.isEmpty else { return [] }
        let wanted = Set(candidates.map(sqliteFoldName))
        let statement = try SQLiteStatement(db, "SELECT type, name FROM main.sqlite_schema ORDER BY rowid")
        var found: [(type: String, name: String)] = []
        while try statement.step() {
            let name = statement.text(1) ?? ""
            if wanted.contains(sqliteFoldName(name)) { found.append((statement.text(0) ?? "", name)) }
        }
        return found
    }

    /// Drops `objects` (triggers and views first, tables last) with foreign keys off, in one transaction.
    private static func drop(_ objects: [(type: String, name: String)], _ db: OpaquePointer) throws {
        let order = ["trigger", "view", "index", "table"]
        let statements = order.flatMap { type in
            objects.filter { $0.type == type }.map { "DROP \(type.uppercased()) IF EXISTS \(sqliteQualifiedName($0.name));" }
        }
        let foreignKeys = try SQLiteRaw.integer(db, "PRAGMA foreign_keys")
        try SQLiteRaw.execute(db, "PRAGMA foreign_keys = OFF")
        defer { try? SQLiteRaw.execute(db, "PRAGMA foreign_keys = \(foreignKeys)") }
        try SQLiteRaw.execute(db, "BEGIN IMMEDIATE")
        do {
            try SQLiteRaw.execute(db, statements.joined(separator: "\n"))
            try SQLiteRaw.execute(db, "COMMIT")
        } catch {
            try? SQLiteRaw.execute(db, "ROLLBACK")
            throw error
        }
    }
}

/// A `logical` restore in progress.
final class SQLiteLogicalRestoreSession: RestoreSession {
    private let manifest: ArchiveManifest
    private let options: RestoreOptions
    private let coordinator: SQLiteConnection
    /// `PRAGMA foreign_keys` of the coordinator before a single-transaction restore turned it off.
    private let savedForeignKeys: Int64
    private let loads: [UInt32: SQLiteTableLoad]

    /// A single-transaction restore that dropped nothing first is rolled back whole on failure.
    let failureLeavesTargetUnchanged: Bool

    init(
        manifest: ArchiveManifest, options: RestoreOptions, coordinator: SQLiteConnection, savedForeignKeys: Int64,
        failureLeavesTargetUnchanged: Bool
    ) {
        self.failureLeavesTargetUnchanged = failureLeavesTargetUnchanged
        self.manifest = manifest
        self.options = options
        self.coordinator = coordinator
        self.savedForeignKeys = savedForeignKeys
        self.loads = Dictionary(manifest.tables.map { ($0.id, SQLiteTableLoad($0)) }, uniquingKeysWith: { first, _ in first })
    }

    /// Runs the object's statements. The database format was applied by `begin`, before any table.
    func apply(_ object: ArchiveObject, on connection: SQLiteConnection) async throws {
        guard object.kind != .databaseFormat, let ddl = object.ddl else { return }
        let connection = try sqliteConnection(connection)
        try await connection.withHandle { db in
            do {
                try SQLiteRaw.execute(db, ddl)
            } catch let error as PoolKitError {
                throw PoolKitError(
                    .statementFailed, "cannot create \(object.kind) '\(object.name)': \(error.message)", engineCode: error.engineCode,
                    underlying: error.underlying)
            }
        }
    }

    /// SQLite has one writer at a time.
    var maxParallelLoads: Int? { 1 }

    func load(objectID: UInt32, chunkID: UInt32, from source: any ChunkSource, on worker: SQLiteConnection) async throws
        -> UInt64
    {
        guard let table = loads[objectID] else {
            throw PoolKitError(.archiveCorrupt, "the archive has data for table id \(objectID), which its manifest does not list")
        }
        let worker = try sqliteConnection(worker)
        let loader = SQLiteChunkLoader(table: table, ownsTransaction: !options.singleTransaction)
        do {
            try await worker.withHandle { db in try loader.start(db) }
            while let payload = try await source.next() {
                try await worker.withHandle { db in try loader.feed(payload, on: db) }
            }
            return try await worker.withHandle { db in try loader.commit(db) }
        } catch {
            // Roll back even when this task was cancelled: a new task does not inherit cancellation.
            await Task { try? await worker.withHandle { db in loader.abandon(db) } }.value
            throw error
        }
    }

    /// Sets the AUTOINCREMENT counters and the header values (again: loading rows moves the counters),
    /// commits a single-transaction restore, and ends with a synchronous commit so that everything
    /// loaded with `synchronous = OFF` is on disk when the restore reports success.
    func finish(on coordinator: SQLiteConnection) async throws {
        let coordinator = try sqliteConnection(coordinator)
        let include = options.includeTables
        let sequences =
            options.schemaOnly
            ? [] : manifest.objects.filter { $0.kind == .sequence && (include.isEmpty || options.selects(schema: "main", name: $0.name)) }.compactMap(\.ddl)
        let header = options.dataOnly ? [] : manifest.objects.filter { $0.kind == .databaseHeader }.compactMap(\.ddl)
        let (single, foreignKeys) = (options.singleTransaction, savedForeignKeys)
        try await coordinator.withHandle { db in
            for ddl in sequences + header { try SQLiteRaw.execute(db, ddl) }
            if single {
                try SQLiteRaw.execute(db, "COMMIT")
                try SQLiteRaw.execute(db, "PRAGMA foreign_keys = \(foreignKeys)")
            } else {
                let version = try SQLiteRaw.integer(db, "PRAGMA main.user_version")
                try SQLiteRaw.execute(db, "BEGIN IMMEDIATE; PRAGMA main.user_version = \(version); COMMIT")
            }
        }
    }

    /// `connection` as an SQLite connection; in a single-transaction restore, only the coordinator.
    private func sqliteConnection(_ connection: SQLiteConnection) throws -> SQLiteConnection {
        if options.singleTransaction && connection !== coordinator {
            throw PoolKitError(.usage, "a single-transaction restore runs every step on the coordinator connection")
        }
        return connection
    }
}
