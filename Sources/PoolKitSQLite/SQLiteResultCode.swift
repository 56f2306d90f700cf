import CPoolKitSQLite

/// An SQLite result code (extended where SQLite gave one), kept as the `underlying` error of every
/// ``PoolKitError`` the driver raises from an SQLite call, so ``SQLiteDriver/classify(_:)`` can
/// look at the code rather than at message text.
package struct SQLiteResultCode: Error, Hashable, Sendable, CustomStringConvertible {
    /// The code as SQLite returned it; connections are opened with extended result codes on,
    /// so this is e.g. `2067` (SQLITE_CONSTRAINT_UNIQUE) rather than `19`.
    package var extended: Int32

    package init(_ code: Int32) { self.extended = code }

    /// The primary result code: the low byte of the extended code (`SQLITE_BUSY`, `SQLITE_IOERR`, …).
    package var primary: Int32 { extended & 0xFF }

    /// `SQLITE_BUSY`, `SQLITE_CONSTRAINT`, … named after the primary code.
    package var name: String { Self.primaryNames[primary] ?? "SQLITE_UNKNOWN" }

    /// What ``PoolKitError/engineCode`` carries: the primary name and the extended number, e.g.
    /// `SQLITE_CONSTRAINT(2067)`.
    package var engineCode: String { "\(name)(\(extended))" }

    package var description: String { engineCode }

    /// The PoolKit error for a failed call on an open connection. Reads `sqlite3_errmsg`, so it must
    /// run on the connection's thread right after the failing call.
    ///
    /// `SQLITE_INTERRUPT` becomes `.cancelled`; every other code `.statementFailed` with SQLite's
    /// own message (plus a hint for `SQLITE_BUSY`).
    package static func error(_ code: Int32, on db: OpaquePointer) -> PoolKitError {
        error(code, message: String(cString: sqlite3_errmsg(db)))
    }

    /// The PoolKit error for `code` with SQLite's message `message`.
    package static func error(_ code: Int32, message: String) -> PoolKitError {
        let resultCode = SQLiteResultCode(code)
        switch resultCode.primary {
        case SQLITE_INTERRUPT:
            return PoolKitError(
                .cancelled, "the SQLite statement was cancelled (\(message))",
                engineCode: resultCode.engineCode, underlying: resultCode)
        case SQLITE_BUSY:
            return PoolKitError(
                .statementFailed,
                "\(message): another connection holds a conflicting lock and busy_timeout ran out; raise busy_timeout or keep write transactions short",
                engineCode: resultCode.engineCode, underlying: resultCode)
        default:
            return PoolKitError(.statementFailed, message, engineCode: resultCode.engineCode, underlying: resultCode)
        }
    }

    /// The names of SQLite's primary result codes (sqlite3.h, "Result Codes").
    private static let primaryNames: [Int32: String] = [
        0: "SQLITE_OK", 1: "SQLITE_ERROR", 2: "SQLITE_INTERNAL", 3: "SQLITE_PERM", 4: "SQLITE_ABORT",
        5: "SQLITE_BUSY", 6: "SQLITE_LOCKED", 7: "SQLITE_NOMEM", 8: "SQLITE_READONLY", 9: "SQLITE_INTERRUPT",
        10: "SQLITE_IOERR", 11: "SQLITE_CORRUPT", 12: "SQLITE_NOTFOUND", 13: "SQLITE_FULL", 14: "SQLITE_CANTOPEN",
        15: "SQLITE_PROTOCOL", 16: "SQLITE_EMPTY", 17: "SQLITE_SCHEMA", 18: "SQLITE_TOOBIG",
        19: "SQLITE_CONSTRAINT", 20: "SQLITE_MISMATCH", 21: "SQLITE_MISUSE", 22: "SQLITE_NOLFS", 23: "SQLITE_AUTH",
        24: "SQLITE_FORMAT", 25: "SQLITE_RANGE", 26: "SQLITE_NOTADB", 27: "SQLITE_NOTICE", 28: "SQLITE_WARNING",
        100: "SQLITE_ROW", 101: "SQLITE_DONE",
    ]
}
