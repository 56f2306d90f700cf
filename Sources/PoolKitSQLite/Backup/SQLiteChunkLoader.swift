import CPoolKitSQLite
import Synchronization

/// What a restore needs to load one table's rows.
struct SQLiteTableLoad: Sendable {
    /// The table, unquoted.
    var name: String
    /// The columns the rows carry values for (the non-generated ones), in row order.
    var columns: [String]

    /// The rowid slot plus one value per column.
    var valuesPerRow: Int { 1 + columns.count }

    init(_ table: ArchiveTable) {
        name = table.name
        columns = table.columns.filter { $0.generated != true }.map(\.name)
    }
}

/// Loads one chunk of `sqlite-typed-v1` rows into a table, one payload per job on the worker's
/// thread, with prepared INSERTs; the chunk is one transaction, committed only after the chunk's
/// end was verified.
///
/// During the chunk the worker runs with `foreign_keys = OFF` (rows of tables in a foreign-key
/// cycle arrive in any order), `synchronous = OFF` (the commit of one chunk need not reach the
/// disk on its own: ``SQLiteLogicalRestoreSession/finish(on:)`` makes everything durable with one
/// final synchronous commit) and triggers disabled (`SQLITE_DBCONFIG_ENABLE_TRIGGER`: rows are
/// restored as they were, a trigger already in the target must not add to them); all three are set
/// back when the chunk ends. Rows of a shadow table (copied for a contentless FTS table) are
/// loaded with `INSERT OR REPLACE`, replacing the rows its virtual table put there when created.
final class SQLiteChunkLoader: Sendable {
    private struct State {
        var decoder: SQLiteChunkDecoder?
        /// The target's name for the rowid, when it has one.
        var rowidName: String?
        var savedForeignKeys: Int64?
        var savedSynchronous: Int64?
        var savedTriggers: Int32?
        var replace = false
        var began = false
    }

    private let table: SQLiteTableLoad
    /// False when the restore runs in one transaction that the session owns.
    private let ownsTransaction: Bool
    private let state = Mutex(State())

    init(table: SQLiteTableLoad, ownsTransaction: Bool) {
        self.table = table
        self.ownsTransaction = ownsTransaction
    }

    /// Reads the target table's rowid name and SQLite's length limit; sets the pragmas and begins
    /// the chunk's transaction. Connection thread.
    func start(_ db: OpaquePointer) throws {
        let names = try SQLiteStatement(db, "SELECT name FROM pragma_table_xinfo(?1, 'main')")
        try names.bind(1, table.name)
        var columns: [String] = []
        while try names.step() { columns.append(names.text(0) ?? "") }
        guard !columns.isEmpty else {
            throw PoolKitError(.statementFailed, "cannot load rows into '\(table.name)': the target has no such table")
        }
        let rowidName = ["rowid", "_rowid_", "oid"].first { candidate in !columns.contains { sqliteSameName($0, candidate) } }
        let kind = try SQLiteStatement(db, "SELECT type FROM pragma_table_list WHERE schema = 'main' AND name = ?1")
        try kind.bind(1, table.name)
        let isShadow = try kind.step() && kind.text(0) == "shadow"
        let decoder = SQLiteChunkDecoder(
            valuesPerRow: table.valuesPerRow, maxValueLength: Int(sqlite3_limit(db, SQLITE_LIMIT_LENGTH, -1)))
        try state.withLock { state in
            state.decoder = decoder
            state.rowidName = rowidName
            state.replace = isShadow
            // The out parameter reports the setting after the call: ask first (-1), then turn off.
            var triggers: Int32 = 1
            var off: Int32 = 0
            try Self.check(cpoolkit_sqlite_db_config_flag(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &triggers), db)
            try Self.check(cpoolkit_sqlite_db_config_flag(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, &off), db)
            state.savedTriggers = triggers
            guard ownsTransaction else { return }
            state.savedForeignKeys = try SQLiteRaw.integer(db, "PRAGMA foreign_keys")
            state.savedSynchronous = try SQLiteRaw.integer(db, "PRAGMA synchronous")
            try SQLiteRaw.execute(db, "PRAGMA foreign_keys = OFF; PRAGMA synchronous = OFF")
            try SQLiteRaw.execute(db, "BEGIN IMMEDIATE")
            state.began = true
        }
    }

