import CPoolKitSQLite
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Restores a `pages` archive: writes the database file into a temporary file next to the target,
/// each chunk at its offset as it arrives (so chunks load in parallel), then checks it with
/// `PRAGMA quick_check` and renames it over the target.
///
/// The connections the engine opened on the target before the rename keep the file they opened
/// (the old, usually empty one); the restored database is seen by connections opened afterwards.
/// The engine closes its restore connections when the restore ends.
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
        let target = try await coordinator.withHandle { db -> String in
            guard let path = SQLiteRaw.mainFilename(db) else {
                throw PoolKitError(.unsupported, "a pages archive restores into a database file, not into an in-memory database: use --strategy logical, or a file URL")
            }
            let existing = try SQLiteStatement(db, "SELECT name FROM main.sqlite_schema ORDER BY rowid")
            var names: [String] = []
            while try existing.step() { names.append(existing.text(0) ?? "") }
            if !names.isEmpty && !clean {
                let shown = names.prefix(10).map { "'\($0)'" }.joined(separator: ", ")
                let more = names.count > 10 ? " and \(names.count - 10) more" : ""
                throw PoolKitError(
                    .restoreConflict,
                    "the target database '\(path)' is not empty (it has \(shown)\(more)): a pages restore replaces the whole file, so use --clean to replace it, or restore into a new file")
            }
            // The file is replaced by a rename; a connection in WAL mode would later delete the new
            // file's WAL by name, so the target must be in a rollback-journal mode.
            if (try SQLiteRaw.scalar(db, "PRAGMA main.journal_mode"))?.lowercased() == "wal" {
                let switched = try? SQLiteRaw.scalar(db, "PRAGMA main.journal_mode = DELETE")
                guard switched?.lowercased() == "delete" else {
                    throw PoolKitError(
                        .unsupported,
                        "the target '\(path)' is in WAL mode and other connections have it open, so its file cannot be replaced safely: drop journal_mode=wal from the target URL (the restored database keeps the journal mode it was backed up with), or remove the file first")
                }
            }
            return path
        }
        let file = try await coordinator.withHandle { _ in try SQLiteRestoreFile(target: target, size: size) }
        return SQLitePagesRestoreSession(layout: layout, blobID: blob.id, file: file)
    }
}

/// A `pages` restore in progress.
final class SQLitePagesRestoreSession: RestoreSession {
    private let layout: SQLiteBlobLayout
    private let blobID: UInt32
    private let file: SQLiteRestoreFile

    init(layout: SQLiteBlobLayout, blobID: UInt32, file: SQLiteRestoreFile) {
        self.layout = layout
        self.blobID = blobID
        self.file = file
    }

    /// A pages archive has no objects; nothing to do.
    func apply(_ object: ArchiveObject, on connection: SQLiteConnection) async throws {}

    /// Chunks write to their own byte ranges, so they may load in parallel.
    var maxParallelLoads: Int? { nil }

    /// Writes the chunk's payloads at the chunk's offset, on the worker's thread; checks that the
    /// chunk has exactly the bytes its range needs.
    func load(objectID: UInt32, chunkID: UInt32, from source: any ChunkSource, on worker: SQLiteConnection) async throws
        -> UInt64
    {
        guard objectID == blobID, Int(chunkID) < layout.chunks else {
            throw PoolKitError(.archiveCorrupt, "the pages archive has no chunk \(objectID)/\(chunkID) (its blob is \(blobID) with \(layout.chunks) chunks)")
        }
        let range = layout.range(of: Int(chunkID))
        var offset = range.lowerBound
        let file = self.file
        while let payload = try await source.next() {
            guard UInt64(payload.count) <= range.upperBound - offset else {
                throw PoolKitError(.archiveCorrupt, "chunk \(chunkID) of the database has more than its \(range.count) bytes")
            }
            let at = Int64(offset)
            try await worker.withHandle { _ in try file.write(payload, at: at) }
            offset += UInt64(payload.count)
        }
        guard offset == range.upperBound else {
            throw PoolKitError(.archiveCorrupt, "chunk \(chunkID) of the database has \(offset - range.lowerBound) bytes, not \(range.count)")
        }
        file.markLoaded(Int(chunkID))
        return 0
    }

    /// Flushes the file, checks it (`PRAGMA quick_check`), and renames it over the target.
    func finish(on coordinator: SQLiteConnection) async throws {
        let file = self.file
        let chunks = layout.chunks
        try await coordinator.withHandle { _ in try file.commit(expectedChunks: chunks) }
    }
}

/// The temporary file a pages restore writes, removed unless it was committed.
final class SQLiteRestoreFile: Sendable {
    private struct State {
        var fd: Int32
        var loaded = Set<Int>()
        var committed = false
    }

    let target: String
    let path: String
    private let size: UInt64
    private let state: Mutex<State>

