/// A connection lent by a ``ConnectionPool``. Give it back with ``ConnectionPool/release(_:after:)``
/// exactly once; ``ConnectionPool/withConnection(isolation:timeout:fileID:line:_:)`` does that for you.
public struct PoolLease<Connection: Sendable>: Sendable {
    public let connection: Connection
    let id: Int
    /// Changes with every lease of the connection, so a second release of this lease is ignored.
    let serial: Int
    /// When the lease was handed out, for the hold-time metric.
    var leasedAt = PoolInstant(nanoseconds: 0)
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
