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
