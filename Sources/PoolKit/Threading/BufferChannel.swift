import Dispatch
import Synchronization

/// Hands buffers from a job on a connection's thread (which may block) to an async task (which must
/// not), one buffer at a time. (A ``HandoffChannel`` of bytes; row streams use one of row batches.)
public typealias BufferChannel = HandoffChannel<[UInt8]>

/// Hands values from a job on a connection's thread (which may block) to an async task (which must
/// not), one at a time.
///
/// A dump runs as one job on the worker's thread — one statement (a `COPY … TO STDOUT`, a
/// `mysql_use_result` read, an SQLite statement) from the first row to the last — and passes each
/// filled buffer to the task that writes it to the archive. The producer keeps filling the next
/// buffer while the consumer writes the previous one, and blocks (its own thread, never the
/// cooperative pool) only when the consumer has not yet taken the last one. That is the
/// back-pressure of the archive writer reaching the engine's statement. See ``StreamedDump``.
public final class HandoffChannel<Element: Sendable>: Sendable {
    private struct State {
        /// A buffer the producer left for the consumer.
        var buffer: Element?
        /// The consumer, suspended until a buffer or the end arrives.
        var consumer: CheckedContinuation<Element?, any Error>?
        /// The producer is blocked on `space` until the slot is free.
        var producerWaiting = false
        var finished = false
        var failure: (any Error)?
        var cancelled = false
    }

    /// What `send` does after looking at the state.
    private enum SendAction {
        case resume(CheckedContinuation<Element?, any Error>)
        case stored, wait, cancelled
    }

    /// What `next` does after looking at the state.
    private enum NextOutcome {
        case value(Element?, wakeProducer: Bool)
        case failure(any Error)
        case suspended
    }

    private let state = Mutex(State())
    /// Signalled once for each time the blocked producer may retry.
    private let space = DispatchSemaphore(value: 0)

    /// What the channel carries, for its errors: `dump`, `row stream`.
    private let purpose: String

    public init(purpose: String = "dump") {
        self.purpose = purpose
    }

    // MARK: Producer (a connection thread)

    /// Passes `bytes` on; blocks while the previous buffer has not been taken. Throws `.cancelled`
    /// once the consumer has gone away.
    public func send(_ bytes: Element) throws {
        while true {
            let action = state.withLock { state -> SendAction in
                if state.cancelled { return .cancelled }
                if let consumer = state.consumer {
                    state.consumer = nil
                    return .resume(consumer)
                }
                if state.buffer == nil {
                    state.buffer = bytes
                    return .stored
                }
                state.producerWaiting = true
                return .wait
            }
            switch action {
            case .resume(let consumer):
                consumer.resume(returning: bytes)
                return
            case .stored:
                return
            case .cancelled:
                throw PoolKitError(.cancelled, "the \(purpose) was stopped before all of its data was taken")
            case .wait:
                space.wait()
            }
        }
    }

    /// Marks the end of the data: the consumer gets nil after the last buffer.
    public func finish() {
        end(failure: nil)
    }

    /// Ends the data with `error`: the consumer throws it after the last buffer.
    public func fail(_ error: any Error) {
        end(failure: error)
    }

    private func end(failure: (any Error)?) {
        let consumer = state.withLock { state -> CheckedContinuation<Element?, any Error>? in
            state.finished = true
            state.failure = failure
            defer { state.consumer = nil }
            return state.buffer == nil ? state.consumer : nil
        }
        if let failure {
            consumer?.resume(throwing: failure)
        } else {
            consumer?.resume(returning: nil)
        }
    }

    // MARK: Consumer (a task)

    /// The next buffer, or nil after the last. Cancelling the waiting task cancels the channel.
    public func next() async throws -> Element? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Element?, any Error>) in
                let outcome = state.withLock { state -> NextOutcome in
                    if let buffer = state.buffer {
                        state.buffer = nil
                        let wake = state.producerWaiting
                        state.producerWaiting = false
                        return .value(buffer, wakeProducer: wake)
                    }
                    if state.finished {
                        if let failure = state.failure { return .failure(failure) }
                        return .value(nil, wakeProducer: false)
                    }
                    if state.cancelled {
                        return .failure(PoolKitError(.cancelled, "the \(purpose) was cancelled"))
                    }
                    state.consumer = continuation
                    return .suspended
                }
                switch outcome {
                case .value(let buffer, let wake):
                    if wake { space.signal() }
                    continuation.resume(returning: buffer)
                case .failure(let error):
                    continuation.resume(throwing: error)
                case .suspended:
                    break
                }
            }
        } onCancel: {
            cancel()
        }
    }

    /// Stops the exchange: a blocked or later `send` throws, a waiting `next` throws `.cancelled`.
    public func cancel() {
        let (consumer, wake) = state.withLock { state in
            state.cancelled = true
            state.buffer = nil
            defer {
                state.consumer = nil
                state.producerWaiting = false
            }
            return (state.consumer, state.producerWaiting)
        }
        if wake { space.signal() }
        consumer?.resume(throwing: PoolKitError(.cancelled, "the \(purpose) was cancelled"))
    }
}
