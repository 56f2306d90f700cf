import CPoolKitSQLite
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The `pages` backup strategy: an exact copy of the database file, streamed as one blob in byte
/// ranges that several workers read and compress at once.
///
/// The coordinator opens a read transaction. Without WAL, its SHARED lock keeps every writer from
/// changing the file, so the workers read the file itself. With WAL, the file alone is that
/// snapshot only when no WAL frame beyond the last checkpoint belongs to it; a PASSIVE checkpoint
/// run *after* the transaction began tells (see docs/sqlite-strategies.md). When that cannot be
/// shown — or the database is in memory — the online backup API copies the snapshot into a
/// temporary file first, and the workers stream that.
struct SQLitePagesBackupStrategy: BackupStrategy {
    /// Bytes per buffer handed to the archive.
    static let bufferSize = 1 << 20

    var name: String { "pages" }

    var summary: String {
        "an exact copy of the database file (page size, header, free pages), read in parallel byte ranges; the default"
    }

    func begin(on coordinator: SQLiteConnection, options: BackupOptions) async throws -> SQLitePagesBackupSession {
        var refused: [String] = []
        if !options.includeTables.isEmpty { refused.append("--table") }
        if !options.excludeTables.isEmpty { refused.append("--exclude-table") }
        if options.schemaOnly { refused.append("--schema-only") }
        if options.dataOnly { refused.append("--data-only") }
        guard refused.isEmpty else {
            throw PoolKitError(
                .unsupported,
                "the pages strategy copies the whole database file and cannot honour \(refused.joined(separator: ", ")): use --strategy logical")
        }
        let fullCheck = options.integrityCheck
        let facts = try await coordinator.withHandle { db in
            guard !SQLiteRaw.inTransaction(db) else {
                throw PoolKitError(.usage, "the coordinator connection is already inside a transaction")
            }
            try SQLiteRaw.execute(db, "BEGIN")
            do {
                var facts = try Facts.read(db)
                // Checked in the snapshot that is copied: the restore runs quick_check on it again.
                facts.properties.merge(try SQLiteSourceCheck.run(db, full: fullCheck).properties) { $1 }
                return facts
            } catch {
                try? SQLiteRaw.execute(db, "ROLLBACK")
                throw error
            }
        }
        do {
            let source: SQLitePagesBackupSession.Source
            if let path = facts.path, facts.fileIsSnapshot {
                source = .databaseFile(path)
            } else {
                source = .copy(
                    try await SQLiteOnlineBackup.copy(
                        coordinator, schemaVersion: facts.schemaVersion, logger: Logger(label: "poolkit.sqlite.pages")))
            }
            let size = UInt64(facts.pageCount * facts.pageSize)
            let layout = SQLiteBlobLayout(size: size, targetChunkBytes: options.targetChunkBytes)
            let blob = ArchiveBlob(id: 1, name: "main", encoding: .sqliteDatabase, chunks: layout.chunks, size: size)
            var properties = facts.properties
            properties["copy_method"] = source.method
            let catalog = BackupCatalog(engine: "sqlite", serverVersion: coordinator.serverVersion, properties: properties, blobs: [blob])
            return SQLitePagesBackupSession(catalog: catalog, layout: layout, source: source, coordinator: coordinator)
        } catch {
            try? await coordinator.resetSession()
            throw error
        }
    }

    /// What the coordinator's read transaction found.
    private struct Facts: Sendable {
        var path: String?
        var pageSize: Int64
        var pageCount: Int64
        var schemaVersion: Int64
        /// Whether the database file holds exactly the transaction's snapshot for as long as it lasts.
        var fileIsSnapshot: Bool
        var properties: [String: String]

        /// Reads the facts inside the open transaction of `db` (which the first read starts).
        static func read(_ db: OpaquePointer) throws -> Facts {
            _ = try SQLiteRaw.integer(db, "SELECT count(*) FROM main.sqlite_schema")
            let pageSize = try SQLiteRaw.integer(db, "PRAGMA main.page_size")
            let pageCount = try SQLiteRaw.integer(db, "PRAGMA main.page_count")
            let schemaVersion = try SQLiteRaw.integer(db, "PRAGMA main.schema_version")
            let journalMode = try SQLiteRaw.scalar(db, "PRAGMA main.journal_mode") ?? "delete"
            let path = SQLiteRaw.mainFilename(db)
            let fileIsSnapshot: Bool
            if let path {
                fileIsSnapshot = journalMode.lowercased() != "wal" || walIsCheckpointed(path)
            } else {
                fileIsSnapshot = false
            }
            let properties: [String: String] = [
                "page_size": "\(pageSize)", "page_count": "\(pageCount)",
                "user_version": "\(try SQLiteRaw.integer(db, "PRAGMA main.user_version"))",
                "application_id": "\(try SQLiteRaw.integer(db, "PRAGMA main.application_id"))",
                "encoding": try SQLiteRaw.scalar(db, "PRAGMA main.encoding") ?? "",
                "journal_mode": journalMode,
                "auto_vacuum": "\(try SQLiteRaw.integer(db, "PRAGMA main.auto_vacuum"))",
                "freelist_count": "\(try SQLiteRaw.integer(db, "PRAGMA main.freelist_count"))",
                "schema_version": "\(schemaVersion)",
            ]
            return Facts(
                path: path, pageSize: pageSize, pageCount: pageCount, schemaVersion: schemaVersion, fileIsSnapshot: fileIsSnapshot,
                properties: properties)
        }

