import Logging
import PoolKit
import Synchronization

/// Restores a `snapshot` archive into the URL's database: checks the target for objects of the
/// same names (dropping them with `--clean`), then the engine creates the pre-data objects
/// (database defaults, tables with their primary keys, sequences, routines), loads the chunks with
/// `LOAD DATA LOCAL INFILE` fed from the archive stream on N connections, and creates the post-data
/// objects (secondary keys and foreign keys, views, triggers, events, sequence values). With
/// `--data-only`, the loaded tables' triggers are off during the load (``MariaDBSuspendedTriggers``).
///
/// Needs `local_infile` on in the server (`SET GLOBAL local_infile = 1`); there is no slower
/// fallback. `--single-transaction` loads all rows in one transaction on one connection; MariaDB
/// commits DDL implicitly, so the tables are created (and views, triggers created) outside it.
struct MariaDBSnapshotRestoreStrategy: RestoreStrategy {
    typealias Connection = MariaDBConnection

    var name: String { "snapshot" }

    func begin(manifest: ArchiveManifest, on coordinator: MariaDBConnection, options: RestoreOptions) async throws
        -> MariaDBSnapshotRestoreSession
    {
        try options.validate()
        for table in manifest.tables where table.encoding != .mariadbTSV {
            throw PoolKitError(
                .archiveUnsupported,
                "table '\(table.qualifiedName)' is stored as '\(table.encoding)', which the mariadb snapshot restore cannot load (it reads '\(ArchiveEncoding.mariadbTSV)')")
        }
        guard try await coordinator.query(unsafeSQL: "SELECT DATABASE()").scalar != nil else {
            throw PoolKitError(.usage, "the URL names no database: add the target database to the URL's path")
        }
        let loadsData = !options.schemaOnly && !manifest.tables.isEmpty
        if loadsData, try await coordinator.query(unsafeSQL: "SELECT @@GLOBAL.local_infile").scalar == "0" {
            throw PoolKitError(
                .unsupported,
                "the server has local_infile turned off, and the restore loads rows with LOAD DATA LOCAL INFILE: run SET GLOBAL local_infile = 1 on the server (or set local_infile=1 in its configuration), then retry")
        }
        if !options.dataOnly {
            let conflicts = try await Self.conflicts(manifest, options, coordinator)
            if !conflicts.isEmpty {
                guard options.clean else {
                    let shown = conflicts.prefix(10).map { "\($0.kind) '\($0.name)'" }.joined(separator: ", ")
                    let more = conflicts.count > 10 ? " and \(conflicts.count - 10) more" : ""
                    throw PoolKitError(
                        .restoreConflict,
                        "the target database already has \(shown)\(more), which the archive would create: use --clean to drop them first, or restore into an empty database")
                }
                try await Self.drop(conflicts, coordinator)
            }
        }
        var suspended = MariaDBSuspendedTriggers(triggers: [])
        if options.dataOnly && loadsData {
            let loaded = Set(manifest.tables.filter { options.selects(schema: $0.schema, name: $0.name) }.map(\.name))
            suspended = try await MariaDBSuspendedTriggers.suspend(tables: loaded, on: coordinator)
        }
        return MariaDBSnapshotRestoreSession(
            manifest: manifest, options: options, coordinator: coordinator, suspendedTriggers: suspended)
    }

    private struct Existing {
        var kind: String
        var name: String
    }

