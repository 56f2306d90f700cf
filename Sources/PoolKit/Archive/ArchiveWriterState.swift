import DequeModule

/// The decisions of an ``ArchiveWriter`` as a value: which frames are accepted and in what order,
/// who waits for queue space, which chunks are open, and the totals for the trailer. Every event
/// is a method that mutates the state and returns what to do; the writer does it outside its lock.
struct ArchiveWriterState: Sendable {
    struct ChunkKey: Hashable, Sendable {
        var objectID: UInt32
        var chunkID: UInt32
    }

    struct Waiter: Sendable {
        var sequence: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    /// Continuations to resume once the lock is released.
    struct Resumptions: Sendable {
        var waiters: [CheckedContinuation<Void, any Error>] = []
        var error: (any Error)?

        func run() {
            for waiter in waiters {
                if let error { waiter.resume(throwing: error) } else { waiter.resume() }
            }
        }
    }

    /// What ``ArchiveWriter/finish()`` writes into the trailer.
    struct TrailerPlan: Sendable {
        var sequence: UInt64
        var tableChunks: UInt64
        var blobChunks: UInt64
        var rows: UInt64
        var dataBytes: UInt64
    }

    enum Phase: Sendable {
        case open
        case finishing
        case finished
        case failed(PoolKitError)
    }

    private(set) var phase = Phase.open
    /// The sequence number the next frame gets; the manifest has 0.
    private(set) var nextSequence: UInt64 = 1
    /// Frames the writer thread has completed (written, or skipped after a failure).
    private(set) var completed: UInt64 = 0
    private let queueDepth: Int
    private let tableIDs: Set<UInt32>
    private let blobIDs: Set<UInt32>
    private var waiters = Deque<Waiter>()
    private var openChunks: [ChunkKey: UInt32] = [:]
    private var endedChunks = Set<ChunkKey>()
    private var tableChunks: UInt64 = 0
    private var blobChunks: UInt64 = 0
    private var rows: UInt64 = 0
    private var dataBytes: UInt64 = 0

    init(queueDepth: Int, tableIDs: Set<UInt32>, blobIDs: Set<UInt32>) {
        self.queueDepth = queueDepth
        self.tableIDs = tableIDs
        self.blobIDs = blobIDs
    }

    /// Whether `objectID` names a table (or a blob) of the manifest.
    func checkTarget(objectID: UInt32, isBlob: Bool) -> PoolKitError? {
        let known = isBlob ? blobIDs.contains(objectID) : tableIDs.contains(objectID)
        if known { return nil }
        return PoolKitError(
            .usage, "\(isBlob ? "blob" : "table") id \(objectID) is not in the archive's manifest: add it to the manifest first")
    }

    /// A producer opens a chunk: from now on the archive cannot finish until the chunk has ended.
    mutating func openChunk(objectID: UInt32, chunkID: UInt32, isBlob: Bool) -> PoolKitError? {
        switch phase {
        case .open: break
        case .finishing, .finished: return PoolKitError(.usage, "a chunk was opened after the archive was finished")
        case .failed(let error): return error
        }
        if let error = checkTarget(objectID: objectID, isBlob: isBlob) { return error }
        let key = ChunkKey(objectID: objectID, chunkID: chunkID)
        if openChunks[key] != nil || endedChunks.contains(key) {
            return PoolKitError(
                .usage, "chunk \(chunkID) of \(isBlob ? "blob" : "table") \(objectID) was opened before; every chunk id is used once")
        }
        openChunks[key] = 0
        return nil
    }

    enum AppendAction: Sendable {
        /// Write the frame with this sequence number; the producer waits for queue space if `mustWait`.
        case accept(sequence: UInt64, mustWait: Bool)
        case reject(PoolKitError)
    }

