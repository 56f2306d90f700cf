import CPoolKitLibPQ
import PoolKit

/// libpq's COPY protocol on a handle: rows stream straight between the server and large byte
/// buffers, with no Swift value per row. Each method runs as one job on the connection's thread.
extension PGHandle {
    /// Runs `sql` (a `COPY … TO STDOUT`) and appends each row libpq returns to a buffer of about
    /// `bufferSize` bytes, which is handed to `send` whenever it is full and once at the end.
    /// Returns the row count the server reports (`COPY n`).
    ///
    /// When `send` throws (the archive side gave up), the COPY is cancelled on the server, what it
    /// had already sent is discarded, and the error is rethrown; the connection stays usable, but its
    /// transaction is aborted.
    func copyOut(_ sql: String, bufferSize: Int, send: ([UInt8]) throws -> Void) throws -> UInt64 {
        let connection = try open()
        try startCopy(sql, expecting: PGRES_COPY_OUT, on: connection)
        var buffer = Self.emptyBuffer(bufferSize)
        while true {
            var row: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(connection, &row, 0)
            guard length > 0, let row else {
                // -1: the COPY ended; -2: it failed. Either way the result says which.
                break
            }
            buffer.append(contentsOf: UnsafeRawBufferPointer(start: row, count: Int(length)))
            PQfreemem(row)
            if buffer.count >= bufferSize {
                do {
                    try send(buffer)
                } catch {
                    abandonCopyOut(connection)
                    throw error
                }
                buffer = Self.emptyBuffer(bufferSize)
            }
        }
        let rows = try finishCopy(on: connection)
        if !buffer.isEmpty { try send(buffer) }
        return rows
    }

    /// Runs `sql` (a `COPY … FROM STDIN`) and sends every payload `next` returns, in order, with
    /// `PQputCopyData`; ends the COPY only once `next` returned nil (the chunk's end was verified),
    /// then returns the row count the server reports.
    ///
    /// When `next` throws, the COPY is ended with an error message (`PQputCopyEnd`), so the server
    /// rejects it and nothing of this COPY is kept; the error is rethrown.
    func copyIn(_ sql: String, next: () throws -> [UInt8]?) throws -> UInt64 {
        let connection = try open()
        try startCopy(sql, expecting: PGRES_COPY_IN, on: connection)
        while true {
            let payload: [UInt8]?
            do {
                payload = try next()
            } catch {
                // The chunk could not be read to its verified end: make the server reject the COPY.
                _ = PQputCopyEnd(connection, "the restore stopped before the end of this chunk")
                drainResults(connection)
                throw error
            }
            guard let payload else { break }
            if payload.isEmpty { continue }
            let sent = payload.withUnsafeBytes { bytes in
                PQputCopyData(connection, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
            }
            if sent != 1 {
                // The server ended the COPY (it rejected a row) or the connection broke: its
                // result says which.
                throw failedCopyError(connection)
            }
        }
        guard PQputCopyEnd(connection, nil) == 1 else {
            throw failedCopyError(connection)
        }
        return try finishCopy(on: connection)
    }

    // MARK: Steps

    private static func emptyBuffer(_ size: Int) -> [UInt8] {
        var buffer: [UInt8] = []
        // Room for one more row past the threshold without growing, for typical rows.
        buffer.reserveCapacity(size + size / 8)
        return buffer
    }

    /// Sends `sql` and checks that the server entered the expected COPY state.
    private func startCopy(_ sql: String, expecting status: ExecStatusType, on connection: OpaquePointer) throws {
        guard let result = PQexec(connection, sql) else {
            throw statementError(connection, result: nil)
        }
        defer { PQclear(result) }
        let actual = PQresultStatus(result)
        if actual == status { return }
        switch actual {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_COPY_IN, PGRES_COPY_OUT:
            drainResults(connection)
            throw PoolKitError(.unsupported, "the statement given for a COPY did not start the expected COPY (internal error)")
        default:
            throw statementError(connection, result: result)
        }
    }

    /// Reads the COPY's final result: its row count, or the error the server reported.
    private func finishCopy(on connection: OpaquePointer) throws -> UInt64 {
        guard let result = PQgetResult(connection) else {
            throw statementError(connection, result: nil)
        }
        defer {
            PQclear(result)
            drainResults(connection)
        }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else {
            throw statementError(connection, result: result)
        }
        let tuples = PQcmdTuples(result).map { String(cString: $0) } ?? ""
        return UInt64(tuples) ?? 0
    }

    /// The error of a COPY the server ended early, from its result (or the connection's state).
    private func failedCopyError(_ connection: OpaquePointer) -> PoolKitError {
        let result = PQgetResult(connection)
        defer {
            if let result { PQclear(result) }
            drainResults(connection)
        }
        return statementError(connection, result: result)
    }

    /// Stops a COPY OUT early: asks the server to cancel it and discards what it still sends.
    private func abandonCopyOut(_ connection: OpaquePointer) {
        if let cancel = PQgetCancel(connection) {
            var message = [CChar](repeating: 0, count: 256)
            _ = message.withUnsafeMutableBufferPointer { PQcancel(cancel, $0.baseAddress, Int32($0.count)) }
            PQfreeCancel(cancel)
        }
        var row: UnsafeMutablePointer<CChar>?
        while PQgetCopyData(connection, &row, 0) > 0 {
            PQfreemem(row)
            row = nil
        }
        drainResults(connection)
    }
}
