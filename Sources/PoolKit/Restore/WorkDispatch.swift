import DequeModule
import Synchronization

/// One step a restore worker takes: loading a chunk or creating a post-data object.
enum RestoreWork: Sendable {
    case chunk(PendingChunk)
    case object(ArchiveObject)
}

/// Hands the restore's chunks and post-data objects to its workers, within the session's limits.
///
/// The archive reader never waits here: a chunk that starts while no worker may take it is
/// spilled and loaded when a worker frees up. While the data phase lasts, loads and objects
/// together use at most `maxLoaders` workers; an object starts only when its ``PostDataSchedule``
/// says so, and goes before spilled chunks as long as at least one worker is left for loading
/// (with a single loader, only when no chunk waits); the data phase ends once the reader is done
/// (the trailer is verified) and every chunk has loaded. Workers wait in ``next(after:job:)`` for
/// their next step; the first failure wakes them all with it.
final class WorkDispatch: Sendable {
    private struct State {
        var schedule: PostDataSchedule
        /// Streaming chunks a loader slot was claimed for, not yet taken by a worker.
        var handoff = Deque<PendingChunk>()
        /// Complete spilled chunks waiting for a worker, in the archive's order...
        var spilled = Deque<PendingChunk>()
        /// ... except a table's last chunk to load, which goes first: it lets the table's indexes
        /// start (an archive may hold a large table's small last chunk far behind the others).
        var lastOfTable = Deque<PendingChunk>()
        /// Chunks loading or handed off, and objects being created.
        var loads = 0
        var objects = 0
        var readerDone = false
        var dataEnded = false
        /// Whether every pre-data object exists: post-data objects wait for it.
        var preDataDone: Bool
        var failure: (any Error)?
        var idle: [Int: CheckedContinuation<RestoreWork?, any Error>] = [:]
    }

    private let maxLoaders: Int
    private let maxObjects: Int
    private let state: Mutex<State>
    private let onDataEnd: @Sendable () -> Void

    /// - Parameters:
    ///   - preDataDone: false when the pre-data section is still being created alongside the data
    ///     load (see ``PreDataGate``); ``preDataFinished()`` then lets post-data objects start.
    ///   - onDataEnd: called once, when every chunk has loaded after the reader finished.
    init(
        schedule: PostDataSchedule, maxLoaders: Int, maxObjects: Int, preDataDone: Bool = true,
        onDataEnd: @escaping @Sendable () -> Void
    ) {
        self.maxLoaders = maxLoaders
        self.maxObjects = maxObjects
        self.state = Mutex(State(schedule: schedule, preDataDone: preDataDone))
        self.onDataEnd = onDataEnd
    }

    /// How many worker tasks the restore runs.
    var workerCount: Int { max(maxLoaders, maxObjects) }

    /// The first failure, if any.
    var firstFailure: (any Error)? { state.withLock { $0.failure } }

    /// The first failure, if any: the reader stops at its next record.
    func checkFailure() throws {
        if let failure = firstFailure { throw failure }
    }

    /// Takes a loader slot for a new streaming chunk, if a worker may load it now.
    func claimLoader() -> Bool {
        state.withLock { state in
            guard state.failure == nil, state.loads < maxLoaders, state.loads + state.objects < maxLoaders else { return false }
            state.loads += 1
            return true
        }
    }

    /// Gives the streaming chunk a slot was claimed for to a worker.
    func handOff(_ chunk: PendingChunk) {
        let waiter = state.withLock { state -> CheckedContinuation<RestoreWork?, any Error>? in
            if let failure = state.failure {
                chunk.abandon(failure)
                return nil
            }
            guard let job = state.idle.keys.min() else {
                state.handoff.append(chunk)
                return nil
            }
            return state.idle.removeValue(forKey: job)
        }
        waiter?.resume(returning: .chunk(chunk))
    }

    /// A spilled chunk is complete: a worker loads it when one is free.
    func spilledChunkReady(_ chunk: PendingChunk) {
        wake { state in
            if state.schedule.chunksLeft(of: chunk.objectID) == 1 {
                state.lastOfTable.append(chunk)
            } else {
                state.spilled.append(chunk)
            }
            return nil
        }
    }

    /// Every pre-data object exists: post-data objects may start.
    func preDataFinished() {
        wake { state in
            state.preDataDone = true
            return nil
        }
    }

    /// The reader has read and verified the whole archive.
    func readerFinished() {
        wake { state in
            state.readerDone = true
            return nil
        }
    }