    /// The target's objects named like the archive's (tables, views and sequences share one name
    /// space; routines, events and triggers have their own). Routine and event names compare
    /// without case, as the server compares them; table, view and trigger names too when the
    /// target has `lower_case_table_names` set (it stores them in lower case: `MixedCase` exists
    /// there as `mixedcase`).
    private static func conflicts(_ manifest: ArchiveManifest, _ options: RestoreOptions, _ connection: MariaDBConnection)
        async throws -> [Existing]
    {
        var objects = manifest.objects
        if !options.includeTables.isEmpty {
            let chosen = Set(objects.filter { $0.kind == .table && options.includeTables.contains($0.name) }.map(\.id))
            objects = objects.filter { chosen.contains($0.id) || !chosen.isDisjoint(with: $0.dependencies) }
        }
        let foldsTableNames = try await connection.query(unsafeSQL: "SELECT @@lower_case_table_names").scalar.map { $0 != "0" } ?? false
        func tableName(_ name: String) -> String { foldsTableNames ? name.lowercased() : name }
        func names(_ kinds: [ArchiveObject.Kind], _ fold: (String) -> String) -> Set<String> {
            Set(objects.filter { kinds.contains($0.kind) }.map { "\($0.kind.rawValue):\(fold($0.name))" })
        }
        // Each found object is named as the target spells it, so dropping it hits it.
        var found: [Existing] = []
        // Tables, views and sequences share one name space: any of the archive's clashes with any.
        let relations = Set(objects.filter { [.table, .view, .sequence].contains($0.kind) }.map { tableName($0.name) })
        let tables = try await connection.query(unsafeSQL:
            "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME")
        for row in tables.rows {
            guard let name = row[0], relations.contains(tableName(name)) else { continue }
            let kind = row[1] == "VIEW" ? "view" : row[1] == "SEQUENCE" ? "sequence" : "table"
            found.append(Existing(kind: kind, name: name))
        }
        let routines = names([.function, .procedure, .package, .packageBody]) { $0.lowercased() }
        let existingRoutines = try await connection.query(unsafeSQL:
            "SELECT LOWER(ROUTINE_TYPE), ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()")
        for row in existingRoutines.rows {
            guard let kind = row[0], let name = row[1], routines.contains("\(kind):\(name.lowercased())") else { continue }
            found.append(Existing(kind: kind, name: name))
        }
        let events = names([.event]) { $0.lowercased() }
        let existingEvents = try await connection.query(unsafeSQL:
            "SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()")
        for row in existingEvents.rows {
            guard let name = row[0], events.contains("event:\(name.lowercased())") else { continue }
            found.append(Existing(kind: "event", name: name))
        }
        let triggers = names([.trigger], tableName)
        let existingTriggers = try await connection.query(unsafeSQL:
            "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()")
        for row in existingTriggers.rows {
            guard let name = row[0], triggers.contains("trigger:\(tableName(name))") else { continue }
            found.append(Existing(kind: "trigger", name: name))
        }
        return found
    }

    /// Drops `objects` with foreign-key checks off: events, triggers and views first, then the rest.
    private static func drop(_ objects: [Existing], _ connection: MariaDBConnection) async throws {
        let order = ["event", "trigger", "view", "package body", "package", "procedure", "function", "sequence", "table"]
        var statements = ["SET foreign_key_checks = 0"]
        for kind in order {
            for object in objects where object.kind == kind {
                let drop = "DROP \(kind.uppercased()) IF EXISTS \(mariadbIdentifier(object.name))"
                // MariaDB before 11.4 knows packages in sql_mode ORACLE only.
                statements.append(
                    kind.hasPrefix("package")
                        ? "SET @poolkit_sql_mode = @@SESSION.sql_mode; SET SESSION sql_mode = 'ORACLE'; \(drop); SET SESSION sql_mode = @poolkit_sql_mode"
                        : drop)
            }
        }
        try await connection.execute(unsafeSQL: statements.joined(separator: ";\n") + ";\nSET foreign_key_checks = 1")
    }
}

/// A `snapshot` restore in progress.
final class MariaDBSnapshotRestoreSession: RestoreSession {
    typealias Connection = MariaDBConnection

    private let manifest: ArchiveManifest
    private let options: RestoreOptions
    private let coordinator: MariaDBConnection
    private let loads: [UInt32: String]
    /// What `LOAD DATA` warned about, per table, and the digests that prove it changed nothing.
    private let loadCheck: MariaDBLoadCheck
    private let transactionOpen = Mutex(false)
    /// `--data-only`: the target's triggers on the loaded tables, off until the rows are in.
    private let suspendedTriggers: MariaDBSuspendedTriggers
    private let logger = Logger(label: "poolkit.mariadb.restore")

    init(
        manifest: ArchiveManifest, options: RestoreOptions, coordinator: MariaDBConnection,
        suspendedTriggers: MariaDBSuspendedTriggers
    ) {
        self.manifest = manifest
        self.options = options
        self.coordinator = coordinator
        self.suspendedTriggers = suspendedTriggers
        var loads: [UInt32: String] = [:]
        for table in manifest.tables { loads[table.id] = Self.loadStatement(table) }
        self.loads = loads
        loadCheck = MariaDBLoadCheck(manifest: manifest)
    }

