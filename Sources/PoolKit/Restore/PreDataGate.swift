import Synchronization

/// Lets a table's chunks load while the rest of the pre-data section is still being created on
/// the coordinator, once every pre-data object that could change how the table takes its rows
/// exists.
///
/// The pre-data objects are applied one after the other, in the manifest's (dependency) order. A
/// table's chunks wait for the last of: the table itself, and every pre-data object that depends
/// on it — a partition attached to it, an inheritance link, a sequence owned by one of its columns,
/// a constraint or a setting split out of its definition. Objects that change nothing about how the
/// table takes rows do not hold its chunks back: those that only read the table when they are
/// created (a view, a materialized view created without data, a routine, a comment), and its owner —
/// until the `ALTER … OWNER` the restoring role owns the table, so it may write at least as much
/// before as after (a driver lists owners after all tables: waiting for them would wait for the
/// whole section). A table or blob no pre-data object names waits for the whole section. Nothing
/// else about the order changes: the objects still run one at a time, and post-data objects wait
/// for the whole section.
///
/// Locks: a chunk's `COPY` holds a row-exclusive lock on its own table only, and the coordinator,
/// which runs each object in a transaction of its own, holds its locks only for that object's
/// statements; a later pre-data statement that needs a stronger lock on a loading table (an
/// `ALTER TABLE … OWNER TO`) waits for the chunk's commit, and a chunk waits for the coordinator at
/// most until that one statement, which waits for no other, has run. No cycle is possible.
final class PreDataGate: Sendable {
    private struct State {
        var applied = 0
        var failure: (any Error)?
        var waiters: [(needed: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    }

    /// Kinds that change nothing about how the tables they depend on take rows.
    static let notGating: Set<ArchiveObject.Kind> = [.view, .materializedView, .function, .comment, .owner]

    private let needed: [UInt32: Int]
    private let total: Int
    private let state = Mutex(State())

    /// - Parameters:
    ///   - preData: the pre-data objects the restore applies, in the order it applies them.
    ///   - loaded: the tables and blobs whose chunks it loads.
    init(preData: [ArchiveObject], loaded: Set<UInt32>) {
        var needed: [UInt32: Int] = [:]
        for (index, object) in preData.enumerated() {
            if loaded.contains(object.id) { needed[object.id] = index + 1 }
            guard !Self.notGating.contains(object.kind) else { continue }
            for dependency in object.dependencies where loaded.contains(dependency) { needed[dependency] = index + 1 }
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
