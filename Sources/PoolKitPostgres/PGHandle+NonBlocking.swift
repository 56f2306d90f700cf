import CPoolKitLibPQ
import PoolKit

extension PGHandle {
    /// Runs one statement with libpq's non-blocking calls on the calling task: `send` queues it
    /// (`PQsendQuery…`, returning libpq's 1 or 0), the output is flushed and the answer read as
    /// the socket becomes ready, waiting on `readiness` in between — never blocking the thread.
    /// Returns the statement's last result (the caller clears it); throws the first failure's
    /// error after reading every result, so the connection is ready for the next statement.
    ///
    /// Call it only while holding the connection's gate: no job of the connection's thread uses
    /// the handle meanwhile.
    func exchange(readiness: SocketReadiness, _ send: (OpaquePointer) -> Int32) async throws -> OpaquePointer {
        let connection = try open()
        let socket = PQsocket(connection)
        guard socket >= 0, PQsetnonblocking(connection, 1) == 0 else { throw statementError(connection, result: nil) }
        defer { _ = PQsetnonblocking(connection, 0) }
        guard send(connection) == 1 else { throw statementError(connection, result: nil) }
        try await flushOutput(connection, socket: socket, readiness: readiness)
        var results = PGResultCollector()
        do {
            while let result = try await nextResult(connection, socket: socket, readiness: readiness) {
                switch PQresultStatus(result) {
                case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
                    results.keep(result)
                case PGRES_COPY_IN:
                    PQclear(result)
                    results.fail(PoolKitError(.unsupported, "COPY … FROM STDIN cannot run through query(); the COPY was aborted"))
                    guard PQputCopyEnd(connection, "COPY FROM STDIN is not supported by query()") >= 0 else {
                        throw statementError(connection, result: nil)
                    }
                    try await flushOutput(connection, socket: socket, readiness: readiness)
                case PGRES_COPY_OUT:
                    PQclear(result)
                    results.fail(PoolKitError(.unsupported, "COPY … TO STDOUT cannot run through query(); its rows were discarded"))
                    try await discardCopyOutput(connection, socket: socket, readiness: readiness)
                default:
                    results.fail(statementError(connection, result: result))
                    PQclear(result)
                }
            }
        } catch {
            results.discard()
            throw error
        }
        return try results.last(orElse: statementError(connection, result: nil))
    }

    /// ``execute(_:)`` / ``query(_:)`` without blocking a thread: `sql` (one or more statements)
    /// through `PQsendQuery`; returns the rows of the last statement as text (none unless `keepRows`).
    func queryNonBlocking(_ sql: String, keepRows: Bool, readiness: SocketReadiness) async throws -> QueryResult {
        let result = try await exchange(readiness: readiness) { PQsendQuery($0, sql) }
        defer { PQclear(result) }
        return keepRows ? Self.textRows(of: result) : QueryResult(columns: [], rows: [])
    }

    /// Sends what libpq holds in its output buffer, waiting for the socket to take it (and reading
    /// what the server sends meanwhile, as libpq asks).
    private func flushOutput(_ connection: OpaquePointer, socket: Int32, readiness: SocketReadiness) async throws {
        while true {
            switch PQflush(connection) {
            case 0:
                return
            case 1:
                try await readiness.wait(for: socket, writable: true)
                guard PQconsumeInput(connection) == 1 else { throw statementError(connection, result: nil) }
            default:
                throw statementError(connection, result: nil)
            }
        }
    }

    /// The next result once libpq has all of it, or nil after the statement's last one.
    private func nextResult(_ connection: OpaquePointer, socket: Int32, readiness: SocketReadiness) async throws -> OpaquePointer? {
        while PQisBusy(connection) != 0 {
            try await readiness.wait(for: socket, writable: false)
            guard PQconsumeInput(connection) == 1 else { throw statementError(connection, result: nil) }
        }
        return PQgetResult(connection)
    }

    /// Reads and drops the rows of a `COPY … TO STDOUT` nobody asked to stream.
    private func discardCopyOutput(_ connection: OpaquePointer, socket: Int32, readiness: SocketReadiness) async throws {
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(connection, &buffer, 1)
            if let buffer { PQfreemem(buffer) }
            switch length {
            case 0:
                try await readiness.wait(for: socket, writable: false)
                guard PQconsumeInput(connection) == 1 else { throw statementError(connection, result: nil) }
            case -1:
                return
            case ..<(-1):
                throw statementError(connection, result: nil)
            default:
                continue
            }
        }
    }
}

/// The results of one statement as they arrive: the last successful one is kept (and cleared when
/// replaced), the first failure remembered.
private struct PGResultCollector {
    private var kept: OpaquePointer?
    private var failure: (any Error)?

    mutating func keep(_ result: OpaquePointer) {
        guard failure == nil else {
            PQclear(result)
            return
        }
        if let kept { PQclear(kept) }
        kept = result
    }

    mutating func fail(_ error: any Error) {
        if failure == nil { failure = error }
    }

    /// Clears the kept result.
    mutating func discard() {
        if let kept { PQclear(kept) }
        kept = nil
    }

    /// The kept result, or the first failure (or `missing` when libpq returned no result at all).
    mutating func last(orElse missing: @autoclosure () -> any Error) throws -> OpaquePointer {
        if let failure {
            discard()
            throw failure
        }
        guard let kept else { throw missing() }
        self.kept = nil
        return kept
    }
}
