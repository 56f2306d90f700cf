import CPoolKitThreads
import DequeModule
import Foundation

/// A dedicated OS thread that runs one connection's blocking C calls, one job at a time, in order.
///
/// Blocking calls into libpq, libmariadb or sqlite3 must not run on Swift's cooperative thread
/// pool (a 2-core machine has two such threads). Each connection owns a `ConnectionThread` and
/// sends it whole units of work — a statement, a COPY buffer, a batch of rows — never one row at a
/// time, because each hop costs a thread hand-off.
///
/// ```swift
/// let version = try await thread.run { try handle.queryScalar("SELECT version()") }
/// ```
public final class ConnectionThread: Sendable {
    private let queue: JobQueue

    /// Starts the thread. `name` shows in debuggers and `top -H`; it must not contain secrets.
    public init(name: String) {
        let queue = JobQueue()
        self.queue = queue
        let worker = Thread {
            // Named by the thread itself, before its first job. swift-corelibs-foundation (Linux)
            // drops a name set before start(), and setting `Thread.name` from the creating thread
            // after start() races with the new thread (a String written on one thread while the
            // other reads it; seen as heap corruption under load).
            ConnectionThread.nameCurrentThread(name)
            queue.drain()
        }
        worker.stackSize = 1 << 20
        worker.start()
    }

    deinit { queue.stop() }

    /// Gives the calling OS thread `name` (Linux keeps 15 bytes of it).
    private static func nameCurrentThread(_ name: String) {
        _ = cpoolkit_name_current_thread(name)
    }

    /// Runs `work` on the thread and returns its result. The calling task suspends meanwhile.
    /// Throws `.connectionClosed` if the thread was stopped.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = queue.enqueue {
                continuation.resume(with: Result { try work() })
            }
            if !accepted {
                continuation.resume(throwing: PoolKitError(.connectionClosed, "the connection is closed"))
            }
        }
    }

    /// Runs `work` on the thread without waiting for it; returns false if the thread was stopped.
    @discardableResult
    public func submit(_ work: @escaping @Sendable () -> Void) -> Bool {
        queue.enqueue(work)
    }

    /// Lets queued jobs finish, then ends the thread. Later `run` calls throw `.connectionClosed`.
    public func stop() { queue.stop() }
}

/// The job list shared by a ``ConnectionThread`` and its OS thread; the OS thread holds it
/// strongly, so it lives until the thread has drained it.
private final class JobQueue: @unchecked Sendable {
    // @unchecked Sendable: `jobs` and `isStopping` are only touched while `condition` is locked.
    private let condition = NSCondition()
    private var jobs = Deque<@Sendable () -> Void>()
    private var isStopping = false

    func enqueue(_ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !isStopping else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    func stop() {
        condition.lock()
        isStopping = true
        condition.signal()
        condition.unlock()
    }

    /// The thread's body: runs jobs until stopped and empty.
    func drain() {
        while true {
            condition.lock()
            while jobs.isEmpty && !isStopping { condition.wait() }
            guard let job = jobs.popFirst() else {
                condition.unlock()
                return
            }
            condition.unlock()
            job()
        }
    }
}