    var maxParallelLoads: Int? { nil }

    /// A table's secondary keys (`ALTER TABLE t ADD KEY …`, kind index) and its foreign keys (kind
    /// constraint, whose dependencies list the tables and keys they reference) may be added as soon
    /// as those tables are loaded: the statements lock only them. Views, triggers, events and
    /// sequence values wait for the end of the data.
    func mayCreateDuringDataLoad(_ object: ArchiveObject) -> Bool { object.kind == .index || object.kind == .constraint }

    /// `LOAD DATA LOCAL INFILE` for `table`'s dump text, read as binary (no conversion: every
    /// value arrives in its column's own bytes). Types whose binary form differs from their text
    /// (INET4, INET6, UUID) go through a user variable and are parsed from text. A table whose
    /// columns are all generated reads its one empty field per row into a variable.
    static func loadStatement(_ table: ArchiveTable) -> String {
        var targets: [String] = table.columns.isEmpty ? ["@poolkit_unused"] : []
        var assignments: [String] = []
        for (index, column) in table.columns.enumerated() {
            if ["inet4", "inet6", "uuid"].contains(column.type.lowercased()) {
                targets.append("@c\(index)")
                assignments.append("\(mariadbIdentifier(column.name)) = CONVERT(@c\(index) USING utf8mb4)")
            } else {
                targets.append(mariadbIdentifier(column.name))
            }
        }
        var sql =
            "LOAD DATA LOCAL INFILE 'poolkit-chunk' INTO TABLE \(mariadbIdentifier(table.name)) CHARACTER SET binary FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (\(targets.joined(separator: ", ")))"
        if !assignments.isEmpty { sql += " SET " + assignments.joined(separator: ", ") }
        return sql
    }

    /// Runs the object's statements after the base settings (UTC, foreign keys unchecked, no SQL
    /// mode); routines, triggers, views and events set their own recorded context first.
    ///
    /// No two of the restore's own statements wait for each other (the schedule keeps an object
    /// apart from its table's loads and from objects locking the same tables), but another session
    /// can take a server-wide lock: while a `FLUSH TABLES WITH READ LOCK` (a backup with
    /// `lock=ftwrl`, `mariadb-dump --lock-all-tables`) waits for the tables in use to close, the
    /// server's metadata-lock deadlock detector may end an `ALTER TABLE … ADD KEY` that runs beside
    /// it with 1213 (seen in the test suite, when a consistency test took that lock on the shared
    /// server). The statement is atomic (MariaDB's DDL is, since 10.6: the victim changed nothing),
    /// so a key or foreign key object that ends so is run again (at most
    /// ``DeadlockRetries/maxAttempts`` times in all) and counted: ``deadlockRetries``.
    func apply(_ object: ArchiveObject, on connection: MariaDBConnection) async throws {
        guard var ddl = object.ddl else { return }
        if options.noOwner { ddl = Self.withoutDefiner(ddl) }
        let retryable = (object.kind == .index || object.kind == .constraint) && !options.singleTransaction
        do {
            try await deadlocks.run(enabled: retryable, isDeadlock: { $0.engineCode == "1213" }) {
                try await MariaDBObjectDDL.run(ddl, on: connection)
            }
        } catch let error as PoolKitError {
            throw PoolKitError(
                error.code == .statementFailed ? .statementFailed : error.code,
                "cannot create \(object.kind) '\(object.name)': \(error.message)", engineCode: error.engineCode,
                underlying: error.underlying)
        }
    }

    /// Runs a key's statement again after a deadlock, at most three more times.
    private let deadlocks = DeadlockRetries()
    var deadlockRetries: Int { deadlocks.retried }

    /// `ddl` without the `DEFINER=…` clause of its `CREATE` (the first one, which precedes any
    /// body text), so the object belongs to the restoring user (`--no-owner`).
    static func withoutDefiner(_ ddl: String) -> String {
        // Quoted with backticks, or with double quotes by a routine of sql_mode ORACLE or ANSI_QUOTES.
        let pattern = #/DEFINER\s*=\s*(?:`(?:[^`]|``)*`|"(?:[^"]|"")*")(?:@(?:`(?:[^`]|``)*`|"(?:[^"]|"")*"))?\s*/#
        guard let match = ddl.firstMatch(of: pattern) else { return ddl }
        var result = ddl
        result.replaceSubrange(match.range, with: "")
        return result
    }