    /// Decodes `payload` (carrying an incomplete row over to the next one) and inserts every row it
    /// completes. Connection thread.
    func feed(_ payload: [UInt8], on db: OpaquePointer) throws {
        let (rowidName, replace) = state.withLock { ($0.rowidName, $0.replace) }
        var inserter = Inserter(db: db, table: table, rowidName: rowidName, replace: replace)
        do {
            try state.withLock { state in
                guard state.decoder != nil else { throw PoolKitError(.usage, "the loader of '\(table.name)' was not started") }
                try payload.withUnsafeBytes { bytes in
                    try state.decoder!.feed(bytes) { values in try inserter.insert(values) }
                }
            }
        } catch let error as PoolKitError where error.code == .statementFailed {
            throw PoolKitError(
                .statementFailed, "cannot load a row into '\(table.name)': \(error.message)", engineCode: error.engineCode,
                underlying: error.underlying)
        }
    }

    /// Checks that the chunk ended after a whole row, commits, sets the pragmas back and returns the
    /// rows loaded. Connection thread.
    func commit(_ db: OpaquePointer) throws -> UInt64 {
        try state.withLock { state in
            guard let decoder = state.decoder else { throw PoolKitError(.usage, "the loader of '\(table.name)' was not started") }
            try decoder.finish()
            if state.began {
                try SQLiteRaw.execute(db, "COMMIT")
                state.began = false
            }
            try Self.restorePragmas(&state, db)
            return decoder.rows
        }
    }

    /// Rolls the chunk back (when it began a transaction) and sets the pragmas back. Connection thread.
    func abandon(_ db: OpaquePointer) {
        state.withLock { state in
            if state.began && SQLiteRaw.inTransaction(db) { try? SQLiteRaw.execute(db, "ROLLBACK") }
            state.began = false
            try? Self.restorePragmas(&state, db)
        }
    }

    private static func restorePragmas(_ state: inout State, _ db: OpaquePointer) throws {
        if let synchronous = state.savedSynchronous {
            try SQLiteRaw.execute(db, "PRAGMA synchronous = \(synchronous)")
            state.savedSynchronous = nil
        }
        if let foreignKeys = state.savedForeignKeys {
            try SQLiteRaw.execute(db, "PRAGMA foreign_keys = \(foreignKeys)")
            state.savedForeignKeys = nil
        }
        if let triggers = state.savedTriggers {
            var current: Int32 = 0
            try check(cpoolkit_sqlite_db_config_flag(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, triggers, &current), db)
            state.savedTriggers = nil
        }
    }

    private static func check(_ code: Int32, _ db: OpaquePointer) throws {
        guard code == SQLITE_OK else { throw SQLiteResultCode.error(code, on: db) }
    }

    /// The prepared INSERTs of one payload's job: with a rowid (`?1` is the rowid) and without.
    private struct Inserter {
        let db: OpaquePointer
        let table: SQLiteTableLoad
        let rowidName: String?
        let replace: Bool
        var withRowid: SQLiteStatement?
        var withoutRowid: SQLiteStatement?

        init(db: OpaquePointer, table: SQLiteTableLoad, rowidName: String?, replace: Bool) {
            self.db = db
            self.table = table
            self.rowidName = rowidName
            self.replace = replace
        }

        mutating func insert(_ values: [SQLiteValueRef]) throws {
            let statement: SQLiteStatement
            let first: Int32
            switch values[0] {
            case .null:
                statement = try withoutRowid ?? prepare(rowid: nil)
                withoutRowid = statement
                first = 1
            case .integer(let rowid):
                guard let rowidName else {
                    throw PoolKitError(.archiveCorrupt, "the rows of '\(table.name)' carry rowids, but the target table has no rowid")
                }
                statement = try withRowid ?? prepare(rowid: rowidName)
                withRowid = statement
                try statement.bind(1, rowid)
                first = 2
            default:
                throw PoolKitError(.archiveCorrupt, "a row of '\(table.name)' has a rowid slot that is neither NULL nor an integer")
            }
            for position in 1..<values.count {
                let index = first + Int32(position - 1)
                switch values[position] {
                case .null: try statement.bindNull(index)
                case .integer(let integer): try statement.bind(index, integer)
                case .real(let real): try statement.bindDouble(index, real)
                case .text(let bytes): try statement.bindTextNoCopy(index, bytes)
                case .blob(let bytes): try statement.bindBlobNoCopy(index, bytes)
                }
            }
            defer { statement.reset() }
            try statement.run()
        }

        private func prepare(rowid: String?) throws -> SQLiteStatement {
            let names = (rowid.map { [$0] } ?? []) + table.columns.map(sqliteQuoteIdentifier)
            let parameters = (1...names.count).map { "?\($0)" }.joined(separator: ", ")
            return try SQLiteStatement(
                db, "INSERT \(replace ? "OR REPLACE " : "")INTO \(sqliteQualifiedName(table.name)) (\(names.joined(separator: ", "))) VALUES (\(parameters))")
        }
    }
}