        /// True when, with the caller's read transaction open, every frame of the WAL is already in
        /// the database file. Runs a PASSIVE checkpoint on a connection of its own and compares the
        /// frames in the WAL (`log`) with the frames checkpointed (`ckpt`). A checkpoint never copies
        /// frames past the snapshot of a reader that is still open, so `ckpt` ≤ our snapshot ≤ `log`;
        /// equality means the file is our snapshot, and it stays so while our transaction lasts.
        private static func walIsCheckpointed(_ path: String) -> Bool {
            var helper: OpaquePointer?
            defer { sqlite3_close_v2(helper) }
            guard sqlite3_open_v2(path, &helper, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let helper else {
                return false
            }
            // A read first, so the helper finds the WAL; a checkpoint on a connection that has not
            // read anything yet does nothing and reports no frames.
            guard (try? SQLiteRaw.scalar(helper, "PRAGMA main.journal_mode"))?.lowercased() == "wal",
                (try? SQLiteRaw.integer(helper, "SELECT count(*) FROM main.sqlite_schema")) != nil
            else { return false }
            var log: Int32 = -1
            var checkpointed: Int32 = -1
            let code = sqlite3_wal_checkpoint_v2(helper, "main", SQLITE_CHECKPOINT_PASSIVE, &log, &checkpointed)
            return (code == SQLITE_OK || code == SQLITE_BUSY) && log >= 0 && log == checkpointed
        }
    }
}

/// A `pages` backup in progress.
final class SQLitePagesBackupSession: BackupSession {
    /// Where the workers read the bytes.
    enum Source: Sendable {
        /// The live database file, kept unchanged by the coordinator's transaction.
        case databaseFile(String)
        /// A scratch copy made with the online backup API, without a name; closed by ``end()``.
        case copy(SQLiteScratchFile)

        var method: String {
            switch self {
            case .databaseFile: "file"
            case .copy: "backup-api"
            }
        }
    }

    let catalog: BackupCatalog
    let chunks: [BackupChunk]
    private let layout: SQLiteBlobLayout
    private let source: Source
    private let coordinator: SQLiteConnection

    init(catalog: BackupCatalog, layout: SQLiteBlobLayout, source: Source, coordinator: SQLiteConnection) {
        self.catalog = catalog
        self.layout = layout
        self.source = source
        self.coordinator = coordinator
        self.chunks = (0..<layout.chunks).map { index in
            let range = layout.range(of: index)
            return BackupChunk(
                objectID: 1, chunkID: UInt32(index), lowerBound: Int64(range.lowerBound), upperBound: Int64(range.upperBound),
                estimatedBytes: Int64(range.count))
        }
    }

    /// Workers need no transaction: the coordinator's keeps the file (or the copy is private). A
    /// worker reading the live file must have opened the same database.
    func join(_ worker: SQLiteConnection) async throws {
        guard case .databaseFile(let path) = source else { return }
        let workerPath = try await worker.mainFilename()
        guard workerPath == path else {
            throw PoolKitError(.usage, "a worker opened '\(workerPath ?? ":memory:")', not the database being backed up ('\(path)')")
        }
    }

    func workersJoined() async throws {}

    /// The blob and its byte ranges, fixed when the coordinator's transaction began.
    func plan() async throws -> BackupPlan { BackupPlan(catalog: catalog, chunks: chunks) }

    /// Streams the chunk's byte range in buffers of ``SQLitePagesBackupStrategy/bufferSize``, read
    /// on the worker's thread; returns 0 (a blob has no rows).
    func dump(_ chunk: BackupChunk, on worker: SQLiteConnection, into sink: any ChunkSink) async throws -> UInt64 {
        guard chunk.objectID == 1, Int(chunk.chunkID) < layout.chunks else {
            throw PoolKitError(.usage, "the pages backup has no chunk \(chunk.objectID)/\(chunk.chunkID)")
        }
        let range = layout.range(of: Int(chunk.chunkID))
        let source = self.source
        return try await StreamedDump.run(into: sink) { channel in try await worker.withHandle { db in
            let read: (UnsafeMutableRawBufferPointer, Int64) throws -> Void
            switch source {
            case .databaseFile:
                let reader = try SQLiteVFSReader(db: db)
                read = { buffer, offset in try reader.read(into: buffer, at: offset) }
            case .copy(let scratch):
                read = { buffer, offset in try scratch.read(into: buffer, at: offset) }
            }
            var offset = range.lowerBound
            while offset < range.upperBound {
                let count = Int(min(UInt64(SQLitePagesBackupStrategy.bufferSize), range.upperBound - offset))
                let buffer = try [UInt8](unsafeUninitializedCapacity: count) { bytes, initialized in
                    try read(UnsafeMutableRawBufferPointer(bytes), Int64(offset))
                    initialized = count
                }
                try channel.send(buffer)
                offset += UInt64(count)
            }
            return 0
        } }
    }

    /// Ends the coordinator's read transaction; a scratch copy goes when the session does.
    func end() async {
        try? await coordinator.resetSession()
    }
}
