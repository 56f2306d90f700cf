import DequeModule
import Synchronization

/// Lets one statement at a time use a connection's C handle, in the order they asked: a FIFO lock
/// that suspends the waiting task instead of blocking its thread.
///
/// A connection whose statements run either on its ``ConnectionThread`` (whose queue orders them)
/// or directly on the calling task (a non-blocking fast path, see ``SocketReadiness``) needs one
/// order for both; the gate is it. Entering and leaving also order memory: what one holder did to
/// the handle is visible to the next.
package final class HandleGate: Sendable {
    private struct State {
        var held = false
        var waiting = Deque<CheckedContinuation<Void, Never>>()
    }

    private let state = Mutex(State())

    package init() {}

    /// Waits until the gate is free, then holds it; pair with ``leave()``.
    package func enter() async {
        let entered = state.withLock { state in
            if state.held { return false }
            state.held = true
            return true
        }
        if entered { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let enteredNow = state.withLock { state in
                if state.held {
                    state.waiting.append(continuation)
                    return false
                }
                state.held = true
                return true
            }
            if enteredNow { continuation.resume() }
        }
    }

    /// How many tasks wait to enter (for tests).
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Hands the gate to the longest waiter, or frees it.
    package func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let next = state.waiting.popFirst() { return next }
            state.held = false
            return nil
        }
        next?.resume()
    }
}
