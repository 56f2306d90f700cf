import CPoolKitSQLite

/// A prepared statement, finalized when the value goes away. Lives inside one job on a connection's
/// thread (a `withHandle` body) and never leaves it.
final class SQLiteStatement {
    private let statement: OpaquePointer
    private let db: OpaquePointer

    /// Prepares `sql` (one statement) on `db`; throws SQLite's error naming what was wrong.
    init(_ db: OpaquePointer, _ sql: String) throws {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(db, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            throw SQLiteResultCode.error(code == SQLITE_OK ? SQLITE_MISUSE : code, on: db)
        }
        self.statement = statement
        self.db = db
    }

    deinit { sqlite3_finalize(statement) }

    /// Steps once: true while there is a row.
    func step() throws -> Bool {
        let code = sqlite3_step(statement)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        throw SQLiteResultCode.error(code, on: db)
    }

    /// Steps to the end, dropping rows.
    func run() throws {
        while try step() {}
    }

    /// Makes the statement ready to run again; bindings stay unless cleared.
    func reset() {
        sqlite3_reset(statement)
    }

    // MARK: Binding (parameters count from 1)

    func bind(_ index: Int32, _ value: Int64) throws {
        try check(sqlite3_bind_int64(statement, index, value))
    }

    func bind(_ index: Int32, _ value: String) throws {
        try check(sqlite3_bind_text(statement, index, value, -1, cpoolkit_sqlite_transient()))
    }

    func bindNull(_ index: Int32) throws {
        try check(sqlite3_bind_null(statement, index))
    }

    func bindDouble(_ index: Int32, _ value: Double) throws {
        try check(sqlite3_bind_double(statement, index, value))
    }

    /// Binds UTF-8 text that stays valid until the statement is reset or rebound (no copy). An empty
    /// value binds as empty text, never as NULL.
    func bindTextNoCopy(_ index: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        // SQLite binds a null pointer as NULL, so empty text points at a static empty string.
        let base = bytes.count > 0 ? bytes.baseAddress! : UnsafeRawPointer(Self.emptyText.utf8Start)
        try check(
            sqlite3_bind_text64(
                statement, index, base.assumingMemoryBound(to: CChar.self), sqlite3_uint64(bytes.count), cpoolkit_sqlite_static(),
                UInt8(SQLITE_UTF8)))
    }

    /// Binds bytes that stay valid until the statement is reset or rebound (no copy). An empty value
    /// binds as an empty blob, never as NULL.
    func bindBlobNoCopy(_ index: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        if bytes.count == 0 {
            try check(sqlite3_bind_zeroblob(statement, index, 0))
        } else {
            try check(sqlite3_bind_blob64(statement, index, bytes.baseAddress, sqlite3_uint64(bytes.count), cpoolkit_sqlite_static()))
        }
    }

    private static let emptyText: StaticString = ""

    private func check(_ code: Int32) throws {
        guard code != SQLITE_OK else { return }
        throw SQLiteResultCode.error(code, on: db)
    }

    // MARK: Reading the current row (columns count from 0)

    func type(_ column: Int32) -> Int32 { sqlite3_column_type(statement, column) }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

    func double(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }

    /// The column as text (NULL reads as nil).
    func text(_ column: Int32) -> String? {
        guard sqlite3_column_type(statement, column) != SQLITE_NULL, let text = sqlite3_column_text(statement, column) else {
            return nil
        }
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// The column's value as UTF-8 bytes, valid until the next step, reset or column call on it.
    func textBytes(_ column: Int32) -> UnsafeRawBufferPointer {
        let text = sqlite3_column_text(statement, column)
        let count = Int(sqlite3_column_bytes(statement, column))
        return UnsafeRawBufferPointer(start: count > 0 ? UnsafeRawPointer(text) : nil, count: count)
    }

    /// The column's value as bytes, valid until the next step, reset or column call on it.
    func blobBytes(_ column: Int32) -> UnsafeRawBufferPointer {
        let blob = sqlite3_column_blob(statement, column)
        let count = Int(sqlite3_column_bytes(statement, column))
        return UnsafeRawBufferPointer(start: count > 0 ? blob : nil, count: count)
    }

    /// The table column a result column comes from (`sqlite3_column_origin_name`); for a rowid that
    /// an INTEGER PRIMARY KEY column aliases, that column's name, else `rowid`.
    func originName(_ column: Int32) -> String? {
        sqlite3_column_origin_name(statement, column).map { String(cString: $0) }
    }
}

/// Small helpers for the bodies of `withHandle` jobs.
enum SQLiteRaw {
    /// Runs every statement of `sql`; throws SQLite's error.
    static func execute(_ db: OpaquePointer, _ sql: String) throws {
        let code = sqlite3_exec(db, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw SQLiteResultCode.error(code, on: db) }
    }

    /// The first column of the first row of `sql`, as text.
    static func scalar(_ db: OpaquePointer, _ sql: String) throws -> String? {
        let statement = try SQLiteStatement(db, sql)
        return try statement.step() ? statement.text(0) : nil
    }

    /// The first column of the first row of `sql`, as an integer (0 when there is no row).
    static func integer(_ db: OpaquePointer, _ sql: String) throws -> Int64 {
        let statement = try SQLiteStatement(db, sql)
        return try statement.step() ? statement.int64(0) : 0
    }

    /// The file behind the main database (absolute), or nil for an in-memory or temporary database.
    static func mainFilename(_ db: OpaquePointer) -> String? {
        guard let name = sqlite3_db_filename(db, "main") else { return nil }
        let path = String(cString: name)
        return path.isEmpty ? nil : path
    }

    /// True while `db` is inside a transaction.
    static func inTransaction(_ db: OpaquePointer) -> Bool {
        sqlite3_get_autocommit(db) == 0
    }
}
