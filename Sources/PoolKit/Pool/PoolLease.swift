/// A connection lent by a ``ConnectionPool``. Give it back with ``ConnectionPool/release(_:after:)``
/// exactly once; ``ConnectionPool/withConnection(isolation:timeout:fileID:line:_:)`` does that for you.
public struct PoolLease<Connection: Sendable>: Sendable {
    public let connection: Connection
    @usableFromInline let id: Int
    /// Changes with every lease of the connection, so a second release of this lease is ignored.
    @usableFromInline let serial: Int
    /// When the lease was handed out, for the hold-time metric.
    @usableFromInline var leasedAt: PoolInstant

    init(connection: Connection, id: Int, serial: Int) {
        self.init(connection: connection, id: id, serial: serial, leasedAt: PoolInstant(nanoseconds: 0))
    }

    @inlinable
    init(connection: Connection, id: Int, serial: Int, leasedAt: PoolInstant) {
        self.connection = connection
        self.id = id
        self.serial = serial
        self.leasedAt = leasedAt
    }

    /// The same lease with its connection seen as another type (a typed pool's view of a URL
    /// pool's lease, and back).
    @inlinable
    func withConnection<Other>(_ connection: Other) -> PoolLease<Other> {
        PoolLease<Other>(connection: connection, id: id, serial: serial, leasedAt: leasedAt)
    }
}

/// Where a lease was taken (`#fileID` and `#line` of the caller), for leak reports. Kept as its
/// parts and formatted only when a report is written, so leasing allocates nothing for it.
public struct LeaseLocation: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringInterpolation {
    public var fileID: String
    public var line: Int

    public init(fileID: String, line: Int) {
        self.fileID = fileID
        self.line = line
    }

    /// A location given as text (line 0 = none).
    public init(stringLiteral value: String) { self.init(fileID: value, line: 0) }

    public var description: String { line > 0 ? "\(fileID):\(line)" : fileID }
}