    /// A producer appends `frame`: check it continues its chunk correctly and give it the next number.
    mutating func append(_ frame: EncodedFrame) -> AppendAction {
        switch phase {
        case .open: break
        case .finishing, .finished:
            return .reject(PoolKitError(.usage, "a frame was appended after the archive was finished"))
        case .failed(let error):
            return .reject(error)
        }
        let key = ChunkKey(objectID: frame.objectID, chunkID: frame.chunkID)
        let name = "chunk \(frame.chunkID) of object \(frame.objectID)"
        switch frame.kind {
        case .tableData, .blobData, .chunkEnd:
            guard let expected = openChunks[key] else {
                let reason = endedChunks.contains(key) ? "already ended" : "was not opened with chunkWriter(table:chunk:)"
                return .reject(PoolKitError(.usage, "\(name) \(reason)"))
            }
            guard frame.chunkSequence == expected else {
                return .reject(PoolKitError(
                    .usage, "\(name): frame \(frame.chunkSequence) appended where frame \(expected) was due; append a chunk's frames in order"))
            }
            let isBlob: Bool
            if frame.kind == .chunkEnd {
                isBlob = blobIDs.contains(frame.objectID)
            } else {
                isBlob = frame.kind == .blobData
            }
            if let error = checkTarget(objectID: frame.objectID, isBlob: isBlob) { return .reject(error) }
            if frame.kind == .chunkEnd {
                guard let end = frame.chunkEnd else {
                    return .reject(PoolKitError(.usage, "\(name): chunk end without its counts"))
                }
                if isBlob && end.rowCount != 0 {
                    return .reject(PoolKitError(.usage, "\(name) is a blob chunk; it has no rows (row count must be 0)"))
                }
                openChunks[key] = nil
                endedChunks.insert(key)
                if isBlob { blobChunks += 1 } else { tableChunks += 1 }
                rows += end.rowCount
            } else {
                openChunks[key] = expected + 1
                dataBytes += UInt64(frame.uncompressedLength)
            }
        case .manifest, .trailer:
            return .reject(PoolKitError(.usage, "the writer writes the manifest and trailer frames itself"))
        }
        let sequence = nextSequence
        nextSequence += 1
        // The frames from `completed` to `sequence` are unwritten; wait if they are more than the queue holds.
        return .accept(sequence: sequence, mustWait: !hasSpace(for: sequence))
    }

    enum WaitAction: Sendable {
        case resume
        case fail(any Error)
        case wait
    }

    /// A producer whose frame has `sequence` is about to wait for queue space.
    mutating func wait(sequence: UInt64, continuation: CheckedContinuation<Void, any Error>, cancelled: Bool) -> WaitAction {
        if case .failed(let error) = phase { return .fail(error) }
        if hasSpace(for: sequence) { return .resume }
        if cancelled { return .fail(CancellationError()) }
        waiters.append(Waiter(sequence: sequence, continuation: continuation))
        return .wait
    }

    /// Whether the frame with `sequence` fits in the queue: at most `queueDepth` frames up to and
    /// including it are unwritten. Written without subtraction: by the time a producer asks, the
    /// writer may already have written its frame and later ones (`completed` > `sequence` + 1).
    func hasSpace(for sequence: UInt64) -> Bool {
        sequence + 1 <= completed + UInt64(queueDepth)
    }

    /// The waiting task of the frame with `sequence` was cancelled.
    mutating func cancelWait(sequence: UInt64) -> CheckedContinuation<Void, any Error>? {
        guard let index = waiters.firstIndex(where: { $0.sequence == sequence }) else { return nil }
        return waiters.remove(at: index).continuation
    }

    /// The writer thread finished one frame (written, or skipped after a failure).
    mutating func frameCompleted() -> Resumptions {
        completed += 1
        var resumptions = Resumptions()
        while let first = waiters.first, hasSpace(for: first.sequence) {
            resumptions.waiters.append(waiters.removeFirst().continuation)
        }
        return resumptions
    }

    /// Writing failed: every waiting and later producer gets `error`.
    mutating func failed(_ error: PoolKitError) -> Resumptions {
        if case .finished = phase { return Resumptions() }
        if case .failed = phase {} else { phase = .failed(error) }
        let pending = waiters.map(\.continuation)
        waiters.removeAll()
        return Resumptions(waiters: pending, error: error)
    }

    /// ``ArchiveWriter/finish()`` begins: no frame is accepted after this.
    mutating func beginFinish() -> Result<TrailerPlan, PoolKitError> {
        switch phase {
        case .open: break
        case .finishing, .finished:
            return .failure(PoolKitError(.usage, "the archive is already finished"))
        case .failed(let error):
            return .failure(error)
        }
        if let open = openChunks.keys.min(by: { ($0.objectID, $0.chunkID) < ($1.objectID, $1.chunkID) }) {
            let error = PoolKitError(
                .usage, "chunk \(open.chunkID) of object \(open.objectID) was never finished: call finish(rowCount:) on every chunk writer before finishing the archive")
            return .failure(error)
        }
        phase = .finishing
        return .success(TrailerPlan(
            sequence: nextSequence, tableChunks: tableChunks, blobChunks: blobChunks, rows: rows, dataBytes: dataBytes))
    }

    /// The trailer is written and the sink committed.
    mutating func finished() { phase = .finished }

    /// Whether the archive was committed.
    var isFinished: Bool {
        if case .finished = phase { return true }
        return false
    }
}
