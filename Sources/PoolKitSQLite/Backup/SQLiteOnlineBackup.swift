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

/// Copies the main database of a connection into a new file with SQLite's online backup API, in
/// slices, from inside the connection's open read transaction — so the copy is exactly that
/// transaction's snapshot, whatever other connections commit meanwhile.
enum SQLiteOnlineBackup {
    /// Pages copied per `sqlite3_backup_step`; cancellation is looked at between steps.
    static let pagesPerStep: Int32 = 4096

    /// Copies `connection`'s main database into a scratch file in `$TMPDIR` (unnamed where Linux
    /// allows, so a killed process leaves nothing) and returns it. `schemaVersion` (the snapshot's
    /// schema cookie) is written back into the copy's header, because the backup API bumps it.
    /// Cancelling the task stops the copy and discards the file.
    static func copy(_ connection: SQLiteConnection, schemaVersion: Int64, logger: Logger) async throws -> SQLiteScratchFile {
        let stop = StopFlag()
        return try await withTaskCancellationHandler {
            try await connection.withHandle { db in
                let scratch = try SQLiteScratchFile(
                    in: SQLiteFileIO.temporaryDirectory, prefix: ".poolkit-sqlite-copy.", suffix: ".db",
                    label: "the temporary copy of the database", logger: logger)
                try copy(from: db, to: scratch, stop: stop)
                try patchSchemaCookie(scratch, schemaVersion)
                return scratch
            }
        } onCancel: {
            stop.set()
        }
    }

    private static func copy(from source: OpaquePointer, to scratch: SQLiteScratchFile, stop: StopFlag) throws {
        var destination: OpaquePointer?
        defer { sqlite3_close_v2(destination) }
        // SQLite opens the file by name; the name is removed at once and SQLite writes on.
        let opened = try scratch.withName { path in
            sqlite3_open_v2(path, &destination, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        }
        guard opened == SQLITE_OK, let destination else {
            throw PoolKitError(
                .io, "cannot open \(scratch.label): \(String(cString: sqlite3_errstr(opened)))",
                engineCode: SQLiteResultCode(opened).engineCode, underlying: SQLiteResultCode(opened))
        }
        // The copy is scratch space read back at once: no journal (no file by name), no fsync.
        try SQLiteRaw.execute(destination, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF")
        guard let backup = sqlite3_backup_init(destination, "main", source, "main") else {
            throw SQLiteResultCode.error(sqlite3_errcode(destination), on: destination)
        }
        var code: Int32
        repeat {
            if stop.isSet {
                sqlite3_backup_finish(backup)
                throw PoolKitError(.cancelled, "the copy of the database was cancelled")
            }
            code = sqlite3_backup_step(backup, pagesPerStep)
        } while code == SQLITE_OK
        let finished = sqlite3_backup_finish(backup)
        guard code == SQLITE_DONE, finished == SQLITE_OK else {
            throw SQLiteResultCode.error(code == SQLITE_DONE ? finished : code, on: destination)
        }
    }

    /// Writes `schemaVersion` into bytes 40..<44 (big-endian) of the copy, once SQLite has closed it.
    private static func patchSchemaCookie(_ scratch: SQLiteScratchFile, _ schemaVersion: Int64) throws {
        var info = stat()
        guard fstat(scratch.fd, &info) == 0, info.st_size >= 100 else { return }
        let cookie = UInt32(truncatingIfNeeded: schemaVersion).bigEndian
        try withUnsafeBytes(of: cookie) { try scratch.write($0, at: 40) }
    }

    /// Set from any thread to stop the copy between two steps.
    final class StopFlag: Sendable {
        private let flag = Atomic<Bool>(false)
        var isSet: Bool { flag.load(ordering: .relaxed) }
        func set() { flag.store(true, ordering: .relaxed) }
    }
}
