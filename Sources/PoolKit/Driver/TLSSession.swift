/// How a session's connection is encrypted: the TLS protocol version and cipher suite the
/// client and server agreed on, as the engine's client library reports them.
public struct TLSSession: Sendable, Hashable, CustomStringConvertible {
    /// The protocol version, e.g. `TLSv1.3`.
    public var version: String
    /// The cipher suite, e.g. `TLS_AES_256_GCM_SHA384`.
    public var cipher: String

    /// Creates a description from its fields.
    public init(version: String, cipher: String) {
        self.version = version
        self.cipher = cipher
    }

    /// `TLSv1.3, cipher TLS_AES_256_GCM_SHA384`.
    public var description: String { "\(version), cipher \(cipher)" }
}

/// A connection over a network that can say whether its session is encrypted (PostgreSQL,
/// MariaDB; not SQLite, which has no network connection).
public protocol TLSReportingConnection: DatabaseConnection {
    /// The session's TLS protocol and cipher, or nil when the connection is not encrypted.
    var tlsSession: TLSSession? { get }
}