    /// A step failed (or the reader did): workers stop taking steps, and a waiting reader or
    /// loader of a handed-off chunk is released.
    func fail(_ error: any Error) {
        let (waiters, chunks) = state.withLock { state -> ([CheckedContinuation<RestoreWork?, any Error>], [PendingChunk]) in
            if state.failure == nil { state.failure = error }
            defer {
                state.idle = [:]
                state.handoff = []
            }
            return (Array(state.idle.values), Array(state.handoff))
        }
        for chunk in chunks { chunk.abandon(error) }
        for waiter in waiters { waiter.resume(throwing: error) }
    }

    /// Records that `finished` (the worker's previous step, if any) is done and returns the worker's
    /// next step, waiting for one; nil once everything is done.
    func next(after finished: RestoreWork?, job: Int) async throws -> RestoreWork? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<RestoreWork?, any Error>) in
                wake { state in
                    if let finished { complete(finished, &state) }
                    if Task.isCancelled {
                        return (continuation, .failure(CancellationError()))
                    }
                    state.idle[job] = continuation
                    return nil
                }
            }
        } onCancel: {
            state.withLock { $0.idle.removeValue(forKey: job) }?.resume(throwing: CancellationError())
        }
    }

    // MARK: - Under the lock

    private typealias Resume = (CheckedContinuation<RestoreWork?, any Error>, Result<RestoreWork?, any Error>)

    /// Changes the state, then gives every waiting worker a step it may take now (nil to all once
    /// everything is done, the failure to all if the schedule is stuck).
    private func wake(_ change: (inout State) -> Resume?) {
        var resumes: [Resume] = []
        var dataEndedNow = false
        state.withLock { state in
            if let resume = change(&state) { resumes.append(resume) }
            if let failure = state.failure {
                resumes += state.idle.values.map { ($0, .failure(failure)) }
                state.idle = [:]
                return
            }
            if !state.dataEnded, state.readerDone, state.loads == 0, state.spilled.isEmpty, state.lastOfTable.isEmpty,
                state.handoff.isEmpty
            {
                state.dataEnded = true
                state.schedule.endData()
                dataEndedNow = true
            }
            for job in state.idle.keys.sorted() {
                guard let work = take(&state) else { break }
                resumes.append((state.idle.removeValue(forKey: job)!, .success(work)))
            }
            if state.dataEnded, state.preDataDone, state.objects == 0, state.schedule.isComplete {
                resumes += state.idle.values.map { ($0, .success(nil)) }
                state.idle = [:]
            } else if state.preDataDone, state.schedule.isStuck(running: state.objects) {
                let failure = PoolKitError(
                    .archiveCorrupt,
                    "the archive's post-data objects depend on each other in a cycle (\(state.schedule.leftNames.joined(separator: ", ")))")
                state.failure = failure
                resumes += state.idle.values.map { ($0, .failure(failure)) }
                state.idle = [:]
            }
        }
        if dataEndedNow { onDataEnd() }
        for (continuation, result) in resumes { continuation.resume(with: result) }
    }

    private func complete(_ work: RestoreWork, _ state: inout State) {
        switch work {
        case .chunk(let chunk):
            state.loads -= 1
            state.schedule.chunkLoaded(of: chunk.objectID)
        case .object(let object):
            state.objects -= 1
            state.schedule.created(object)
        }
    }

    /// The next step a worker may take: a handed-off chunk (the reader is feeding it); during the
    /// data phase an object that may start early, as long as another worker is left for loading
    /// (an index build started at once is what shortens the restore's tail); a spilled chunk; an
    /// object.
    private func take(_ state: inout State) -> RestoreWork? {
        if let chunk = state.handoff.popFirst() { return .chunk(chunk) }
        let free = maxLoaders - state.loads - state.objects
        if state.preDataDone, !state.dataEnded, free > 0, state.objects < min(maxObjects, maxLoaders - 1),
            let object = state.schedule.next()
        {
            state.objects += 1
            return .object(object)
        }
        if state.loads < maxLoaders, free > 0, let chunk = state.lastOfTable.popFirst() ?? state.spilled.popFirst() {
            state.loads += 1
            return .chunk(chunk)
        }
        let limit = state.dataEnded ? maxObjects : min(maxObjects, maxLoaders - state.loads)
        guard state.preDataDone, state.objects < limit, let object = state.schedule.next() else { return nil }
        state.objects += 1
        return .object(object)
    }
}
