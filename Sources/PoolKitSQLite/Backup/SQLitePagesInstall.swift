import CPoolKitSQLite

/// The last step of a `pages` restore: checks the assembled database and copies it into the target
/// with the online backup API, on the target connection's thread.
enum SQLitePagesInstall {
    /// Opens `scratch` read-only and immutable (no locks, no `-wal`/`-shm` files by its name, which
    /// is removed at once), runs `PRAGMA quick_check`, then copies it into `target`'s main database in
    /// one write transaction. `stop` is looked at during the check and between copy steps; once the
    /// copy has committed, the restore is done and a later stop is too late.
    /// With `allowDamaged`, a database that fails the check is copied all the same, and the
    /// returned warning says what was wrong; otherwise the check's failure is thrown. Returns nil
    /// when the check passed.
    @discardableResult
    static func run(
        from scratch: SQLiteScratchFile, into target: OpaquePointer, stop: SQLiteOnlineBackup.StopFlag, allowDamaged: Bool = false
    ) throws -> String? {
        var source: OpaquePointer?
        defer { sqlite3_close_v2(source) }
        let opened = try scratch.withName { path in
            sqlite3_open_v2(
                "file:\(uriPath(path))?immutable=1", &source, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nil)
        }
        guard opened == SQLITE_OK, let source else {
            throw PoolKitError(
                .io, "cannot open \(scratch.label): \(String(cString: sqlite3_errstr(opened)))",
                engineCode: SQLiteResultCode(opened).engineCode, underlying: SQLiteResultCode(opened))
        }
        let context = Unmanaged.passUnretained(stop).toOpaque()
        sqlite3_progress_handler(source, 1000, { context in
            guard let context else { return 0 }
            return Unmanaged<SQLiteOnlineBackup.StopFlag>.fromOpaque(context).takeUnretainedValue().isSet ? 1 : 0
        }, context)
        var warning: String?
        do {
            try check(source, stop: stop)
        } catch let error as PoolKitError where error.code == .archiveCorrupt && allowDamaged {
            let problem = error.message.components(separatedBy: ": the backed-up database was damaged").first ?? error.message
            warning = "\(problem): the backed-up database was damaged; it was written byte for byte as backed up, because --allow-damaged asked for it — keep the archive, and recover what you can from the target (e.g. sqlite3 TARGET .recover)"
        }
        let sourceSchemaVersion = try? SQLiteRaw.integer(source, "PRAGMA main.schema_version")
        try copy(from: source, into: target, stop: stop)
        if let sourceSchemaVersion { carrySchemaVersion(sourceSchemaVersion, into: target) }
        return warning
    }

    /// The backup API sets the target's schema cookie to its old value plus one, so that no
    /// connection keeps a cached schema of the old database. When the backed-up cookie is higher
    /// still, writing it keeps that guarantee and restores the cookie exactly (always so for a new
    /// target). Best effort: the data is already committed.
    private static func carrySchemaVersion(_ version: Int64, into target: OpaquePointer) {
        guard let current = try? SQLiteRaw.integer(target, "PRAGMA main.schema_version"), version > current else { return }
        try? SQLiteRaw.execute(target, "PRAGMA main.schema_version = \(version)")
    }

    /// `PRAGMA quick_check` on the assembled file: the archive's checksums prove the bytes are the
    /// backup's, this proves they form a database.
    private static func check(_ source: OpaquePointer, stop: SQLiteOnlineBackup.StopFlag) throws {
        var problems: [String] = []
        do {
            let statement = try SQLiteStatement(source, "PRAGMA main.quick_check(\(SQLiteSourceCheck.problemLimit))")
            while try statement.step() { problems.append(statement.text(0) ?? "") }
        } catch let error as PoolKitError {
            if stop.isSet { throw cancelled() }
            throw PoolKitError(
                .archiveCorrupt,
                "the restored file is not a database SQLite can read (\(error.message)): the backed-up data was damaged; the target was left unchanged",
                engineCode: error.engineCode, underlying: error.underlying)
        }
        guard problems == ["ok"] else {
            throw PoolKitError(
                .archiveCorrupt,
                "the restored database fails SQLite's quick_check (\(SQLiteSourceCheck.summary(of: problems))): the backed-up database was damaged; the target was left unchanged (restore with --allow-damaged to write it byte for byte all the same)")
        }
    }

    private static func copy(from source: OpaquePointer, into target: OpaquePointer, stop: SQLiteOnlineBackup.StopFlag) throws {
        guard let backup = sqlite3_backup_init(target, "main", source, "main") else {
            let code = sqlite3_extended_errcode(target)
            throw PoolKitError(
                .restoreConflict,
                "cannot start writing the target database: \(String(cString: sqlite3_errmsg(target))); it was left unchanged",
                engineCode: SQLiteResultCode(code).engineCode, underlying: SQLiteResultCode(code))
        }
        var code: Int32
        repeat {
            if stop.isSet {
                sqlite3_backup_finish(backup)  // rolls back the target's open write transaction
                throw cancelled()
            }
            code = sqlite3_backup_step(backup, SQLiteOnlineBackup.pagesPerStep)
        } while code == SQLITE_OK
        let finished = sqlite3_backup_finish(backup)
        guard code == SQLITE_DONE, finished == SQLITE_OK else {
            let failed = code == SQLITE_DONE ? finished : code
            throw error(failed, source: source, target: target)
        }
    }

    private static func error(_ code: Int32, source: OpaquePointer, target: OpaquePointer) -> PoolKitError {
        let resultCode = SQLiteResultCode(code)
        switch code & 0xff {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return PoolKitError(
                .restoreConflict,
                "the target database is busy: another connection holds a lock on it (the restore waited the target URL's busy_timeout); it was left unchanged: stop the writers, or raise busy_timeout, and restore again",
                engineCode: resultCode.engineCode, underlying: resultCode)
        case SQLITE_READONLY:
            let targetPageSize = (try? SQLiteRaw.integer(target, "PRAGMA main.page_size")) ?? 0
            let sourcePageSize = (try? SQLiteRaw.integer(source, "PRAGMA main.page_size")) ?? 0
            if targetPageSize != sourcePageSize {
                return PoolKitError(
                    .unsupported,
                    "the target is in WAL mode with page size \(targetPageSize), the archive's database has page size \(sourcePageSize), and SQLite cannot change the page size of a WAL database: restore into a new file, or switch the target to journal_mode=delete first; it was left unchanged",
                    engineCode: resultCode.engineCode, underlying: resultCode)
            }
            return PoolKitError(
                .unsupported, "the target database cannot be written (\(String(cString: sqlite3_errstr(code)))); it was left unchanged",
                engineCode: resultCode.engineCode, underlying: resultCode)
        default:
            return PoolKitError(
                .io, "writing the target database failed: \(String(cString: sqlite3_errmsg(target))); SQLite rolled it back to what it was",
                engineCode: resultCode.engineCode, underlying: resultCode)
        }
    }

    private static func cancelled() -> PoolKitError {
        PoolKitError(.cancelled, "the restore was cancelled before the target was written; it was left unchanged")
    }

    /// `path` for a `file:` URI: every byte but unreserved characters and `/` percent-encoded.
    static func uriPath(_ path: String) -> String {
        var text = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                text.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                text += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return text
    }
}
