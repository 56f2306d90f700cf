import Logging
import PoolKit
import Synchronization

/// MariaDB's default backup strategy: one consistent snapshot shared by N connections.
///
/// `begin` takes the global lock on the coordinator (``MariaDBGlobalLock``: `BACKUP STAGE
/// BLOCK_COMMIT` on MariaDB 10.4+, `FLUSH TABLES WITH READ LOCK` elsewhere) and starts its
/// `START TRANSACTION WITH CONSISTENT SNAPSHOT`; every worker (already connected) starts its own
/// consistent-snapshot transaction while the lock holds, so all see the same instant; then the
/// binlog/GTID position is recorded and the lock released, and the catalog and chunk plan are
/// read inside the snapshot. Writers are blocked only for the lock → join → unlock stretch
/// (recorded as `lock_ms`). Rows are read with `mysql_use_result` on the workers, as
/// LOAD DATA text (``ArchiveEncoding/mariadbTSV``), in 1 MiB buffers.
///
/// MyISAM and Aria tables are not transactional: their rows are read after the lock is
/// released, so they are not part of the snapshot; the archive lists them in the
/// `non_transactional_tables` property and the backup logs a warning.
struct MariaDBSnapshotBackupStrategy: BackupStrategy {
    typealias Connection = MariaDBConnection

    var name: String { "snapshot" }
    var summary: String {
        "consistent snapshot on N connections (brief BACKUP STAGE BLOCK_COMMIT or FLUSH TABLES WITH READ LOCK), rows as LOAD DATA text"
    }

    /// The SQL mode of the backup's sessions: none. The server's own default may hold modes that
    /// change what `SHOW CREATE` prints — `ANSI_QUOTES` (identifiers in double quotes),
    /// `NO_TABLE_OPTIONS`, `NO_KEY_OPTIONS`, `NO_FIELD_OPTIONS` (engine, key and column options
    /// left out), `ORACLE` (all of them) — or how values read (`PAD_CHAR_TO_FULL_LENGTH`);
    /// `mariadb-dump` clears it the same way. Routines, triggers and events keep their own
    /// recorded mode.
    static let neutralSQLMode = "SET SESSION sql_mode = ''"

