import PoolKit
import Synchronization

/// Restores a `copy` archive: refuses a target of an older major version, checks the target for
/// relations the archive would create (dropping the archive's objects with `--clean`), then lets the
/// engine create the pre-data objects, load the chunks with `COPY … FROM STDIN` on every worker (each
/// chunk in its own transaction, committed only once its end frame was verified), and create the
/// post-data objects. `--single-transaction` runs everything inside one transaction on the
/// coordinator, committed by `finish` and rolled back by `abort`.
struct PostgresCopyRestoreStrategy: RestoreStrategy {
    typealias Connection = PostgresConnection

    var name: String { "copy" }

    func begin(manifest: ArchiveManifest, on coordinator: PostgresConnection, options: RestoreOptions) async throws
        -> PostgresCopyRestoreSession
    {
        if options.schemaOnly && options.dataOnly {
            throw PoolKitError(.usage, "--schema-only and --data-only exclude each other: choose one")
        }
        for blob in manifest.blobs where blob.encoding != .postgresLargeObject || UInt32(blob.name) == nil {
            throw PoolKitError(
                .archiveUnsupported,
                "blob '\(blob.name)' is stored as '\(blob.encoding)', which the postgres copy restore cannot load (it reads '\(ArchiveEncoding.postgresLargeObject)' named by OID)")
        }
        for table in manifest.tables where table.encoding != .postgresCopyText && table.encoding != .postgresCopyBinary {
            throw PoolKitError(
                .archiveUnsupported,
                "table '\(table.qualifiedName)' is stored as '\(table.encoding)', which the postgres copy restore cannot load (it reads '\(ArchiveEncoding.postgresCopyText)' and '\(ArchiveEncoding.postgresCopyBinary)')")
        }
        let sourceVersion = manifest.options["server_version_num"].flatMap { Int($0) }
        let cleaner = PostgresCleaner(manifest: manifest, options: options)
        let (clean, single) = (options.clean, options.singleTransaction)
        let (superuser, tablespaces) = try await coordinator.withHandle { handle -> (Bool, Set<String>) in
            try handle.execute(PostgresSessionSettings.restore)
            let row = try handle.query(
                "SELECT pg_catalog.current_setting('server_version_num'), (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)"
            ).rows.first
            let targetVersion = row?[0].flatMap { Int($0) } ?? 0
            if let sourceVersion, targetVersion / 10000 < sourceVersion / 10000 {
                throw PoolKitError(
                    .unsupported,
                    "the archive comes from PostgreSQL \(sourceVersion / 10000) but the target runs PostgreSQL \(targetVersion / 10000), an older major version whose catalogs may not take the archive's definitions: restore into PostgreSQL \(sourceVersion / 10000) or later")
            }
            if single { try handle.execute("BEGIN") }
            do {
                let conflicts = try cleaner.conflicts(on: handle)
                if !conflicts.isEmpty {
                    guard clean else {
                        let shown = conflicts.prefix(10).joined(separator: ", ")
                        let more = conflicts.count > 10 ? " and \(conflicts.count - 10) more" : ""
                        throw PoolKitError(
                            .restoreConflict,
                            "the target already has \(shown)\(more), which the archive would create: use --clean to drop them first, or restore into an empty database")
                    }
                }
                if clean { try cleaner.drop(on: handle) }
            } catch {
                if single { try? handle.execute("ROLLBACK") }
                throw error
            }
            let tablespaces = try handle.query("SELECT pg_catalog.quote_ident(spcname) FROM pg_catalog.pg_tablespace").rows
            return (row?[1] == "t", Set(tablespaces.compactMap { $0.first ?? nil }))
        }
        let placement = PostgresTablespacePlacement.missing(in: manifest.objects, existing: tablespaces)
        return PostgresCopyRestoreSession(
            manifest: manifest, options: options, coordinator: coordinator, superuser: superuser,
            missingTablespaces: placement.tablespaces, warnings: placement.warnings)
    }
}

/// A `copy` restore in progress.
final class PostgresCopyRestoreSession: RestoreSession {
    typealias Connection = PostgresConnection

    private let manifest: ArchiveManifest
    private let options: RestoreOptions
    private let coordinator: PostgresConnection
    private let superuser: Bool
    private let loads: [UInt32: PostgresTableDump]
    private let tables: [UInt32: ArchiveTable]
    /// Blob id → large object OID.
    private let largeObjects: [UInt32: UInt32]
    /// Tablespaces (quoted) the archive places objects in that the target lacks: those objects are
    /// created in the default tablespace, and ``warnings`` says so.
    private let missingTablespaces: Set<String>
    private let placementWarnings: [String]
    /// Tablespaces the target lacks, and objects created under the default search path.
    var warnings: [String] { placementWarnings + fallbacks.withLock { $0 } }

    /// A single-transaction restore runs every step, the drops of `--clean` included, in one
    /// transaction (PostgreSQL's DDL is transactional): a failure rolls all of it back.
    var failureLeavesTargetUnchanged: Bool { options.singleTransaction }

