import Synchronization

/// A restore session's last guard against deadlocks it cannot prevent: a statement that ends in
/// the engine's deadlock error is run again after a short pause, a bounded number of times, and
/// counted (``RestoreSession/deadlockRetries``). Only for statements that change nothing when they
/// fail (one transaction, or atomic DDL).
public final class DeadlockRetries: Sendable {
    /// How many times a statement runs at most.
    public let maxAttempts: Int
    private let count = Mutex(0)

    public init(maxAttempts: Int = 4) {
        self.maxAttempts = maxAttempts
    }

    /// Statements run again so far.
    public var retried: Int { count.withLock { $0 } }

    /// Runs `body`, again while it throws an error `isDeadlock` recognizes and attempts are left
    /// (never when `enabled` is false); throws the last error otherwise.
    public func run(
        enabled: Bool = true, isDeadlock: (PoolKitError) -> Bool, _ body: () async throws -> Void
    ) async throws {
        var attempt = 1
        while true {
            do {
                try await body()
                return
            } catch let error as PoolKitError where enabled && attempt < maxAttempts && isDeadlock(error) {
                count.withLock { $0 += 1 }
                try await Task.sleep(for: .milliseconds(50 * attempt))
                attempt += 1
            }
        }
    }
}
