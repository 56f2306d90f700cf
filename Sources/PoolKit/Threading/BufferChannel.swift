import Dispatch
import Synchronization

/// Hands buffers from a job on a connection's thread (which may block) to an async task (which must
/// not), one buffer at a time.
///
/// A dump runs as one job on the worker's thread — one statement (a `COPY … TO STDOUT`, a
/// `mysql_use_result` read, an SQLite statement) from the first row to the last — and passes each
/// filled buffer to the task that writes it to the archive. The producer keeps filling the next
/// buffer while the consumer writes the previous one, and blocks (its own thread, never the
/// cooperative pool) only when the consumer has not yet taken the last one. That is the
/// back-pressure of the archive writer reaching the engine's statement. See ``StreamedDump``.
public final class BufferChannel: Sendable {
    private struct State {
        /// A buffer the producer left for the consumer.
        var buffer: [UInt8]?
        /// The consumer, suspended until a buffer or the end arrives.
        var consumer: CheckedContinuation<[UInt8]?, any Error>?
        /// The producer is blocked on `space` until the slot is free.
        var producerWaiting = false
        var finished = false
        var failure: (any Error)?
        var cancelled = false
    }

    private let state = Mutex(State())
    /// Signalled once for each time the blocked producer may retry.
    private let space = DispatchSemaphore(value: 0)

    public init() {}

    // MARK: Producer (a connection thread)

    /// Passes `bytes` on; blocks while the previous buffer has not been taken. Throws `.cancelled`
    /// once the consumer has gone away.
    public func send(_ bytes: [UInt8]) throws {
        enum Action {
            case resume(CheckedContinuation<[UInt8]?, any Error>)
            case stored, wait, cancelled
        }
        while true {
            let action = state.withLock { state -> Action in
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
                throw PoolKitError(.cancelled, "the dump was stopped before all of its data was written")
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
        let consumer = state.withLock { state -> CheckedContinuation<[UInt8]?, any Error>? in
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
    public func next() async throws -> [UInt8]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, any Error>) in
                enum Outcome {
                    case value([UInt8]?, wakeProducer: Bool)
                    case failure(any Error)
                    case suspended
                }
                let outcome = state.withLock { state -> Outcome in
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
                        return .failure(PoolKitError(.cancelled, "the dump was cancelled"))
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
        consumer?.resume(throwing: PoolKitError(.cancelled, "the dump was cancelled"))
    }
}