    init(
        manifest: ArchiveManifest, options: RestoreOptions, coordinator: PostgresConnection, superuser: Bool,
        missingTablespaces: Set<String> = [], warnings: [String] = []
    ) {
        self.missingTablespaces = missingTablespaces
        self.placementWarnings = warnings
        self.manifest = manifest
        self.options = options
        self.coordinator = coordinator
        self.superuser = superuser
        var loads: [UInt32: PostgresTableDump] = [:]
        for table in manifest.tables {
            loads[table.id] = PostgresTableDump(
                objectID: table.id, schema: table.schema ?? "public", name: table.name,
                columns: table.columns.filter { $0.generated != true }.map(\.name), encoding: table.encoding)
        }
        self.loads = loads
        self.tables = Dictionary(manifest.tables.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.largeObjects = Dictionary(
            manifest.blobs.compactMap { blob in UInt32(blob.name).map { (blob.id, $0) } }, uniquingKeysWith: { first, _ in first })
    }

    var maxParallelLoads: Int? { nil }

    /// Each pre-data object runs in its own transaction on the coordinator and each chunk in its
    /// own on a worker, so a table's chunks may load as soon as the table and the objects that
    /// depend on it exist, while the rest of the section is created — when every column's values
    /// read without looking up other objects (no `regclass`, no user-defined type).
    func mayLoadDuringPreData(_ table: ArchiveTable) -> Bool {
        table.columns.allSatisfy { PostgresSelfContainedTypes.contains($0.type) }
    }

    /// Indexes, and primary key, unique and exclusion constraints added to their own table only
    /// (`ALTER TABLE ONLY t ADD CONSTRAINT c PRIMARY KEY|UNIQUE|EXCLUDE …`, one statement), may be
    /// created as soon as their table is loaded: they read and lock nothing else. A foreign key
    /// lists only its own table among its dependencies but checks the table it references, so it
    /// waits for the end of the data, as do CHECK constraints (which recurse to inheriting tables),
    /// triggers, rules, comments and grants.
    func mayCreateDuringDataLoad(_ object: ArchiveObject) -> Bool {
        if object.kind == .index { return true }
        guard object.kind == .constraint, let ddl = object.ddl else { return false }
        return object.dependencies.contains { dependency in
            guard let table = tables[dependency] else { return false }
            let prefix =
                "ALTER TABLE ONLY \(PostgresSQL.qualified(table.schema ?? "public", table.name)) ADD CONSTRAINT \(PostgresSQL.identifier(object.name)) "
            guard ddl.hasPrefix(prefix), ddl.hasSuffix(";\n") else { return false }
            let definition = ddl.dropFirst(prefix.count).dropLast(2)
            guard !definition.contains(";") else { return false }  // one statement, nothing appended
            return ["PRIMARY KEY ", "UNIQUE ", "EXCLUDE "].contains { definition.hasPrefix($0) }
        }
    }

    /// Portable value formats, no timeouts, asynchronous commits (made durable by ``finish(on:)``)
    /// and more memory for index builds;
    /// for `--data-only` as a superuser, `session_replication_role = replica`, so that triggers and
    /// foreign keys of the existing tables do not fire for the loaded rows (as pg_restore's
    /// `--disable-triggers`). Without superuser rights they stay active.
    func prepareWorker(_ worker: PostgresConnection) async throws {
        let replica = options.dataOnly && superuser
        let isCoordinator = worker === coordinator
        try await worker.withHandle { handle in
            if !isCoordinator { try handle.execute(PostgresSessionSettings.restore) }
            try handle.execute(PostgresSessionSettings.restoreWorker)
            if replica { try handle.execute("SET session_replication_role = replica") }
        }
    }

    func finishWorker(_ worker: PostgresConnection) async throws {}

    /// Runs the object's statements (the engine has left out owners and privileges for
    /// `--no-owner` and `--no-privileges`), in one implicit transaction: all of them or none.
    ///
    /// The schedule never runs two objects whose locks conflict, so the restore's own statements
    /// cannot deadlock each other; a deadlock (40P01) can still come from another session on the
    /// target. As a last guard only, such a statement is run again (at most
    /// ``DeadlockRetries/maxAttempts`` times in all, after a short pause) and counted: ``deadlockRetries``.
    func apply(_ object: ArchiveObject, on connection: PostgresConnection) async throws {
        guard let archived = object.ddl, !archived.isEmpty else { return }
        let ddl =
            PostgresTablespacePlacement.tablespace(of: archived).map(missingTablespaces.contains) == true
            ? PostgresTablespacePlacement.unplaced(archived) : archived
        do {
            try await deadlocks.run(enabled: !options.singleTransaction, isDeadlock: { $0.engineCode == "40P01" }) {
                try await connection.withHandle { handle in try handle.execute(ddl) }
            }
        } catch let error as PoolKitError {
            let name = object.schema.map { "\($0).\(object.name)" } ?? object.name
            if let retried = try await withDefaultSearchPath(object, ddl, after: error, on: connection) {
                fallbacks.withLock {
                    $0.append(
                        "\(object.kind) \(name) was created with the default search_path (\"$user\", public): under the restore's empty search_path it failed (\(retried)), since a function it calls names objects without their schema; pg_restore fails on it")
                }
                return
            }
            throw PoolKitError(
                error.code == .statementFailed ? .statementFailed : error.code,
                "cannot create \(object.kind) '\(name)': \(error.message)", engineCode: error.engineCode,
                underlying: error.underlying)
        }
    }

    /// Names that do not resolve: an undefined table, function or object (a type among them).
    private static let unresolvedName: Set<String> = ["42P01", "42883", "42704"]

    /// Runs a post-data object's statements once more under the database's default search path
    /// when they failed on a name that does not resolve, and returns the first failure's message
    /// if that worked; nil (nothing run) otherwise. The restore's sessions have an empty search
    /// path, as pg_restore's; an index expression, a CHECK constraint or a materialized view that
    /// calls an SQL function whose body names a type or function without its schema (earthdistance's
    /// `ll_to_earth`, many a user function) was built on the source under the default path, and is
    /// built here the same way instead of failing the restore. Not within `--single-transaction`,
    /// where the failure has aborted the transaction.
    private func withDefaultSearchPath(
        _ object: ArchiveObject, _ ddl: String, after error: PoolKitError, on connection: PostgresConnection
    ) async throws -> String? {
        guard object.section == .postData, !options.singleTransaction, let code = error.engineCode,
            Self.unresolvedName.contains(code)
        else { return nil }
        let retry =
            "SELECT pg_catalog.set_config('search_path', '\"$user\", public', false);\n" + ddl
            + "SELECT pg_catalog.set_config('search_path', '', false);\n"
        do {
            try await connection.withHandle { handle in try handle.execute(retry) }
        } catch {
            try? await connection.withHandle { handle in _ = try handle.query("SELECT pg_catalog.set_config('search_path', '', false)") }
            return nil
        }
        return error.message
    }

    /// What was created under the default search path (see ``withDefaultSearchPath``), one warning each.
    private let fallbacks = Mutex<[String]>([])

    /// Runs an object's statements again after a deadlock, at most three more times.
    private let deadlocks = DeadlockRetries()
    /// Objects whose statements were run again after a deadlock.
    var deadlockRetries: Int { deadlocks.retried }

    /// Loads one chunk with `COPY … FROM STDIN` in its own transaction (in the restore's transaction
    /// with `--single-transaction`), committed only once the chunk's end frame was verified.
    func load(objectID: UInt32, chunkID: UInt32, from source: any ChunkSource, on worker: PostgresConnection) async throws
        -> UInt64
    {
        if let oid = largeObjects[objectID] {
            let ownTransaction = !options.singleTransaction
            return try await StreamedLoad.run(from: source) { reader in
                try await worker.withHandle { handle in
                    if ownTransaction { try handle.execute("BEGIN") }
                    do {
                        _ = try PostgresLargeObjects.load(oid, on: handle) { try reader.next() }
                        if ownTransaction { try handle.execute("COMMIT") }
                        return 0
                    } catch {
                        if ownTransaction { try? handle.execute("ROLLBACK") }
                        throw error
                    }
                }
            }
        }
        guard let table = loads[objectID] else {
            throw PoolKitError(.archiveCorrupt, "the archive has data for table id \(objectID), which its manifest does not list")
        }
        let sql = table.copyIn
        let ownTransaction = !options.singleTransaction
        return try await StreamedLoad.run(from: source) { reader in
            try await worker.withHandle { handle in
                if ownTransaction { try handle.execute("BEGIN") }
                do {
                    let rows = try handle.copyIn(sql) { try reader.next() }
                    if ownTransaction { try handle.execute("COMMIT") }
                    return rows
                } catch {
                    if ownTransaction { try? handle.execute("ROLLBACK") }
                    throw error
                }
            }
        }
    }

    /// Commits a `--single-transaction` restore; either way, returns only once everything the
    /// restore committed is on the server's disk (its sessions commit asynchronously).
    func finish(on coordinator: PostgresConnection) async throws {
        let single = options.singleTransaction
        try await coordinator.withHandle { handle in
            try handle.execute(single ? PostgresSessionSettings.durableCommit : PostgresSessionSettings.durableEnd)
        }
    }

    /// Rolls back the single transaction (everything restored so far); otherwise the chunks already
    /// committed stay, and the failure message says what was restored.
    func abort(on coordinator: PostgresConnection) async {
        guard options.singleTransaction else { return }
        // In a task of its own: the failing task may be cancelled, and the rollback must still run.
        await Task { try? await coordinator.withHandle { handle in try handle.execute("ROLLBACK") } }.value
    }
}
