import CPoolKitSQLite

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks on a restore's target database that both SQLite restore strategies make alike.
enum SQLiteRestoreTarget {
    /// Refuses a target that is open read-only, or whose file has no write permission for anyone
    /// (mode 0444): a process running as root could write it anyway, but the file says it must not
    /// change, and an application as another user could not write it afterwards either.
    static func checkWritable(_ db: OpaquePointer) throws {
        guard sqlite3_db_readonly(db, "main") != 1 else {
            throw PoolKitError(.unsupported, "the target database is open read-only: restore needs mode=rw or mode=rwc")
        }
        guard let path = SQLiteRaw.mainFilename(db) else { return }
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & 0o222 == 0 {
            throw PoolKitError(
                .unsupported,
                "the target file '\(path)' is read-only (mode \(String(info.st_mode & 0o777, radix: 8))): make it writable (chmod u+w) or restore into another file; it was left unchanged")
        }
    }
}
