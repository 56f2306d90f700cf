import Foundation

/// Runs blocking work (a pipe read or write, a wait for a child process) on a thread of its own,
/// never on Swift's cooperative pool: with two cores that pool has two threads, and two blocked
/// tasks would stall every other task of the test process — including the one that feeds the
/// child the blocked read waits for.
func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: work()) }
    }
}

/// ``onOwnThread(_:)`` for work that throws: for tests that run a client program (`psql`,
/// `mariadb`, `poolkit`) and wait for it — the program may itself wait for this process's own
/// database clients.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await onOwnThread { Result { try work() } }.get()
}
