/// The error every PoolKit API throws.
///
/// It says what went wrong in one sentence (``message``), carries a stable ``code`` that
/// programs can switch on, the engine's own code where there is one (SQLSTATE, MariaDB
/// errno, SQLite result code) and the underlying error. It never contains a password:
/// messages are built from redacted values only.
///
/// ```swift
/// do { try await pool.withConnection { try await $0.execute("SELECT 1") } }
/// catch let error as PoolKitError where error.code == .acquireTimeout { … }
/// ```
public struct PoolKitError: Error, CustomStringConvertible, Sendable {
    /// A stable category. New codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case invalidURL = "invalid URL"
            case unknownScheme = "unknown scheme"
            case unknownOption = "unknown option"
            case invalidOption = "invalid option"
            case connectionFailed = "connection failed"
            case authenticationFailed = "authentication failed"
            case databaseNotFound = "database not found"
            case connectionClosed = "connection closed"
            case statementFailed = "statement failed"
            case cancelled = "cancelled"
            case acquireTimeout = "acquire timeout"
            case tooManyWaiters = "too many waiters"
            case poolShutdown = "pool shut down"
            case archiveCorrupt = "archive corrupt"
            case archiveTruncated = "archive truncated"
            case archiveUnsupported = "archive unsupported"
            case io = "I/O error"
            case restoreConflict = "restore conflict"
            case unsupported = "unsupported"
            case notCarried = "not carried"
            case usage = "usage"
        }
        fileprivate let base: Base
        private init(_ base: Base) { self.base = base }

        public static let invalidURL = Code(.invalidURL)
        public static let unknownScheme = Code(.unknownScheme)
        public static let unknownOption = Code(.unknownOption)
        public static let invalidOption = Code(.invalidOption)
        /// The server could not be reached or refused the connection (may heal by waiting).
        public static let connectionFailed = Code(.connectionFailed)
        /// Wrong user or password: waiting will not help.
        public static let authenticationFailed = Code(.authenticationFailed)
        /// The database named in the URL does not exist: waiting will not help.
        public static let databaseNotFound = Code(.databaseNotFound)
        /// The connection broke or was closed while in use.
        public static let connectionClosed = Code(.connectionClosed)
        /// The engine rejected a statement.
        public static let statementFailed = Code(.statementFailed)
        /// The running statement or the waiting task was cancelled.
        public static let cancelled = Code(.cancelled)
        /// No connection became available within the acquire timeout.
        public static let acquireTimeout = Code(.acquireTimeout)
        /// The pool's `maxWaiting` limit was reached.
        public static let tooManyWaiters = Code(.tooManyWaiters)
        /// The pool is shutting down or shut down.
        public static let poolShutdown = Code(.poolShutdown)
        public static let archiveCorrupt = Code(.archiveCorrupt)
        public static let archiveTruncated = Code(.archiveTruncated)
        public static let archiveUnsupported = Code(.archiveUnsupported)
        public static let io = Code(.io)
        public static let restoreConflict = Code(.restoreConflict)
        public static let unsupported = Code(.unsupported)
        /// A strict backup (`--strict`) met objects the strategy cannot carry; nothing was written.
        public static let notCarried = Code(.notCarried)
        public static let usage = Code(.usage)

        public var description: String { base.rawValue }
    }

    /// The category of the failure.
    public var code: Code
    /// One sentence: what went wrong and, where possible, what to do.
    public var message: String
    /// The engine's own error code (SQLSTATE, MariaDB errno, SQLite result code), if any.
    public var engineCode: String?
    /// The error that caused this one, if any.
    public var underlying: (any Error)?
    /// Where the error was raised (file:line), for logs.
    public var location: String

    public init(
        _ code: Code, _ message: String, engineCode: String? = nil, underlying: (any Error)? = nil,
        fileID: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.engineCode = engineCode
        self.underlying = underlying
        self.location = "\(fileID):\(line)"
    }

    public var description: String {
        var text = message
        if let engineCode { text += " [\(engineCode)]" }
        return text
    }
}

extension PoolKitError {
    /// Wraps any error as a `PoolKitError` (returned unchanged if it already is one).
    public static func wrap(_ error: any Error, as code: Code, _ context: String) -> PoolKitError {
        if let error = error as? PoolKitError { return error }
        if error is CancellationError { return PoolKitError(.cancelled, "\(context): cancelled", underlying: error) }
        return PoolKitError(code, "\(context): \(error)", underlying: error)
    }
}
