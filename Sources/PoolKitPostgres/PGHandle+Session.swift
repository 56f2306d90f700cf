import CPoolKitLibPQ
import PoolKit

extension PGHandle {
    /// The connection's socket (`PQsocket`), or -1 when closed. Call on the connection's thread.
    var socketDescriptor: Int32 {
        connection.map { PQsocket($0) } ?? -1
    }

    /// Whether the session is between statements with no transaction open (PQtransactionStatus,
    /// read locally). Call on the connection's thread.
    var isIdleOutsideTransaction: Bool {
        connection.map { PQtransactionStatus($0) == PQTRANS_IDLE } ?? false
    }

    /// Whether the session is inside a transaction that failed and can only be rolled back
    /// (PQtransactionStatus, read locally). Call on the connection's thread.
    var isInFailedTransaction: Bool {
        connection.map { PQtransactionStatus($0) == PQTRANS_INERROR } ?? false
    }

    /// Rolls back an open transaction (PQtransactionStatus is read locally: no round trip when
    /// none is open), then runs `DISCARD ALL` if `full`.
    func reset(full: Bool) throws {
        guard let connection else {
            throw PoolKitError(.connectionClosed, "the PostgreSQL connection to \(endpoint) is closed")
        }
        switch PQtransactionStatus(connection) {
        case PQTRANS_IDLE:
            break
        case PQTRANS_INTRANS, PQTRANS_INERROR:
            try execute("ROLLBACK")
        default:
            // PQTRANS_UNKNOWN: the connection is bad. PQTRANS_ACTIVE cannot happen between jobs.
            throw PoolKitError(
                .connectionClosed, "the PostgreSQL connection to \(endpoint) broke: transaction status unknown")
        }
        if full { try execute("DISCARD ALL") }
    }

    /// `error` (SQLSTATE 25006) with ``PostgresError/serverIsReadOnly`` set from what the server
    /// reports (`in_hot_standby`, `default_transaction_read_only`, reported since PostgreSQL 14).
    func notingServerReadOnly(_ error: PoolKitError) -> PoolKitError {
        guard let connection else { return error }
        func reported(_ name: String) -> Bool {
            PQparameterStatus(connection, name).map { String(cString: $0) == "on" } ?? false
        }
        guard reported("in_hot_standby") || reported("default_transaction_read_only") else { return error }
        var detail = (error.underlying as? PostgresError)
            ?? PostgresError(sqlState: error.engineCode, severity: "ERROR", message: error.message)
        detail.serverIsReadOnly = true
        return PoolKitError(
            error.code, "\(error.message) (the server reports itself read-only: a failover?)", engineCode: error.engineCode,
            underlying: detail)
    }
}
