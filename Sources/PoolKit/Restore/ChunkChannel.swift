import DequeModule
import Synchronization

/// A bounded, single-producer single-consumer queue of one chunk's stored payloads, from the restore's
/// archive reader to the chunk's loader. `send` suspends while `capacity` payloads wait (so a
/// slow loader holds the reader back instead of filling memory); `next` returns nil after
/// `finish`. Both ends honour task cancellation.
final class ChunkChannel: StoredPayloadSource {
    private struct State {
        var items = Deque<StoredPayload>()
        var finished = false
        var failure: (any Error)?
        var receiver: CheckedContinuation<StoredPayload?, any Error>?
        var sender: CheckedContinuation<Void, any Error>?
    }

    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Queues a payload; suspends while the queue is full.
    func send(_ payload: StoredPayload) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume = state.withLock { state -> (CheckedContinuation<StoredPayload?, any Error>?, Bool, (any Error)?) in
                    if let failure = state.failure { return (nil, true, failure) }
                    if Task.isCancelled { return (nil, true, CancellationError()) }
                    if let receiver = state.receiver {
                        state.receiver = nil
                        return (receiver, true, nil)  // hand it straight to the waiting loader
                    }
                    state.items.append(payload)
                    if state.items.count < capacity { return (nil, true, nil) }
                    state.sender = continuation
                    return (nil, false, nil)
                }
                switch resume {
                case (let receiver?, _, _):
                    receiver.resume(returning: payload)
                    continuation.resume()
                case (nil, true, let error?): continuation.resume(throwing: error)
                case (nil, true, nil): continuation.resume()
                case (nil, false, _): break
                }
            }
        } onCancel: {
            state.withLock { state -> CheckedContinuation<Void, any Error>? in
                defer { state.sender = nil }
                return state.sender
            }?.resume(throwing: CancellationError())
        }
    }

    /// No more payloads: the loader's `next` returns nil once the queue is drained.
    func finish() {
        let receiver = state.withLock { state -> CheckedContinuation<StoredPayload?, any Error>? in
            state.finished = true
            defer { state.receiver = nil }
            return state.items.isEmpty ? state.receiver : nil
        }
        receiver?.resume(returning: nil)
    }

    /// Fails both ends (the restore is being abandoned).
    func fail(_ error: any Error) {
        let (receiver, sender) = state.withLock { state in
            state.failure = error
            defer { state.receiver = nil; state.sender = nil }
            return (state.receiver, state.sender)
        }
        receiver?.resume(throwing: error)
        sender?.resume(throwing: error)
    }

    func next() async throws -> StoredPayload? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<StoredPayload?, any Error>) in
                let outcome = state.withLock { state -> (Result<StoredPayload?, any Error>?, CheckedContinuation<Void, any Error>?) in
                    if let failure = state.failure { return (.failure(failure), nil) }
                    if Task.isCancelled { return (.failure(CancellationError()), nil) }
                    if let item = state.items.popFirst() {
                        let sender = state.sender
                        state.sender = nil
                        return (.success(item), sender)
                    }
                    if state.finished { return (.success(nil), nil) }
                    state.receiver = continuation
                    return (nil, nil)
                }
                outcome.1?.resume()
                if let result = outcome.0 { continuation.resume(with: result) }
            }
        } onCancel: {
            state.withLock { state -> CheckedContinuation<StoredPayload?, any Error>? in
                defer { state.receiver = nil }
                return state.receiver
            }?.resume(throwing: CancellationError())
        }
    }
}
