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

    /// `message (error 1045, SQLSTATE 28000)`.
    public var description: String {
        "\(message) (error \(number), SQLSTATE \(sqlState))"
    }

    /// True for the error numbers after which the session is of no further use: 2006 server
    /// gone away, 2013 and 2055 lost connection, 1927 connection killed, 4031 disconnected for
    /// inactivity, 1053 server shutdown, and 1290 / 1836 read-only (what a primary that was
    /// demoted to a replica answers to a write after a failover).
    public static func breaksConnection(_ number: UInt32) -> Bool {
        [2006, 2013, 2055, 1927, 4031, 1053, 1290, 1836].contains(number)
    }

    /// 1317, `ER_QUERY_INTERRUPTED`: the statement was stopped by `KILL QUERY`.
    static let queryInterrupted: UInt32 = 1317
}
