import CPoolKitThreads
import Foundation
import Synchronization

/// Lets a task wait, without holding a thread, until a socket can be read or written.
///
/// A driver whose C library has a non-blocking mode (libpq) can then run a short statement on the
/// calling task itself — send, wait here, read the answer — instead of hopping to the connection's
/// thread and back: one thread hand-off per statement instead of two, and a single poller thread
/// for every connection of the process instead of one sleeping thread each. The poller thread
/// (Linux epoll) only resumes waiting tasks; it never runs their code.
///
/// ```swift
/// try await SocketReadiness.shared?.wait(for: socket, writable: false)
/// ```
package final class SocketReadiness: Sendable {
    /// The process's poller, started on first use; nil where the platform has none (the driver
    /// then uses its connection thread for everything).
    package static let shared: SocketReadiness? = SocketReadiness()

    private let poller: Int32
    /// The task waiting on each descriptor. A descriptor has at most one waiter: the connection's
    /// ``HandleGate`` lets one statement at a time use it.
    private let waiters = Mutex<[Int32: CheckedContinuation<Void, any Error>]>([:])

    private init?() {
        guard cpoolkit_readiness_supported() != 0 else { return nil }
        let poller = cpoolkit_readiness_create()
        guard poller >= 0 else { return nil }
        self.poller = poller
        let thread = Thread { [self] in
            _ = cpoolkit_name_current_thread("poolkit-poller")
            run()
        }
        thread.stackSize = 1 << 18
        thread.start()
    }

    /// Suspends until `socket` can be read (or written, with `writable`), or hangs up or fails —
    /// the caller then learns which from its C library. Throws `.connectionClosed` if the socket
    /// cannot be watched (a closed descriptor).
    package func wait(for socket: Int32, writable: Bool) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let previous = waiters.withLock { $0.updateValue(continuation, forKey: socket) }
            precondition(previous == nil, "two tasks waited on socket \(socket) at once")
            let failure = cpoolkit_readiness_arm(poller, socket, writable ? 1 : 0)
            if failure != 0, let waiting = waiters.withLock({ $0.removeValue(forKey: socket) }) {
                let reason = String(cString: strerror(failure))
                waiting.resume(throwing: PoolKitError(.connectionClosed, "the connection's socket cannot be watched: \(reason)"))
            }
        }
    }

    /// The poller thread: resumes each task whose socket reported.
    private func run() {
        var ready = [Int32](repeating: -1, count: 64)
        while true {
            let count = ready.withUnsafeMutableBufferPointer {
                cpoolkit_readiness_wait(poller, $0.baseAddress, Int32($0.count), -1)
            }
            guard count > 0 else { continue }  // EINTR
            let resumed = waiters.withLock { waiters in
                (0..<Int(count)).compactMap { waiters.removeValue(forKey: ready[$0]) }
            }
            for continuation in resumed { continuation.resume() }
        }
    }
}
