import Synchronization

/// A live view of a backup or restore, for progress bars and JSON-lines reports. The engine
/// updates it; a renderer samples ``snapshot()`` as often as it likes (the library never prints).
public final class TransferProgress: Sendable {
    /// What the operation is doing now.
    public enum Phase: String, Sendable, Codable {
        case connecting, preData = "pre-data", data, postData = "post-data", finishing, done, failed
    }

    /// The counts at one moment.
    public struct Snapshot: Sendable, Codable, Hashable {
        public var phase: Phase
        public var objectsDone = 0
        public var objectsTotal = 0
        public var tablesDone = 0
        public var tablesTotal = 0
        public var chunksDone = 0
        public var chunksTotal = 0
        public var rows: UInt64 = 0
        /// Uncompressed data bytes moved so far.
        public var bytes: UInt64 = 0
        /// Estimated uncompressed data bytes in all, when the strategy could estimate them.
        public var bytesEstimated: UInt64 = 0
        /// Seconds since the operation started.
        public var elapsed: Double = 0
        /// What each job works on now (`table#chunk`, or the name of a post-data object), for per-job display.
        public var activeChunks: [String] = []

        /// Bytes per second so far.
        public var throughput: Double { elapsed > 0 ? Double(bytes) / elapsed : 0 }
    }

    private struct State {
        var snapshot = Snapshot(phase: .connecting)
        var active: [Int: String] = [:]
        var remainingChunksPerTable: [UInt32: Int] = [:]
    }

    private let state = Mutex(State())
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    public init() { start = clock.now }

    /// The counts now.
    public func snapshot() -> Snapshot {
        let elapsed = (clock.now - start).seconds
        return state.withLock { state in
            var snapshot = state.snapshot
            snapshot.elapsed = elapsed
            snapshot.activeChunks = state.active.keys.sorted().compactMap { state.active[$0] }
            return snapshot
        }
    }

    package func setPhase(_ phase: Phase) { state.withLock { $0.snapshot.phase = phase } }

    /// Moves to `phase` unless the transfer is already past it (steps that overlap, such as a
    /// restore's pre-data section and its data load, end in either order).
    package func advancePhase(to phase: Phase) {
        let order: [Phase] = [.connecting, .preData, .data, .postData, .finishing, .done]
        state.withLock { state in
            guard let current = order.firstIndex(of: state.snapshot.phase), let next = order.firstIndex(of: phase),
                next > current
            else { return }
            state.snapshot.phase = phase
        }
    }

    package func plan(objects: Int, chunksPerTable: [UInt32: Int], estimatedBytes: UInt64) {
        state.withLock { state in
            state.snapshot.objectsTotal = objects
            state.snapshot.tablesTotal = chunksPerTable.count
            state.snapshot.chunksTotal = chunksPerTable.values.reduce(0, +)
            state.snapshot.bytesEstimated = estimatedBytes
            state.remainingChunksPerTable = chunksPerTable
        }
    }

    package func objectDone() { state.withLock { $0.snapshot.objectsDone += 1 } }

    /// A job began creating a post-data object (shown like a chunk in ``Snapshot/activeChunks``).
    package func objectStarted(job: Int, label: String) { state.withLock { $0.active[job] = label } }

    /// The job's post-data object exists.
    package func objectFinished(job: Int) {
        state.withLock { state in
            state.active[job] = nil
            state.snapshot.objectsDone += 1
        }
    }

    package func chunkStarted(job: Int, label: String) { state.withLock { $0.active[job] = label } }

    package func addBytes(_ count: Int) { state.withLock { $0.snapshot.bytes += UInt64(count) } }

    package func chunkFinished(job: Int, objectID: UInt32, rows: UInt64) {
        state.withLock { state in
            state.active[job] = nil
            state.snapshot.chunksDone += 1
            state.snapshot.rows += rows
            if let remaining = state.remainingChunksPerTable[objectID] {
                state.remainingChunksPerTable[objectID] = remaining - 1
                if remaining == 1 { state.snapshot.tablesDone += 1 }
            }
        }
    }
}
