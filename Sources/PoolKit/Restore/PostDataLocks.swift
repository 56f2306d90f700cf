/// Which post-data objects of a restore must never run at the same time, because their statements
/// lock the same tables in conflicting modes, and the order they take instead: the manifest's.
///
/// For each table, the objects that lock it are ordered as the manifest lists them: an exclusive
/// locker waits for every earlier locker of the table, a shared locker for the earlier exclusive
/// one. So two objects whose locks conflict never run at once — no lock waits between the
/// restore's own statements, hence no deadlock among them — and statements whose result depends
/// on their order (a partitioned table's statement before its partitions' own) keep the order
/// the backup wrote. An object without locks in the manifest gets pg_restore's rule: an index
/// takes its tables shared, anything else exclusively (see ``ArchiveObjectLocks``).
struct PostDataLocks {
    /// Per object (by position): the earlier objects whose locks conflict with its own.
    let earlierConflicts: [Set<Int>]
    /// Per object (by position): every table it locks.
    let tables: [Set<UInt32>]

    /// - Parameters:
    ///   - objects: the post-data objects, in the manifest's order.
    ///   - tableIDs: the ids of the archive's tables (table objects and tables with data), for
    ///     objects whose locks the manifest does not give.
    init(objects: [ArchiveObject], tableIDs: Set<UInt32>) {
        let locks = Self.locks(of: objects, tableIDs: tableIDs)
        struct TableState {
            var lastExclusive: Int?
            var sharedSince: [Int] = []
        }
        var states: [UInt32: TableState] = [:]
        var conflicts = Array(repeating: Set<Int>(), count: objects.count)
        for (index, lock) in locks.enumerated() {
            for table in lock.shared {
                var state = states[table, default: TableState()]
                if let last = state.lastExclusive { conflicts[index].insert(last) }
                state.sharedSince.append(index)
                states[table] = state
            }
            for table in lock.exclusive {
                var state = states[table, default: TableState()]
                if let last = state.lastExclusive { conflicts[index].insert(last) }
                conflicts[index].formUnion(state.sharedSince)
                state = TableState(lastExclusive: index)
                states[table] = state
            }
        }
        earlierConflicts = conflicts
        tables = locks.map(\.tables)
    }

    /// Each object's locks: the manifest's, or derived from its dependencies
    /// (``ArchiveObjectLocks/tablesNamed(by:isTable:)``): an index takes them shared, anything
    /// else exclusively.
    static func locks(of objects: [ArchiveObject], tableIDs: Set<UInt32>) -> [ArchiveObjectLocks] {
        let named = ArchiveObjectLocks.tablesNamed(by: objects, isTable: tableIDs.contains)
        return objects.indices.map { index in
            if let given = objects[index].locks { return given }
            let found = Array(named[index])
            return objects[index].kind == .index
                ? ArchiveObjectLocks(shared: found) : ArchiveObjectLocks(exclusive: found)
        }
    }
}
