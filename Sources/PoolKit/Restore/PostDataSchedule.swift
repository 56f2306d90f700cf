import DequeModule

/// Which post-data objects of a restore may be created now.
///
/// An object is ready once every post-data object among its dependencies, and every earlier one
/// whose table locks conflict with its own (``PostDataLocks``), has been created and
/// either the data phase has ended or — for an object the session lets start early
/// (``RestoreSession/mayCreateDuringDataLoad(_:)``) — every table among its dependencies and its
/// locks has all its planned chunks loaded. A table whose chunk count the manifest does not plan is complete
/// only when the data phase ends. Counters per object keep each event proportional to the objects
/// it concerns. A serial schedule (one object at a time) creates what is left after the data phase
/// in the manifest's order, as the manifest's dependency order has it.
struct PostDataSchedule {
    private enum Status { case waiting, ready, running, created }

    private let objects: [ArchiveObject]
    private let positions: [UInt32: Int]
    private let serial: Bool
    private var status: [Status]
    /// Per object: post-data dependencies not yet created.
    private var missingObjects: [Int]
    /// Per object that may start early: its tables whose chunks are not all loaded yet.
    private var missingTables: [Int]
    private let early: [Bool]
    private var dependentsOfObject: [UInt32: [Int]]
    private var dependentsOfTable: [UInt32: [Int]]
    private var chunksLeft: [UInt32: Int]
    private var readyQueue = Deque<Int>()
    private var serialCursor = 0
    private var dataEnded = false
    private var unfinished: Int

    /// - Parameters:
    ///   - objects: the post-data objects, in the manifest's order.
    ///   - tableIDs: the archive's tables, for objects whose locks the manifest does not give
    ///     (``PostDataLocks``).
    ///   - loadingTables: the tables (and blobs) whose data this restore loads.
    ///   - plannedChunks: their chunk counts, where the manifest plans them.
    ///   - serial: one object at a time; after the data phase, in the manifest's order.
    ///   - mayStartEarly: whether an object may start before the data phase ends.
    init(
        objects: [ArchiveObject], tableIDs: Set<UInt32>, loadingTables: Set<UInt32>, plannedChunks: [UInt32: Int],
        serial: Bool, mayStartEarly: (ArchiveObject) -> Bool
    ) {
        let locks = PostDataLocks(objects: objects, tableIDs: tableIDs)
        self.objects = objects
        positions = Dictionary(objects.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.serial = serial
        status = Array(repeating: .waiting, count: objects.count)
        unfinished = objects.count
        let chunksLeft = plannedChunks.filter { loadingTables.contains($0.key) }
        let ids = Set(objects.map(\.id))
        var missingObjects = Array(repeating: 0, count: objects.count)
        var missingTables = Array(repeating: 0, count: objects.count)
        var early = Array(repeating: false, count: objects.count)
        var dependentsOfObject: [UInt32: [Int]] = [:]
        var dependentsOfTable: [UInt32: [Int]] = [:]
        for (index, object) in objects.enumerated() {
            let dependencies = Set(object.dependencies)
            // What it depends on, and the earlier objects whose locks conflict with its own.
            let postData = dependencies.filter { ids.contains($0) }
                .union(locks.earlierConflicts[index].map { objects[$0].id })
            missingObjects[index] = postData.count
            for dependency in postData { dependentsOfObject[dependency, default: []].append(index) }
            // An early start waits for every table it depends on or locks: no lock of it ever
            // waits behind rows still loading.
            let tables = dependencies.union(locks.tables[index]).filter { loadingTables.contains($0) && !ids.contains($0) }
            // A table without a planned chunk count is complete only at the end of the data phase.
            guard mayStartEarly(object), tables.allSatisfy({ chunksLeft[$0] != nil }) else { continue }
            early[index] = true
            let incomplete = tables.filter { chunksLeft[$0]! > 0 }
            missingTables[index] = incomplete.count
            for table in incomplete { dependentsOfTable[table, default: []].append(index) }
        }
        self.chunksLeft = chunksLeft
        self.missingObjects = missingObjects
        self.missingTables = missingTables
        self.early = early
        self.dependentsOfObject = dependentsOfObject
        self.dependentsOfTable = dependentsOfTable
        for index in objects.indices { checkReady(index) }
    }

    /// Every object has been created.
    var isComplete: Bool { unfinished == 0 }

    /// The data phase has ended, nothing runs and nothing can start: the objects left depend on
    /// each other in a cycle.
    func isStuck(running: Int) -> Bool {
        dataEnded && !serial && running == 0 && readyQueue.isEmpty && unfinished > 0
    }

    /// The objects not created yet, in the manifest's order.
    var leftNames: [String] { objects.indices.filter { status[$0] != .created }.map { objects[$0].name } }

    /// How many planned chunks of `table` have not loaded yet; nil when its count is not planned.
    func chunksLeft(of table: UInt32) -> Int? { chunksLeft[table] }

    /// One chunk of `table` has loaded.
    mutating func chunkLoaded(of table: UInt32) {
        guard let left = chunksLeft[table], left > 0 else { return }
        chunksLeft[table] = left - 1
        guard left == 1 else { return }
        for index in dependentsOfTable.removeValue(forKey: table) ?? [] {
            missingTables[index] -= 1
            checkReady(index)
        }
    }

    /// Every chunk has loaded and the archive's trailer is verified: every object may start once
    /// its post-data dependencies exist.
    mutating func endData() {
        guard !dataEnded else { return }
        dataEnded = true
        for index in objects.indices { checkReady(index) }
    }

    /// The next object to create, marked running; nil when none is ready.
    mutating func next() -> ArchiveObject? {
        if serial && dataEnded {
            while serialCursor < objects.count && status[serialCursor] != .waiting && status[serialCursor] != .ready {
                serialCursor += 1
            }
            guard serialCursor < objects.count else { return nil }
            status[serialCursor] = .running
            return objects[serialCursor]
        }
        while let index = readyQueue.popFirst() {
            guard status[index] == .ready else { continue }
            status[index] = .running
            return objects[index]
        }
        return nil
    }

    /// The object returned by ``next()`` with this id has been created.
    mutating func created(_ object: ArchiveObject) {
        guard let index = positions[object.id], status[index] == .running else { return }
        status[index] = .created
        unfinished -= 1
        for dependent in dependentsOfObject.removeValue(forKey: object.id) ?? [] {
            missingObjects[dependent] -= 1
            checkReady(dependent)
        }
    }

    private mutating func checkReady(_ index: Int) {
        guard status[index] == .waiting, missingObjects[index] == 0 else { return }
        guard dataEnded || (early[index] && missingTables[index] == 0) else { return }
        if serial && dataEnded { return }  // taken in the manifest's order by next()
        status[index] = .ready
        readyQueue.append(index)
    }
}