    func begin(on coordinator: MariaDBConnection, options: BackupOptions) async throws -> MariaDBSnapshotBackupSession {
        try options.validate()
        try await coordinator.execute(unsafeSQL: "SET time_zone = '+00:00'; SET NAMES utf8mb4; \(Self.neutralSQLMode)")
        if coordinator.backupWithoutLock {
            // Without the lock, only one connection's snapshot is consistent: the one worker's.
            guard options.jobs == 1 else {
                throw PoolKitError(
                    .usage,
                    "no_lock=true backs up without FLUSH TABLES WITH READ LOCK, so only one connection can read a consistent snapshot: use --jobs 1 (or grant RELOAD and drop no_lock)")
            }
            try await coordinator.execute(unsafeSQL:
                "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ; START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            return MariaDBSnapshotBackupSession(coordinator: coordinator, options: options, lock: nil, lockedAt: nil)
        }
        // Counted from the request: while the lock waits (FLUSH TABLES WITH READ LOCK for running
        // write statements, BACKUP STAGE BLOCK_COMMIT for commits in progress), writes already queue behind it.
        let lock = coordinator.backupLock
        let lockedAt = ContinuousClock.now
        do {
            try await coordinator.execute(unsafeSQL: lock.acquire)
        } catch let error as PoolKitError where ["1227", "1045", "1044"].contains(error.engineCode ?? "") {
            throw PoolKitError(
                .unsupported,
                "the snapshot strategy needs the RELOAD privilege for \(lock.label) (which holds commits for the moment the workers join): GRANT RELOAD ON *.* TO the backup user, or add no_lock=true to the URL and use --jobs 1 (one connection's snapshot, InnoDB tables only). \(error.message)",
                engineCode: error.engineCode, underlying: error.underlying)
        }
        do {
            try await coordinator.execute(unsafeSQL:
                "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ; START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        } catch {
            try? await coordinator.execute(unsafeSQL: lock.release)
            throw error
        }
        return MariaDBSnapshotBackupSession(coordinator: coordinator, options: options, lock: lock, lockedAt: lockedAt)
    }
}

/// One `snapshot` backup in progress.
final class MariaDBSnapshotBackupSession: BackupSession {
    typealias Connection = MariaDBConnection

    private struct State {
        var locked = true
        var lockProperties: [String: String] = [:]
        var tables: [UInt32: MariaDBTableInfo] = [:]
        var conditions: [ChunkKey: String] = [:]
    }

    private struct ChunkKey: Hashable {
        var objectID: UInt32
        var chunkID: UInt32
    }

    private let coordinator: MariaDBConnection
    private let options: BackupOptions
    /// The lock held while the workers join, and when it was requested; nil with `no_lock=true`.
    private let lock: MariaDBGlobalLock?
    private let lockedAt: ContinuousClock.Instant?
    private let state = Mutex(State())
    private let logger = Logger(label: "poolkit.mariadb.snapshot")

    init(coordinator: MariaDBConnection, options: BackupOptions, lock: MariaDBGlobalLock?, lockedAt: ContinuousClock.Instant?) {
        self.coordinator = coordinator
        self.options = options
        self.lock = lock
        self.lockedAt = lockedAt
        if lockedAt == nil { state.withLock { $0.locked = false } }
    }

    /// The worker starts its consistent-snapshot transaction while the global read lock holds.
    /// It reads rows as stored (`character_set_results = binary`: no conversion; statements stay utf8mb4)
    /// and waits up to an hour on a slow archive consumer (`net_write_timeout`), with timestamps in UTC.
    func join(_ worker: MariaDBConnection) async throws {
        try await worker.execute(unsafeSQL:
            """
            SET NAMES utf8mb4; SET character_set_results = binary; SET time_zone = '+00:00'; SET SESSION net_write_timeout = 3600;
            \(MariaDBSnapshotBackupStrategy.neutralSQLMode);
            SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ;
            START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY
            """)
    }

    /// Records the binlog position of the snapshot and releases the lock.
    func workersJoined() async throws {
        guard let lockedAt, let lock else {
            logger.warning(
                "no_lock=true: the rows come from the worker's own snapshot (InnoDB tables only are consistent); the catalog was read in another one, so DDL during the backup is not excluded")
            state.withLock {
                $0.lockProperties = ["lock": "none (no_lock=true): one worker's snapshot; InnoDB tables only are consistent"]
            }
            return
        }
        var properties: [String: String] = ["lock": lock.label]
        // Where a replica of this backup starts; absent without a binary log (or the privilege to read it).
        if let row = (try? await coordinator.query(unsafeSQL: "SHOW MASTER STATUS"))?.rows.first {
            properties["binlog_file"] = row[0] ?? ""
            properties["binlog_position"] = row[1] ?? ""
        }
        if let gtid = (try? await coordinator.query(unsafeSQL: "SELECT @@GLOBAL.gtid_binlog_pos"))?.scalar, !gtid.isEmpty {
            properties["gtid_binlog_pos"] = gtid
        }
        try await coordinator.execute(unsafeSQL: lock.release)
        let blocked = ContinuousClock.now - lockedAt
        state.withLock { $0.locked = false }
        let milliseconds = Double(blocked.components.seconds) * 1000 + Double(blocked.components.attoseconds) / 1e15
        properties["lock_ms"] = String(format: "%.1f", milliseconds)
        logger.info("writers were blocked for \(properties["lock_ms"]!) ms while the workers joined the snapshot")
        state.withLock { $0.lockProperties = properties }
    }

    /// Reads the catalog and plans the chunks, inside the snapshot (on the coordinator).
    func plan() async throws -> BackupPlan {
        var properties = state.withLock { $0.lockProperties }
        let read = try await MariaDBCatalogReader(connection: coordinator, options: options).read()
        properties.merge(read.properties) { _, new in new }
        if let names = read.properties["non_transactional_tables"] {
            logger.warning(
                "tables \(names) are not transactional (MyISAM/Aria): their rows were read after the lock was released and may not match the snapshot")
        }
        let planner = MariaDBChunkPlanner(connection: coordinator, targetChunkBytes: options.targetChunkBytes)
        var chunks: [BackupChunk] = []
        var conditions: [ChunkKey: String] = [:]
        for table in read.tables {
            guard let info = read.tableInfo[table.id] else { continue }
            for (chunk, condition) in try await planner.chunks(for: info, id: table.id) {
                chunks.append(chunk)
                if let condition { conditions[ChunkKey(objectID: chunk.objectID, chunkID: chunk.chunkID)] = condition }
            }
        }
        let catalog = BackupCatalog(
            engine: "mariadb", serverVersion: coordinator.serverVersion, properties: properties, objects: read.objects,
            tables: read.tables, omitted: read.omitted)
        state.withLock { state in
            state.tables = read.tableInfo
            state.conditions = conditions
        }
        return BackupPlan(catalog: catalog, chunks: chunks)
    }

    func dump(_ chunk: BackupChunk, on worker: MariaDBConnection, into sink: any ChunkSink) async throws -> UInt64 {
        let (table, condition) = state.withLock {
            ($0.tables[chunk.objectID], $0.conditions[ChunkKey(objectID: chunk.objectID, chunkID: chunk.chunkID)])
        }
        guard let table else {
            throw PoolKitError(.usage, "the snapshot backup has no table with id \(chunk.objectID)")
        }
        let statement = MariaDBDumpQuery.select(
            table: table.name, columns: table.storedColumns.map { ($0.name, $0.columnType) }, allHistory: table.period != nil,
            condition: condition)
        // A failure is reported naming the table by the engine ("backing up table t: …").
        return try await StreamedDump.run(into: sink) { channel in
            try await worker.withHandle { handle in try handle.dumpRows(statement, into: channel) }
        }
    }

    /// Releases the lock if it is still held (a failure while joining) and ends the coordinator's snapshot.
    func end() async {
        if state.withLock({ $0.locked }), let lock {
            try? await coordinator.execute(unsafeSQL: lock.release)
            state.withLock { $0.locked = false }
        }
        try? await coordinator.execute(unsafeSQL: "ROLLBACK")
    }
}
