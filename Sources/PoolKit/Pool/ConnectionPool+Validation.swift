/// Asking a connection whether it still works, within a time limit: on checkout and in health checks.
extension ConnectionPool {
    /// What a health check or checkout validation found.
    enum ValidationOutcome: Sendable, CustomStringConvertible {
        case healthy
        case failed(any Error)
        /// No answer within the limit: the check was cancelled and the connection must be closed.
        case timedOut(Duration)

        var description: String {
            switch self {
            case .healthy: "healthy"
            case .failed(let error): "failed: \(error)"
            case .timedOut(let limit): "no answer within \(limit.shortDescription)"
            }
        }
    }

    /// Validates `connection`, waiting at most `limit` (real time: a stuck server does not follow
    /// an injected clock). After the limit the running check is cancelled and left to end on its
    /// own; the caller closes the connection, which never waits on the server.
    func validate(_ connection: Connection, within limit: Duration) async -> ValidationOutcome {
        let source = self.source
        let outcome = await TimeLimit.run(limit) { try await source.validate(connection) }
        switch outcome {
        case .finished(.success): return .healthy
        case .finished(.failure(let error)): return .failed(error)
        case .timedOut:
            source.cancel(connection)
            return .timedOut(limit)
        }
    }
}
