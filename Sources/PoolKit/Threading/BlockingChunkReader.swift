import Dispatch
import Synchronization

/// Hands a chunk's payloads from an async task (which reads the archive) to a job on a connection's
/// thread (which may block): the reverse of ``BufferChannel``.
///
/// A load runs as one job on the worker's thread — a `PQputCopyData` loop, or libmariadb's
/// `LOAD DATA LOCAL INFILE` read callback — and pulls each payload with ``next()``, which blocks
/// that thread (never the cooperative pool) until the task has delivered one. The task delivers at
/// most `capacity` payloads ahead. See ``StreamedLoad``.
public final class BlockingChunkReader: Sendable {
    private struct State {
        var buffers: [[UInt8]] = []
        /// The task, suspended until the consumer takes a buffer or goes away.
        var producer: CheckedContinuation<DeliveryStep, Never>?
        var consumerWaiting = false
        var finished = false
        var failure: (any Error)?
        /// The consumer will read no more.
        var closed = false
    }

    private let capacity: Int
    private let state = Mutex(State())
    /// Signalled once for each time the blocked consumer may look again.
    private let available = DispatchSemaphore(value: 0)

    public init(capacity: Int = 2) {
        self.capacity = max(1, capacity)
    }

    // MARK: Consumer (a connection thread)

    /// The chunk's next payload, or nil after its end was read and verified. Blocks the calling
    /// thread until one is there. Throws the archive's or the task's error (a damaged chunk, a
    /// cancelled restore), so the load must then be rolled back.
    public func next() throws -> [UInt8]? {
        while true {
            enum Step {
                case value([UInt8], CheckedContinuation<DeliveryStep, Never>?)
                case end
                case failure(any Error)
                case wait
            }
            let step = state.withLock { state -> Step in
                if !state.buffers.isEmpty {
                    let buffer = state.buffers.removeFirst()
                    defer { state.producer = nil }
                    return .value(buffer, state.producer)
                }
                if let failure = state.failure { return .failure(failure) }
                if state.finished { return .end }
                if state.closed { return .failure(PoolKitError(.cancelled, "the load was stopped")) }
                state.consumerWaiting = true
                return .wait
            }
            switch step {
            case .value(let buffer, let producer):
                producer?.resume(returning: .retry)
                return buffer
            case .end:
                return nil
            case .failure(let error):
                throw error
            case .wait:
                available.wait()
            }
        }
    }

    /// The consumer reads no more (it finished or failed): a waiting or later ``deliver(_:)`` returns false.
    public func close() {
        let producer = state.withLock { state -> CheckedContinuation<DeliveryStep, Never>? in
            state.closed = true
            state.buffers = []
            defer { state.producer = nil }
            return state.producer
        }
        producer?.resume(returning: .closed)
    }

    // MARK: Producer (a task)

    /// Queues `bytes` for the consumer; suspends while `capacity` payloads wait. Returns false once
    /// the consumer has closed the reader (the payload is dropped).
    public func deliver(_ bytes: [UInt8]) async -> Bool {
        while true {
            // Decide and, when full, park in one critical section, so no wake-up is lost.
            let step = await withCheckedContinuation { (continuation: CheckedContinuation<DeliveryStep, Never>) in
                let decided = state.withLock { state -> DeliveryStep? in
                    if state.closed { return .closed }
                    if state.buffers.count < capacity {
                        state.buffers.append(bytes)
                        defer { state.consumerWaiting = false }
                        return .queued(wakeConsumer: state.consumerWaiting)
                    }
                    state.producer = continuation
                    return nil
                }
                if let decided { continuation.resume(returning: decided) }
            }
            switch step {
            case .queued(let wake):
                if wake { available.signal() }
                return true
            case .closed:
                return false
            case .retry:
                continue
            }
        }
    }

    /// No more payloads: the consumer gets nil after the last one.
    public func finish() { end(nil) }

    /// Ends the payloads with `error`: the consumer throws it (queued payloads are dropped, the load
    /// must not commit).
    public func fail(_ error: any Error) { end(error) }

    private func end(_ failure: (any Error)?) {
        let wake = state.withLock { state -> Bool in
            if let failure {
                state.failure = failure
                state.buffers = []
            }
            state.finished = true
            defer { state.consumerWaiting = false }
            return state.consumerWaiting
        }
        if wake { available.signal() }
    }
}

/// What a producer parked in ``BlockingChunkReader/deliver(_:)`` does next.
enum DeliveryStep: Sendable {
    case queued(wakeConsumer: Bool)
    case closed
    case retry
}
