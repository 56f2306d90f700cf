/// A connection lent by a ``ConnectionPool``. Give it back with ``ConnectionPool/release(_:after:)``
/// exactly once; ``ConnectionPool/withConnection(isolation:timeout:fileID:line:_:)`` does that for you.
public struct PoolLease<Connection: Sendable>: Sendable {
    public let connection: Connection
    let id: Int
    /// Changes with every lease of the connection, so a second release of this lease is ignored.
    let serial: Int
}
