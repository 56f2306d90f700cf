import PoolKit

/// An error as MariaDB (or Connector/C) reported it; the ``PoolKitError/underlying`` error of
/// every MariaDB failure.
public struct MariaDBError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The error number (`1045`, `2013`, …): below 2000 from the server, 2000–2999 from the client library.
    public var number: UInt32
    /// The SQLSTATE (`28000`, `HY000`, …).
    public var sqlState: String
    /// The message.
    public var message: String

    /// Creates an error from its fields.
    public init(number: UInt32, sqlState: String, message: String) {
        self.number = number
        self.sqlState = sqlState
        self.message = message
    }

    /// `message (error 1045, SQLSTATE 28000)`, followed by what to do where MariaDB's own words
    /// do not say it (a table "is full" when the server's disk is).
    public var description: String {
        let text = "\(message) (error \(number), SQLSTATE \(sqlState))"
        return advice.map { "\(text): \($0)" } ?? text
    }

    /// What the error means for the user, for numbers whose message hides the cause: 1114
    /// (`ER_RECORD_FILE_FULL`, "The table 'x' is full") and 1021 (`ER_DISK_FULL`).
    var advice: String? {
        switch number {
        case 1114, 1021:
            "the server's disk is full (or the table reached a size limit of its engine): free space on the server"
        default: nil
        }
    }

    /// True for the error numbers after which the session is of no further use: 2006 server
    /// gone away, 2013 and 2055 lost connection, 1927 connection killed, 4031 disconnected for
    /// inactivity, 1053 server shutdown. (A read-only server, ``isServerReadOnly``, leaves the
    /// session usable.)
    public static func breaksConnection(_ number: UInt32) -> Bool {
        [2006, 2013, 2055, 1927, 4031, 1053].contains(number)
    }

    /// True when the server refused a write because it is read-only: 1290
    /// (`ER_OPTION_PREVENTS_STATEMENT`) naming the read-only option, or 1836 (`ER_READ_ONLY_MODE`) —
    /// what a primary demoted to a replica answers after a failover.
    public var isServerReadOnly: Bool {
        number == 1836 || (number == 1290 && (message.contains("read-only") || message.contains("read_only")))
    }

    /// 1317, `ER_QUERY_INTERRUPTED`: the statement was stopped by `KILL QUERY`.
    static let queryInterrupted: UInt32 = 1317
}
