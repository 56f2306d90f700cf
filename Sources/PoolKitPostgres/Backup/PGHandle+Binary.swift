import CPoolKitLibPQ
import PoolKit

extension PGHandle {
    /// Runs `sql` with at most one parameter passed in binary (`$1`, e.g. a `bytea`'s raw bytes)
    /// and returns the first column of the first row in binary (a `bytea` comes back as its raw
    /// bytes), or nil when there is no row or the value is NULL. For large objects, which move in
    /// pieces of a MiB: one hop per piece, no hex text on either side.
    func binaryValue(_ sql: String, parameter: [UInt8]? = nil) throws -> [UInt8]? {
        let connection = try open()
        let result: OpaquePointer?
        if let parameter {
            result = parameter.withUnsafeBytes { bytes -> OpaquePointer? in
                var values: [UnsafePointer<CChar>?] = [bytes.baseAddress?.assumingMemoryBound(to: CChar.self)]
                var lengths: [Int32] = [Int32(bytes.count)]
                var formats: [Int32] = [1]
                // libpq rejects a NULL pointer for a non-NULL value, even of length 0.
                let empty: [CChar] = [0]
                return empty.withUnsafeBufferPointer { emptyPointer in
                    if values[0] == nil { values[0] = emptyPointer.baseAddress }
                    return PQexecParams(connection, sql, 1, nil, &values, &lengths, &formats, 1)
                }
            }
        } else {
            result = PQexecParams(connection, sql, 0, nil, nil, nil, nil, 1)
        }
        guard let result else { throw statementError(connection, result: nil) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK:
            return nil
        case PGRES_TUPLES_OK:
            guard PQntuples(result) > 0, PQnfields(result) > 0, PQgetisnull(result, 0, 0) == 0 else { return nil }
            return Array(UnsafeRawBufferPointer(start: PQgetvalue(result, 0, 0), count: Int(PQgetlength(result, 0, 0))))
        default:
            throw statementError(connection, result: result)
        }
    }
}