    /// Sets a worker up once for bulk loading: rows go in as the archive has them (binary, the
    /// restore's SQL mode, UTC), without foreign-key and CHECK constraint checks, with the history
    /// of system-versioned tables. A single-transaction restore opens its transaction here.
    ///
    /// `unique_checks` stays 1: with 0 (and foreign-key checks off), MariaDB 10.6+ loads an empty
    /// InnoDB table in "bulk insert" mode — buffer, sort, build — which measured slower than plain
    /// inserts for rows that arrive in primary-key order (docs/benchmarks.md), and the secondary
    /// keys it would spare are added after the load anyway.
    func prepareWorker(_ worker: MariaDBConnection) async throws {
        var setup =
            "SET NAMES utf8mb4; SET character_set_results = binary; SET SESSION sql_mode = '\(mariadbRestoreSQLMode)'; SET time_zone = '+00:00'; SET foreign_key_checks = 0; SET unique_checks = 1"
        if worker.serverVersion.contains("MariaDB") {
            // MariaDB 10.11+: the history rows of system-versioned tables load as archived. Rows
            // the source holds against a CHECK constraint (added, or rows inserted, with
            // check_constraint_checks = 0) load as they are, as foreign keys do.
            setup += "; SET system_versioning_insert_history = 1; SET check_constraint_checks = 0"
        }
        if options.singleTransaction {
            setup += "; START TRANSACTION"
            transactionOpen.withLock { $0 = true }
        }
        try await worker.execute(unsafeSQL: setup)
    }

    func load(objectID: UInt32, chunkID: UInt32, from source: any ChunkSource, on worker: MariaDBConnection) async throws
        -> UInt64
    {
        guard let table = manifest.table(id: objectID) else {
            throw PoolKitError(.archiveCorrupt, "the archive has data for table id \(objectID), which its manifest does not list")
        }
        let sql = loads[objectID] ?? Self.loadStatement(table)
        let result: MariaDBLoadResult
        do {
            result = try await StreamedLoad.run(from: source) { reader in
                try await worker.withHandle { handle in try handle.loadData(sql, from: reader) }
            }
        } catch let error as PoolKitError {
            throw PoolKitError(
                error.code, "loading chunk \(chunkID) of table '\(table.name)' failed: \(error.message)", engineCode: error.engineCode,
                underlying: error.underlying)
        }
        if let due = loadCheck.record(tableID: objectID, chunkID: chunkID, result) {
            try await verify(due, table: table, on: worker)
        }
        return result.rows
    }

    /// Reads a table that warned back, failing if its rows are not the archive's.
    private func verify(_ due: MariaDBLoadCheck.Due, table: ArchiveTable, on connection: MariaDBConnection) async throws {
        try await MariaDBLoadCheck.verify(due, table: table, on: connection)
        logger.notice(
            "LOAD DATA into table '\(table.name)' reported \(due.warningCount) warning(s), and the rows read back are the archive's: nothing changed (\(due.warnings.joined(separator: "; ")))"
        )
    }

    /// Commits a single-transaction load, then creates the triggers a data-only load took off
    /// (`CREATE TRIGGER` commits implicitly).
    func finish(on coordinator: MariaDBConnection) async throws {
        for due in loadCheck.remaining() {
            guard let table = manifest.table(id: due.tableID) else { continue }
            try await verify(due, table: table, on: coordinator)
        }
        if transactionOpen.withLock({ $0 }) { try await coordinator.execute(unsafeSQL: "COMMIT") }
        try await suspendedTriggers.recreate(on: coordinator)
    }

    /// Rolls back a single-transaction load (what DDL committed stays), and creates the triggers a
    /// data-only load took off again.
    func abort(on coordinator: MariaDBConnection) async {
        if transactionOpen.withLock({ $0 }) { try? await coordinator.execute(unsafeSQL: "ROLLBACK") }
        do {
            try await suspendedTriggers.recreate(on: coordinator)
        } catch let error as PoolKitError {
            logger.error("\(error.message)")
        } catch {
            logger.error("creating the triggers of the data-only restore again failed: \(error)")
        }
    }
}
