import PoolKit

/// An error as PostgreSQL reported it; the ``PoolKitError/underlying`` error of every
/// PostgreSQL failure that came from the server or from libpq.
public struct PostgresError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The five-character SQLSTATE (`42P01`, `57014`, …), or nil when libpq gave none
    /// (a failure on the client side, such as a refused connection).
    public var sqlState: String?
    /// `ERROR`, `FATAL`, `PANIC`, or nil when unknown.
    public var severity: String?
    /// The primary message.
    public var message: String
    /// The optional detail message.
    public var detail: String?
    /// The optional hint: what to do about it.
    public var hint: String?
    /// True when the server said at the time of the error that it is read-only for every session
    /// (`in_hot_standby` or `default_transaction_read_only` on): a primary demoted by a failover,
    /// as opposed to a transaction the borrower made read-only.
    public var serverIsReadOnly: Bool

    /// Creates an error from its fields.
    public init(
        sqlState: String?, severity: String?, message: String, detail: String? = nil, hint: String? = nil,
        serverIsReadOnly: Bool = false
    ) {
        self.sqlState = sqlState
        self.severity = severity
        self.message = message
        self.detail = detail
        self.hint = hint
        self.serverIsReadOnly = serverIsReadOnly
    }

    /// The message, with detail and hint when present.
    public var description: String {
        var text = message
        if let detail { text += " (detail: \(detail))" }
        if let hint { text += " (hint: \(hint))" }
        return text
    }

    /// True for the SQLSTATEs after which the session is of no further use: class 08
    /// (connection exception), 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot
    /// connect now, 57P04 database dropped. (25006, read-only transaction, leaves the session
    /// usable; the driver classifies it as ``ErrorDisposition/serverReadOnly`` when the whole
    /// server is read-only.)
    public static func breaksConnection(sqlState: String) -> Bool {
        sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03", "57P04"].contains(sqlState)
    }

    /// SQLSTATE 25006, `read_only_sql_transaction`.
    static let readOnlyTransaction = "25006"

    /// SQLSTATE 57014, `query_canceled`: a cancel request or a statement timeout.
    static let queryCanceled = "57014"
}
