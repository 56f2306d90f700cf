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

/// Restores a `pages` archive: assembles the database file in a scratch file (unnamed, next to the
/// target), each chunk at its offset as it arrives (so chunks load in parallel), checks it with
/// `PRAGMA quick_check`, then copies it into the target with SQLite's online backup API — as
/// `sqlite3 .restore` does.
///
/// Writing through SQLite keeps the target's identity (inode, owner, mode, hard links) and takes its
/// locks: a connection that holds a transaction on the target makes the restore fail as busy (after
/// the target URL's `busy_timeout`), and an application's commit can never land in a replaced file.
/// The copy is one write transaction on the target: until it commits, a failure or Ctrl-C leaves the
/// target as it was, journal mode included.
struct SQLitePagesRestoreStrategy: RestoreStrategy {
    var name: String { "pages" }

    func begin(manifest: ArchiveManifest, on coordinator: SQLiteConnection, options: RestoreOptions) async throws
        -> SQLitePagesRestoreSession
    {
        var refused: [String] = []
        if !options.includeTables.isEmpty { refused.append("--table") }
        if options.schemaOnly { refused.append("--schema-only") }
        if options.dataOnly { refused.append("--data-only") }
        guard refused.isEmpty else {
            throw PoolKitError(
                .unsupported,
                "a pages archive holds the whole database file and cannot be restored with \(refused.joined(separator: ", ")): restore all of it, or back up with --strategy logical")
        }
        guard manifest.blobs.count == 1, let blob = manifest.blobs.first, blob.encoding == .sqliteDatabase else {
            throw PoolKitError(
                .archiveUnsupported, "a pages archive holds exactly one blob of encoding 'sqlite-database'; this one has \(manifest.blobs.map { "'\($0.encoding)'" })")
        }
        guard let size = blob.size, let chunks = blob.chunks, let layout = SQLiteBlobLayout(size: size, chunks: chunks) else {
            throw PoolKitError(
                .archiveCorrupt, "the database blob states no valid size and chunk count (size \(blob.size.map(String.init) ?? "missing"), chunks \(blob.chunks.map(String.init) ?? "missing"))")
        }
        let clean = options.clean
        let scratch = try await coordinator.withHandle { db -> SQLiteScratchFile in
            guard let path = SQLiteRaw.mainFilename(db) else {
                throw PoolKitError(
                    .unsupported,
                    "a pages archive restores into a database file, not into an in-memory database: restore into a sqlite:///path URL, or back up with --strategy logical to restore into memory")
            }
            try SQLiteRestoreTarget.checkWritable(db)
            let existing = try SQLiteStatement(db, "SELECT name FROM main.sqlite_schema ORDER BY rowid")
            var names: [String] = []
            while try existing.step() { names.append(existing.text(0) ?? "") }
            if !names.isEmpty && !clean {
                let shown = names.prefix(10).map { "'\($0)'" }.joined(separator: ", ")
                let more = names.count > 10 ? " and \(names.count - 10) more" : ""
                throw PoolKitError(
                    .restoreConflict,
                    "the target database '\(path)' is not empty (it has \(shown)\(more)): a pages restore replaces the whole database, so use --clean to replace it, or restore into a new file")
            }
            let (directory, base) = SQLiteFileIO.split(path)
            let scratch = try SQLiteScratchFile(
                in: directory, prefix: ".\(base).", suffix: ".poolkit-restore", label: "the database being restored",
                logger: Logger(label: "poolkit.sqlite.pages"))
            try scratch.truncate(to: Int64(size))
            return scratch
        }
        return SQLitePagesRestoreSession(layout: layout, blobID: blob.id, scratch: scratch, allowDamaged: options.allowDamaged)
    }
}

/// A `pages` restore in progress.
final class SQLitePagesRestoreSession: RestoreSession {
    private let layout: SQLiteBlobLayout
    private let blobID: UInt32
    private let scratch: SQLiteScratchFile
    private let loaded = Mutex(Set<Int>())
    private let allowDamaged: Bool
    private let damage = Mutex<String?>(nil)

    init(layout: SQLiteBlobLayout, blobID: UInt32, scratch: SQLiteScratchFile, allowDamaged: Bool) {
        self.layout = layout
        self.blobID = blobID
        self.scratch = scratch
        self.allowDamaged = allowDamaged
    }

    /// The quick_check failure of a damaged database written because of `--allow-damaged`.
    var warnings: [String] { damage.withLock { $0.map { [$0] } ?? [] } }

    /// Nothing reaches the target before ``finish(on:)`` copies it in one write transaction.
    var failureLeavesTargetUnchanged: Bool { true }

    /// A pages archive has no objects; nothing to do.
    func apply(_ object: ArchiveObject, on connection: SQLiteConnection) async throws {}

    /// Chunks write to their own byte ranges, so they may load in parallel.
    var maxParallelLoads: Int? { nil }

    /// Writes the chunk's payloads at the chunk's offset of the scratch file, on the worker's
    /// thread; checks that the chunk has exactly the bytes its range needs.
    func load(objectID: UInt32, chunkID: UInt32, from source: any ChunkSource, on worker: SQLiteConnection) async throws
        -> UInt64
    {
        guard objectID == blobID, Int(chunkID) < layout.chunks else {
            throw PoolKitError(.archiveCorrupt, "the pages archive has no chunk \(objectID)/\(chunkID) (its blob is \(blobID) with \(layout.chunks) chunks)")
        }
        let range = layout.range(of: Int(chunkID))
        var offset = range.lowerBound
        let scratch = self.scratch
        while let payload = try await source.next() {
            guard UInt64(payload.count) <= range.upperBound - offset else {
                throw PoolKitError(.archiveCorrupt, "chunk \(chunkID) of the database has more than its \(range.count) bytes")
            }
            let at = Int64(offset)
            try await worker.withHandle { _ in try payload.withUnsafeBytes { try scratch.write($0, at: at) } }
            offset += UInt64(payload.count)
        }
        guard offset == range.upperBound else {
            throw PoolKitError(.archiveCorrupt, "chunk \(chunkID) of the database has \(offset - range.lowerBound) bytes, not \(range.count)")
        }
        loaded.withLock { _ = $0.insert(Int(chunkID)) }
        return 0
    }

    /// Checks the assembled file and copies it into the target under the target's locks. A
    /// cancellation is honoured until the copy commits.
    func finish(on coordinator: SQLiteConnection) async throws {
        let missing = loaded.withLock { loaded in (0..<layout.chunks).filter { !loaded.contains($0) } }
        guard missing.isEmpty else {
            throw PoolKitError(
                .archiveCorrupt, "the database blob is missing chunks \(missing.prefix(10).map(String.init).joined(separator: ", ")); the target was left unchanged")
        }
        let scratch = self.scratch
        let stop = SQLiteOnlineBackup.StopFlag()
        let allowDamaged = self.allowDamaged
        let warning = try await withTaskCancellationHandler {
            try await coordinator.withHandle { db in
                try SQLitePagesInstall.run(from: scratch, into: db, stop: stop, allowDamaged: allowDamaged)
            }
        } onCancel: {
            stop.set()
        }
        damage.withLock { $0 = warning }
    }
}
