import CPoolKitSQLite

/// Reads the file of a connection's main database through that connection's own VFS, read-only.
///
/// Why not `open`/`pread`/`close`: SQLite's locks on Unix are POSIX advisory locks, which belong to
/// the process and the file, and *any* `close` of *any* descriptor of that file drops them all — so
/// closing a descriptor of our own would silently release the SHARED lock that keeps writers out
/// while the file is copied. A file opened through SQLite's unix VFS shares SQLite's per-file
/// bookkeeping: its `xClose` keeps the descriptor open (for reuse) while any connection in the
/// process still holds a lock on the file, exactly as SQLite does for its own connections.
///
/// Used by one job on one connection thread at a time; it never leaves that job.
final class SQLiteVFSReader {
    private let memory: UnsafeMutableRawPointer
    private let file: UnsafeMutablePointer<sqlite3_file>
    /// The database path, for messages.
    let path: String

    /// Opens the main database file of `db` read-only through the VFS `db` uses. The file name comes
    /// from `sqlite3_db_filename`, which stays valid while `db` is open (longer than this reader).
    init(db: OpaquePointer) throws {
        var vfsPointer: UnsafeMutablePointer<sqlite3_vfs>?
        let found = withUnsafeMutablePointer(to: &vfsPointer) { sqlite3_file_control(db, "main", SQLITE_FCNTL_VFS_POINTER, $0) }
        guard found == SQLITE_OK, let vfs = vfsPointer, let open = vfs.pointee.xOpen else {
            throw PoolKitError(.unsupported, "the SQLite connection does not say which VFS it uses, so its file cannot be read")
        }
        guard let name = sqlite3_db_filename(db, "main"), name.pointee != 0 else {
            throw PoolKitError(.unsupported, "the SQLite database is in memory: it has no file to read")
        }
        path = String(cString: name)
        let size = max(Int(vfs.pointee.szOsFile), MemoryLayout<sqlite3_file>.size)
        memory = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        file = memory.bindMemory(to: sqlite3_file.self, capacity: 1)
        var outFlags: Int32 = 0
        // SQLITE_OPEN_MAIN_DB: the unix VFS then allocates what it needs to defer the close.
        let code = open(vfs, name, file, SQLITE_OPEN_READONLY | SQLITE_OPEN_MAIN_DB, &outFlags)
        guard code == SQLITE_OK else {
            if let methods = file.pointee.pMethods { _ = methods.pointee.xClose?(file) }
            memory.deallocate()
            throw PoolKitError(
                .io, "cannot open the SQLite database file '\(path)' for reading: \(String(cString: sqlite3_errstr(code)))",
                engineCode: SQLiteResultCode(code).engineCode, underlying: SQLiteResultCode(code))
        }
    }

    deinit {
        if let methods = file.pointee.pMethods { _ = methods.pointee.xClose?(file) }
        memory.deallocate()
    }

    /// Fills `buffer` with the file's bytes from `offset`; throws `.io` if the file is shorter.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws {
        guard buffer.count > 0 else { return }
        guard let read = file.pointee.pMethods?.pointee.xRead else {
            throw PoolKitError(.io, "the SQLite VFS cannot read '\(path)'")
        }
        let code = read(file, buffer.baseAddress, Int32(buffer.count), offset)
        guard code == SQLITE_OK else {
            let resultCode = SQLiteResultCode(code)
            let reason =
                code == SQLITE_IOERR | (2 << 8)  // SQLITE_IOERR_SHORT_READ
                ? "the file ends before byte \(offset + Int64(buffer.count))" : String(cString: sqlite3_errstr(code))
            throw PoolKitError(
                .io, "cannot read the SQLite database file '\(path)' at byte \(offset): \(reason)",
                engineCode: resultCode.engineCode, underlying: resultCode)
        }
    }
}
