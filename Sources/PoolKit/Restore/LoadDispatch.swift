import DequeModule
import Synchronization

/// How many loaders run, and the spilled chunks waiting for one.
final class LoadDispatch: Sendable {
    private struct State {
        var running = 0
        var ready = Deque<PendingChunk>()
        var failure: (any Error)?
    }
    private let maxLoaders: Int
    private let state = Mutex(State())

    init(maxLoaders: Int) { self.maxLoaders = maxLoaders }

    /// A loader failed: the reader stops at its next record.
    func fail(_ error: any Error) {
        state.withLock { if $0.failure == nil { $0.failure = error } }
    }

    func checkFailure() throws {
        if let failure = state.withLock({ $0.failure }) { throw failure }
    }

    /// Takes a loader slot for a new streaming chunk, if one is free.
    func claimLoader() -> Bool {
        state.withLock { state in
            guard state.running < maxLoaders else { return false }
            state.running += 1
            return true
        }
    }

    /// A spilled chunk is complete: returns it if a loader should be started for it now,
    /// otherwise queues it for the next loader that finishes.
    func spilledChunkReady(_ chunk: PendingChunk) -> PendingChunk? {
        state.withLock { state in
            if state.running < maxLoaders {
                state.running += 1
                return chunk
            }
            state.ready.append(chunk)
            return nil
        }
    }

    /// A loader finished a chunk: gives it a ready spilled chunk, or frees its slot.
    func loaderFinishedChunk() -> PendingChunk? {
        state.withLock { state in
            if let chunk = state.ready.popFirst() { return chunk }
            state.running -= 1
            return nil
        }
    }
}
