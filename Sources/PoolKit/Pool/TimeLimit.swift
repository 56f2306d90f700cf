import Synchronization

/// Waits for an operation at most a given time, for calls that may hang on a server that stopped
/// answering and that cannot be interrupted by task cancellation alone (a blocking C call).
enum TimeLimit {
    enum Outcome<T: Sendable>: Sendable {
        case finished(Result<T, any Error>)
        /// The limit passed first. The operation keeps running in its own task until it ends.
        case timedOut
    }

    /// Runs `operation` in a task of its own and returns its result, or `.timedOut` once `limit`
    /// (real time) has passed. The operation is not cancelled: the caller decides what to do with
    /// a connection that did not answer (cancel its statement, close it).
    static func run<T: Sendable>(
        _ limit: Duration, _ operation: @escaping @Sendable () async throws -> T
    ) async -> Outcome<T> {
        let gate = Gate<T>()
        return await withCheckedContinuation { (continuation: CheckedContinuation<Outcome<T>, Never>) in
            gate.install(continuation)
            let timer = Task {
                try? await Task.sleep(for: limit)
                gate.resume(.timedOut)
            }
            Task {
                let result: Result<T, any Error>
                do { result = .success(try await operation()) } catch { result = .failure(error) }
                gate.resume(.finished(result))
                timer.cancel()
            }
        }
    }

    /// Resumes a continuation once, with whichever outcome comes first.
    private final class Gate<T: Sendable>: Sendable {
        private let continuation = Mutex<CheckedContinuation<Outcome<T>, Never>?>(nil)

        func install(_ continuation: CheckedContinuation<Outcome<T>, Never>) {
            self.continuation.withLock { $0 = continuation }
        }

        func resume(_ outcome: Outcome<T>) {
            let taken = continuation.withLock { continuation in
                defer { continuation = nil }
                return continuation
            }
            taken?.resume(returning: outcome)
        }
    }
}
