import Synchronization

/// Lets a table's chunks load while the rest of the pre-data section is still being created on
/// the coordinator, once every pre-data object that could change how the table takes its rows, or
/// lock it while it loads, exists.
///
/// The pre-data objects are applied one after the other, in the manifest's (dependency) order. A
/// table's chunks wait for the last of: the table itself, and every pre-data object that depends on
/// the table or on one of its ancestors — the tables it depends on, directly or through other
/// tables: a partition's parents, an inheritance child's parents. That covers a partition attached
/// to it, an inheritance link, a sequence owned by one of its columns, a constraint or a setting
/// split out of its definition, and every sibling partition: creating a partition scans the default
/// partition under an exclusive lock while holding its parent, and a `COPY` into a partition locks
/// the partition's parents when it first checks a row against its bounds — so a default partition
/// (or any partition) loads only once all its siblings exist, and these two never wait for each
/// other. Objects that only read the tables they depend on when they are created do not hold their
/// chunks back: a view, a materialized view created without data, a routine, a comment. Everything
/// else does — an owner too: `ALTER TABLE … OWNER TO` locks the table (and a partition's parents
/// are locked by a `COPY` into it) exclusively. A table or blob no pre-data object names, and one
/// the session does not deem eligible, waits for the whole section. Nothing else about the order
/// changes: the objects still run one at a time, and post-data objects wait for the whole section.
///
/// Locks: a chunk's `COPY` holds a row-exclusive lock on its own table and takes at most a shared
/// lock on the table's ancestors; the coordinator, which runs each object in a transaction of its
/// own, holds locks only while that object's statements run. What may still run beside a loading
/// table is a view, a comment or a routine, whose locks (access-share, share-update-exclusive, none)
/// never conflict with a `COPY`'s: the coordinator never waits for a loader, nor a loader for the
/// coordinator. That matters beyond the two of them: the reader waits for the coordinator (a chunk
/// whose table is not yet loadable) and for loaders (a streamed chunk's full channel), and loaders
/// wait for the reader; an `ALTER TABLE … OWNER TO` beside a loading table closed that circle — it
/// queued behind one chunk's open `COPY`, a second chunk's `COPY` of the table queued behind it,
/// and the reader, blocked on the second chunk's full channel, could not send the first its rest.
final class PreDataGate: Sendable {
    private struct State {
        var applied = 0
        var failure: (any Error)?
        var waiters: [(needed: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    }

    /// Kinds that change nothing about how the tables they depend on take rows.
    static let notGating: Set<ArchiveObject.Kind> = [.view, .materializedView, .function, .comment]

    /// `preData` with each owner object moved up to right after the last object it depends on —
    /// where pg_dump itself puts an `ALTER … OWNER TO`, in the entry that creates the object — so
    /// that a table's chunks, which wait for its owner statement, need not wait for every other
    /// table's. Nothing else moves; an owner still follows everything it depends on, and precedes
    /// whatever depends on it (it moves only earlier, and stays after its own dependencies).
    static func ownersAfterTheirObjects(_ preData: [ArchiveObject]) -> [ArchiveObject] {
        let index = Dictionary(preData.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        // Each owner's anchor: the last object before it that it depends on.
        var anchored: [Int: [Int]] = [:]
        var moved = Set<Int>()
        for (position, object) in preData.enumerated() where object.kind == .owner {
            guard let anchor = object.dependencies.compactMap({ index[$0] }).filter({ $0 < position }).max() else { continue }
            anchored[anchor, default: []].append(position)
            moved.insert(position)
        }
        var ordered: [ArchiveObject] = []
        ordered.reserveCapacity(preData.count)
        func emit(_ position: Int) {
            ordered.append(preData[position])
            for owner in anchored[position] ?? [] { emit(owner) }
        }
        for position in preData.indices where !moved.contains(position) { emit(position) }
        return ordered
    }

    private let needed: [UInt32: Int]
    private let total: Int
    private let state = Mutex(State())

    /// - Parameters:
    ///   - preData: the pre-data objects the restore applies, in the order it applies them.
    ///   - eligible: the tables whose chunks may load before the section ends (the session's
    ///     ``RestoreSession/mayLoadDuringPreData(_:)``); every other table and blob waits for all of it.
    init(preData: [ArchiveObject], eligible: Set<UInt32>) {
        // The last pre-data object (1-based position) that is each table or depends on it.
        var lastTouching: [UInt32: Int] = [:]
        var tableDependencies: [UInt32: [UInt32]] = [:]
        for object in preData where object.kind == .table { tableDependencies[object.id] = [] }
        for (index, object) in preData.enumerated() {
            lastTouching[object.id] = index + 1
            if object.kind == .table {
                tableDependencies[object.id] = object.dependencies.filter { tableDependencies[$0] != nil }
            }
            guard !Self.notGating.contains(object.kind) else { continue }
            for dependency in object.dependencies { lastTouching[dependency] = index + 1 }
        }
        var needed: [UInt32: Int] = [:]
        for id in eligible where lastTouching[id] != nil {
            // The table and its ancestors, each visited once (a cycle cannot hold tables back forever).
            var seen: Set<UInt32> = [id]
            var pending = [id]
            var last = 0
            while let table = pending.popLast() {
                last = max(last, lastTouching[table] ?? 0)
                for parent in tableDependencies[table] ?? [] where seen.insert(parent).inserted { pending.append(parent) }
            }
            needed[id] = last
        }
        self.needed = needed
        self.total = preData.count
    }

    /// How many pre-data objects must exist before a chunk of `objectID` may load.
    func objectsNeeded(before objectID: UInt32) -> Int { needed[objectID] ?? total }

    /// Waits until a chunk of `objectID` may load; throws the pre-data section's failure.
    func waitUntilLoadable(_ objectID: UInt32) async throws {
        let count = objectsNeeded(before: objectID)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let result = state.withLock { state -> Result<Void, any Error>? in
                if let failure = state.failure { return .failure(failure) }
                if state.applied >= count { return .success(()) }
                state.waiters.append((count, continuation))
                return nil
            }
            if let result { continuation.resume(with: result) }
        }
    }

    /// One more pre-data object exists.
    func objectApplied() {
        let ready = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.applied += 1
            let applied = state.applied
            let ready = state.waiters.filter { $0.needed <= applied }.map(\.continuation)
            state.waiters.removeAll { $0.needed <= applied }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    /// The pre-data section failed (or the restore did): every waiter gets the error.
    func fail(_ error: any Error) {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            if state.failure == nil { state.failure = error }
            defer { state.waiters = [] }
            return state.waiters.map(\.continuation)
        }
        for continuation in waiting { continuation.resume(throwing: error) }
    }
}
