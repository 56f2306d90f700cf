import CPoolKitSQLite

/// Running SQL text on a handle: every statement of a script, in one job on the connection thread.
extension SQLiteHandle {
    /// Runs every statement of `sql` in order and stops at the first error. With `collectingRows`,
    /// returns the rows of the last statement that has result columns (`nil` if none has); without,
    /// steps through rows and drops them. Connection thread.
    ///
    /// Values are text: SQL NULL is `nil`; integers and reals use SQLite's own text conversion
    /// (`42`, `3.5`, `1.0e+20`); text is decoded as UTF-8; a blob is its bytes in lowercase hex
    /// without a prefix (`x'00ff'` reads as `00ff`).
    func runSQL(_ sql: String, collectingRows: Bool) throws -> QueryResult? {
        try sql.withCString { start in
            var result: QueryResult?
            var next: UnsafePointer<CChar>? = start
            while let current = next, current.pointee != 0 {
                if isInterrupted {
                    throw PoolKitError(.cancelled, "the SQLite script was cancelled before it finished")
                }
                var statement: OpaquePointer?
                try check(sqlite3_prepare_v2(raw, current, -1, &statement, &next))
                // A remainder of only whitespace or comments prepares to no statement.
                guard let statement else { continue }
                defer { sqlite3_finalize(statement) }
                let columnCount = sqlite3_column_count(statement)
                if collectingRows && columnCount > 0 {
                    result = try collectRows(of: statement, columnCount: columnCount)
                } else {
                    try stepToEnd(statement)
                }
            }
            return result
        }
    }

    /// Puts the connection back into a clean state: resets statements still running (they would
    /// hold a read lock and block WAL checkpoints) and rolls back an open transaction. Connection thread.
    func resetSession() throws {
        var statement = sqlite3_next_stmt(raw, nil)
        while let current = statement {
            if sqlite3_stmt_busy(current) != 0 { sqlite3_reset(current) }
            statement = sqlite3_next_stmt(raw, current)
        }
        if sqlite3_get_autocommit(raw) == 0 {
            _ = try runSQL("ROLLBACK", collectingRows: false)
        }
    }

    private func stepToEnd(_ statement: OpaquePointer) throws {
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_ROW { continue }
            if code == SQLITE_DONE { return }
            throw SQLiteResultCode.error(code, on: raw)
        }
    }

    private func collectRows(of statement: OpaquePointer, columnCount: Int32) throws -> QueryResult {
        let columns = (0..<columnCount).map { column in
            sqlite3_column_name(statement, column).map { String(cString: $0) } ?? ""
        }
        var rows: [[String?]] = []
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw SQLiteResultCode.error(code, on: raw) }
            var row: [String?] = []
            row.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                row.append(Self.text(of: statement, column: column))
            }
            rows.append(row)
        }
        return QueryResult(columns: columns, rows: rows)
    }

    private static func text(of statement: OpaquePointer, column: Int32) -> String? {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_NULL:
            return nil
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, column))
            guard count > 0, let bytes = sqlite3_column_blob(statement, column) else { return "" }
            return lowercaseHex(UnsafeRawBufferPointer(start: bytes, count: count))
        default:
            // Integers, reals and text: SQLite converts to UTF-8 text itself.
            guard let text = sqlite3_column_text(statement, column) else { return "" }
            let count = Int(sqlite3_column_bytes(statement, column))
            return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
        }
    }

    private static func lowercaseHex(_ bytes: UnsafeRawBufferPointer) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            for (index, byte) in bytes.enumerated() {
                buffer[2 * index] = digits[Int(byte >> 4)]
                buffer[2 * index + 1] = digits[Int(byte & 0x0F)]
            }
            return bytes.count * 2
        }
    }
}
