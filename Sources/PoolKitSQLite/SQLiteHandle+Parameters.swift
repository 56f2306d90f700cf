import CPoolKitSQLite
import PoolKit
import Synchronization

/// The statements a connection keeps prepared for parameterized queries, by SQL text. Used only
/// on the connection's thread; the database finalizes any left when it closes.
final class SQLiteStatementCache: Sendable {
    /// A `sqlite3_stmt *`.
    struct Statement: @unchecked Sendable {
        // @unchecked Sendable: the pointer is only dereferenced by jobs on the owning connection's
        // ConnectionThread, one at a time; the cache's lock only guards the dictionary.
        let raw: OpaquePointer
    }

    private let statements = Mutex<[String: Statement]>([:])

    func statement(for sql: String) -> OpaquePointer? { statements.withLock { $0[sql]?.raw } }
    func store(_ statement: OpaquePointer, for sql: String) { statements.withLock { $0[sql] = Statement(raw: statement) } }
    func remove(_ sql: String) -> OpaquePointer? { statements.withLock { $0.removeValue(forKey: sql)?.raw } }
    var count: Int { statements.withLock { $0.count } }
}

extension SQLiteHandle {
    /// Runs one statement with `values` bound to its `?` (or `?NNN`, `:name`) parameters in order,
    /// prepared once and kept for the next call with the same SQL. Connection thread.
    func query(_ sql: String, _ values: [SQLValue], cache: SQLiteStatementCache) throws -> SQLRows {
        var columns: [String] = []
        var types: [String] = []
        var rows: [[SQLValue]] = []
        try run(sql, values, cache: cache, columns: { columns = $0; types = $1 }, row: { rows.append($0) })
        return SQLRows(columns: columns, types: types, values: rows)
    }

    /// Runs one statement like ``query(_:_:cache:)`` but gives its columns (names and declared
    /// types) once, then each row as it is stepped, to the callbacks; a callback that throws ends
    /// the statement (reset) and the error is rethrown. Connection thread.
    func run(
        _ sql: String, _ values: [SQLValue], cache: SQLiteStatementCache,
        columns: ([String], [String]) throws -> Void, row: ([SQLValue]) throws -> Void
    ) throws {
        let statement: OpaquePointer
        if let cached = cache.statement(for: sql) {
            statement = cached
        } else {
            var prepared: OpaquePointer?
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v3(raw, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, &tail)
            guard code == SQLITE_OK, let prepared else { throw SQLiteResultCode.error(code, on: raw) }
            if let tail, String(cString: tail).contains(where: { !$0.isWhitespace && $0 != ";" }) {
                sqlite3_finalize(prepared)
                throw PoolKitError(.usage, "a query with bound parameters runs one statement; split the SQL or use execute(_:) for scripts")
            }
            cache.store(prepared, for: sql)
            statement = prepared
        }
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        let expected = Int(sqlite3_bind_parameter_count(statement))
        guard expected == values.count else {
            throw PoolKitError(.usage, "the statement has \(expected) parameters but \(values.count) values were given")
        }
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1), in: statement)
        }
        let columnCount = sqlite3_column_count(statement)
        var names: [String] = []
        var types: [String] = []
        for column in 0..<columnCount {
            names.append(sqlite3_column_name(statement, column).map { String(cString: $0) } ?? "")
            // The declared type of a table column; empty for an expression, which has none.
            types.append(sqlite3_column_decltype(statement, column).map { String(cString: $0) } ?? "")
        }
        try columns(names, types)
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw SQLiteResultCode.error(code, on: raw) }
            var values: [SQLValue] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount { values.append(Self.value(of: statement, column: column)) }
            try row(values)
        }
    }


    private func bind(_ value: SQLValue, at index: Int32, in statement: OpaquePointer) throws {
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        let code: Int32
        switch value {
        case .null: code = sqlite3_bind_null(statement, index)
        case .int(let number): code = sqlite3_bind_int64(statement, index, number)
        case .double(let number): code = sqlite3_bind_double(statement, index, number)
        case .bool(let flag): code = sqlite3_bind_int64(statement, index, flag ? 1 : 0)
        case .text(let text): code = sqlite3_bind_text64(statement, index, text, UInt64(text.utf8.count), transient, UInt8(SQLITE_UTF8))
        case .date(let date):
            let text = SQLDateFormat.string(from: date)
            code = sqlite3_bind_text64(statement, index, text, UInt64(text.utf8.count), transient, UInt8(SQLITE_UTF8))
        case .bytes(let bytes):
            // An empty blob is bound as a zero-length blob, not as NULL.
            code = bytes.isEmpty
                ? sqlite3_bind_zeroblob(statement, index, 0)
                : bytes.withUnsafeBytes { sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), transient) }
        }
        guard code == SQLITE_OK else { throw SQLiteResultCode.error(code, on: raw) }
    }

    private static func value(of statement: OpaquePointer, column: Int32) -> SQLValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .int(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: return .double(sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            let count = Int(sqlite3_column_bytes(statement, column))
            guard let text = sqlite3_column_text(statement, column) else { return .text("") }
            return .text(String(decoding: UnsafeRawBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, column))
            guard let blob = sqlite3_column_blob(statement, column) else { return .bytes([]) }
            return .bytes(Array(UnsafeRawBufferPointer(start: blob, count: count)))
        default: return .null
        }
    }
}
