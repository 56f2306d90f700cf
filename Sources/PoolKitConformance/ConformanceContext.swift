/// What the conformance checks need to know about the engine under test.
///
/// ```swift
/// let context = ConformanceContext(
///     url: try ConnectionURL("sqlite:///tmp/conformance.db"),
///     registry: DriverRegistry([SQLiteDriver()]),
///     longRunningStatement: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c")
/// ```
public struct ConformanceContext: Sendable {
    /// Where to connect. Checks create and drop their own tables, named `poolkit_conformance_*`.
    public var url: ConnectionURL
    public var registry: DriverRegistry
    /// A statement that runs for many seconds unless cancelled (e.g. `SELECT pg_sleep(60)`).
    public var longRunningStatement: String
    /// Optional: a session setting to change, a query that reads it, and the value the query
    /// returns on a fresh session. Used to prove that `resetSession()` clears session state.
    public var sessionProbe: SessionProbe?

    public struct SessionProbe: Sendable {
        public var change: String
        public var read: String
        public var freshValue: String?
        public init(change: String, read: String, freshValue: String?) {
            self.change = change
            self.read = read
            self.freshValue = freshValue
        }
    }

    public init(url: ConnectionURL, registry: DriverRegistry, longRunningStatement: String, sessionProbe: SessionProbe? = nil) {
        self.url = url
        self.registry = registry
        self.longRunningStatement = longRunningStatement
        self.sessionProbe = sessionProbe
    }
}

/// A conformance check that did not hold.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public var check: String
    public var message: String
    public var description: String { "\(check): \(message)" }
}