    /// Creates `.<name>.<random>.poolkit-restore` next to `target`, `size` bytes long. Connection thread.
    init(target: String, size: UInt64) throws {
        let (fd, path) = try SQLiteFileIO.createTemporary(nextTo: target, suffix: ".poolkit-restore")
        do {
            try SQLiteFileIO.truncate(fd, to: Int64(size), path: path)
        } catch {
            close(fd)
            SQLiteFileIO.remove(path)
            throw error
        }
        self.target = target
        self.path = path
        self.size = size
        self.state = Mutex(State(fd: fd))
    }

    deinit {
        state.withLock { state in
            if state.fd >= 0 { close(state.fd) }
            if !state.committed { SQLiteFileIO.remove(path) }
        }
    }

    /// Writes `bytes` at `offset`. Connection thread; several may write at once (`pwrite`).
    func write(_ bytes: [UInt8], at offset: Int64) throws {
        let fd = state.withLock { $0.fd }
        guard fd >= 0 else { throw PoolKitError(.usage, "the restored database file is already closed") }
        try bytes.withUnsafeBytes { try SQLiteFileIO.write(fd, $0, at: offset, path: path) }
    }

    func markLoaded(_ chunk: Int) {
        state.withLock { _ = $0.loaded.insert(chunk) }
    }

    /// Checks that all chunks arrived, syncs and closes the file, runs `PRAGMA quick_check` on it and
    /// renames it over the target, then syncs the directory. Connection thread.
    func commit(expectedChunks: Int) throws {
        let fd = try state.withLock { state -> Int32 in
            let missing = (0..<expectedChunks).filter { !state.loaded.contains($0) }
            guard missing.isEmpty else {
                throw PoolKitError(.archiveCorrupt, "the database blob is missing chunks \(missing.prefix(10).map(String.init).joined(separator: ", "))")
            }
            defer { state.fd = -1 }
            return state.fd
        }
        guard fd >= 0 else { throw PoolKitError(.usage, "the restored database file was already committed") }
        do {
            try SQLiteFileIO.setPermissions(fd, SQLiteFileIO.permissions(of: target) ?? 0o644, path: path)
            try SQLiteFileIO.sync(fd, path: path)
        } catch {
            close(fd)
            throw error
        }
        close(fd)  // before SQLite opens it: closing later would drop SQLite's locks on it
        try check()
        try checkTargetCompanions()
        try SQLiteFileIO.rename(path, to: target)
        state.withLock { $0.committed = true }
        try SQLiteFileIO.syncDirectory(of: target)
    }

    /// Opens the file with SQLite and runs `PRAGMA quick_check`: the archive's checksums prove the
    /// bytes are the backup's, this proves they form a database.
    private func check() throws {
        var db: OpaquePointer?
        let opened = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        defer {
            sqlite3_close_v2(db)
            // A WAL-mode copy gets -wal and -shm files while open; closing removes them, this makes sure.
            SQLiteFileIO.remove(path + "-wal")
            SQLiteFileIO.remove(path + "-shm")
        }
        guard opened == SQLITE_OK, let db else {
            throw PoolKitError(.io, "cannot open the restored database '\(path)': \(String(cString: sqlite3_errstr(opened)))")
        }
        var problems: [String] = []
        do {
            let statement = try SQLiteStatement(db, "PRAGMA main.quick_check")
            while try statement.step() { problems.append(statement.text(0) ?? "") }
        } catch let error as PoolKitError {
            throw PoolKitError(
                .archiveCorrupt,
                "the restored file is not a database SQLite can read (\(error.message)): the backed-up data was damaged; the target was left unchanged",
                engineCode: error.engineCode, underlying: error.underlying)
        }
        guard problems == ["ok"] else {
            throw PoolKitError(
                .archiveCorrupt,
                "the restored database fails SQLite's quick_check (\(problems.prefix(3).joined(separator: "; "))): the backed-up database was damaged; the target was left unchanged")
        }
    }

    /// A WAL or hot journal next to the target belongs to the old file; after the rename SQLite
    /// would apply it to the new one. Refuse rather than corrupt.
    private func checkTargetCompanions() throws {
        if let walSize = try SQLiteFileIO.size(of: target + "-wal"), walSize > 0 {
            throw PoolKitError(
                .unsupported,
                "'\(target)-wal' exists: a connection has the target open in WAL mode, so it cannot be replaced safely; close it (or drop journal_mode=wal from the target URL) and restore again")
        }
        let journalMagic: [UInt8] = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]
        if let header = try SQLiteFileIO.prefix(of: target + "-journal", count: 8), header == journalMagic {
            throw PoolKitError(
                .unsupported,
                "'\(target)-journal' holds a transaction another connection has not finished, so the target cannot be replaced safely: let it finish and restore again")
        }
    }
}
