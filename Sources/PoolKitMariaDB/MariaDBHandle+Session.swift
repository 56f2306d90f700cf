import CPoolKitMariaDB
import PoolKit

extension MariaDBHandle {
    /// The connection's socket (`mysql_get_socket`), or -1 when closed.
    var socketDescriptor: Int32 {
        mysql.map { Int32(mysql_get_socket($0)) } ?? -1
    }

    /// Asks the server to flag every change of session state (variables, user variables,
    /// temporary tables, prepared statements, the current database) in its OK packets
    /// (`session_track_state_change`), which ``sessionStateChanged`` reads.
    func trackSessionStateChanges() throws {
        try execute("SET SESSION session_track_state_change = ON")
    }

    /// True if the last statement's OK packet carried `SERVER_SESSION_STATE_CHANGED`.
    var sessionStateChanged: Bool {
        guard let mysql else { return false }
        return mysql.pointee.server_status & UInt32(SERVER_SESSION_STATE_CHANGED) != 0
    }

    /// Rolls back an open transaction (the server status is read locally: no round trip when
    /// none is open), then, if `full`, `mysql_reset_connection` (COM_RESET_CONNECTION) and turns
    /// session state tracking back on, which the reset turned off.
    func reset(full: Bool) throws {
        guard let mysql else {
            throw PoolKitError(.connectionClosed, "the MariaDB connection to \(endpoint) is closed")
        }
        if mysql.pointee.server_status & UInt32(SERVER_STATUS_IN_TRANS) != 0 {
            try execute("ROLLBACK")
        }
        guard full else { return }
        if mysql_reset_connection(mysql) != 0 {
            let number = mysql_errno(mysql)
            let message = mysql_error(mysql).map { String(cString: $0) } ?? "unknown error"
            let code: PoolKitError.Code = MariaDBError.breaksConnection(number) ? .connectionClosed : .statementFailed
            throw PoolKitError(
                code, "resetting the MariaDB session failed: \(message) (error \(number))", engineCode: String(number),
                underlying: MariaDBError(number: number, sqlState: mysql_sqlstate(mysql).map { String(cString: $0) } ?? "HY000", message: message))
        }
        try trackSessionStateChanges()
    }
}
