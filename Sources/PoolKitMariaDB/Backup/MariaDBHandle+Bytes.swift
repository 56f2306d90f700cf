import CPoolKitMariaDB
import PoolKit

extension MariaDBHandle {
    /// Runs `statement`, given as raw bytes in the session's `character_set_client` (which need
    /// not be UTF-8), and discards every result set.
    func execute(bytes statement: [UInt8]) throws {
        let mysql = try open()
        let status = statement.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { mysql_real_query(mysql, $0.baseAddress, UInt($0.count)) }
        }
        if status != 0 { throw statementError(mysql) }
        try discardResults(mysql)
    }

    /// Runs `sql` and returns the first column of its first row as the bytes the server sent
    /// (nil for NULL or no row): with `character_set_results = binary`, a value's own bytes.
    func firstValueBytes(_ sql: String) throws -> [UInt8]? {
        let mysql = try open()
        var sql = sql
        let status = sql.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { mysql_real_query(mysql, $0.baseAddress, UInt($0.count)) }
        }
        if status != 0 { throw statementError(mysql) }
        guard let result = mysql_store_result(mysql) else {
            if mysql_errno(mysql) != 0 { throw statementError(mysql) }
            try discardResults(mysql)
            return nil
        }
        var value: [UInt8]?
        if mysql_num_fields(result) > 0, let row = mysql_fetch_row(result), let lengths = mysql_fetch_lengths(result),
            let first = row[0]
        {
            value = Array(UnsafeRawBufferPointer(start: first, count: Int(lengths[0])))
        }
        mysql_free_result(result)
        try discardResults(mysql)
        return value
    }

    /// Reads and frees any further result sets of the last statement.
    private func discardResults(_ mysql: UnsafeMutablePointer<MYSQL>) throws {
        while true {
            if let result = mysql_store_result(mysql) { mysql_free_result(result) }
            let next = mysql_next_result(mysql)
            if next > 0 { throw statementError(mysql) }
            if next < 0 { return }
        }
    }
}
