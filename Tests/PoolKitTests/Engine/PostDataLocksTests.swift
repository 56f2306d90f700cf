import Testing

@testable import PoolKit

/// Post-data objects whose table locks conflict never run at once, and keep the manifest's order.
@Suite("Post-data locks")
struct PostDataLocksTests {
    /// Runs a schedule to its end, taking up to `workers` ready objects at a time and finishing
    /// them in the order `pick` chooses; returns the order objects started in and checks, at each
    /// start, that nothing running conflicts with the new object.
    private func drain(
        _ objects: [ArchiveObject], tableIDs: Set<UInt32>, workers: Int, pick: (Int) -> Int = { _ in 0 }
    ) -> [String] {
        var schedule = PostDataSchedule(
            objects: objects, tableIDs: tableIDs, loadingTables: [], plannedChunks: [:], serial: false,
            mayStartEarly: { _ in false })
        let locks = Dictionary(
            uniqueKeysWithValues: zip(objects.map(\.id), PostDataLocks.locks(of: objects, tableIDs: tableIDs)))
        schedule.endData()
        var running: [ArchiveObject] = []
        var started: [String] = []
        while !schedule.isComplete {
            while running.count < workers, let object = schedule.next() {
                for other in running {
                    #expect(
                        !locks[object.id]!.conflicts(with: locks[other.id]!),
                        "\(object.name) started while \(other.name) ran, and their locks conflict")
                }
                running.append(object)
                started.append(object.name)
            }
            guard !running.isEmpty else {
                Issue.record("the schedule is stuck with \(schedule.leftNames)")
                break
            }
            let done = running.remove(at: pick(running.count) % running.count)
            schedule.created(done)
        }
        return started
    }

    @Test("a partitioned table's foreign key and a partition's own one to the same table run one after the other, in the manifest's order")
    func partitionForeignKeys() {
        // 1 pk, 2 fk (partitioned), 3 fk_1, 4 fk_2
        let objects = [
            ArchiveObject(
                id: 10, kind: .constraint, name: "fk_a_fkey", section: .postData, dependencies: [2, 1],
                locks: ArchiveObjectLocks(exclusive: [1, 2, 3, 4])),
            ArchiveObject(
                id: 11, kind: .constraint, name: "fk_1_own", section: .postData, dependencies: [3, 1],
                locks: ArchiveObjectLocks(exclusive: [1, 3])),
            ArchiveObject(
                id: 12, kind: .constraint, name: "fk_2_own", section: .postData, dependencies: [4, 1],
                locks: ArchiveObjectLocks(exclusive: [1, 4])),
        ]
        for workers in [2, 4, 8] {
            #expect(drain(objects, tableIDs: [1, 2, 3, 4], workers: workers) == ["fk_a_fkey", "fk_1_own", "fk_2_own"])
        }
    }

    @Test("indexes of one table run side by side; the exclusive statement after them waits for all, and what follows waits for it")
    func sharedThenExclusive() {
        var schedule = PostDataSchedule(
            objects: [
                ArchiveObject(id: 10, kind: .index, name: "i1", section: .postData, dependencies: [1]),
                ArchiveObject(id: 11, kind: .index, name: "i2", section: .postData, dependencies: [1]),
                ArchiveObject(id: 12, kind: .constraint, name: "pk", section: .postData, dependencies: [1]),
                ArchiveObject(id: 13, kind: .index, name: "i3", section: .postData, dependencies: [1]),
                ArchiveObject(id: 14, kind: .index, name: "other", section: .postData, dependencies: [2]),
            ],
            tableIDs: [1, 2], loadingTables: [], plannedChunks: [:], serial: false, mayStartEarly: { _ in false })
        schedule.endData()
        let first = [schedule.next(), schedule.next(), schedule.next()].compactMap { $0?.name }
        #expect(Set(first) == ["i1", "i2", "other"])
        #expect(schedule.next() == nil, "the constraint waits for both indexes of its table")
        schedule.created(ArchiveObject(id: 10, kind: .index, name: "i1", section: .postData, dependencies: [1]))
        #expect(schedule.next() == nil)
        schedule.created(ArchiveObject(id: 11, kind: .index, name: "i2", section: .postData, dependencies: [1]))
        let pk = schedule.next()
        #expect(pk?.name == "pk")
        #expect(schedule.next() == nil, "a later index waits for the exclusive statement before it")
        schedule.created(pk!)
        #expect(schedule.next()?.name == "i3")
    }

    @Test("without locks in the manifest, a comment on an index locks the index's table; an object naming a table locks that one")
    func derivedThroughDependencies() {
        let objects = [
            ArchiveObject(id: 10, kind: .index, name: "i", section: .postData, dependencies: [1]),
            ArchiveObject(id: 11, kind: .comment, name: "c", section: .postData, dependencies: [10]),
            ArchiveObject(id: 12, kind: .constraint, name: "fk", section: .postData, dependencies: [2, 10, 11]),
        ]
        let locks = PostDataLocks.locks(of: objects, tableIDs: [1, 2])
        #expect(locks[0] == ArchiveObjectLocks(shared: [1]))
        #expect(locks[1] == ArchiveObjectLocks(exclusive: [1]))
        #expect(locks[2] == ArchiveObjectLocks(exclusive: [2]), "a table of its own: its dependencies' tables are not added")
        #expect(drain(objects, tableIDs: [1, 2], workers: 3) == ["i", "c", "fk"])
    }

    @Test("an early object waits for the loads of every table it locks, not only those it depends on")
    func earlyStartWaitsForLockedTables() {
        var schedule = PostDataSchedule(
            objects: [
                ArchiveObject(
                    id: 10, kind: .index, name: "parent_idx", section: .postData, dependencies: [1],
                    locks: ArchiveObjectLocks(shared: [1, 2]))
            ],
            tableIDs: [1, 2], loadingTables: [1, 2], plannedChunks: [1: 1, 2: 1], serial: false,
            mayStartEarly: { _ in true })
        schedule.chunkLoaded(of: 1)
        #expect(schedule.next() == nil, "table 2, which the index locks, still loads")
        schedule.chunkLoaded(of: 2)
        #expect(schedule.next()?.name == "parent_idx")
    }

    @Test("random objects and locks: no two conflicting objects ever run at once, and every schedule completes", arguments: 0..<40)
    func randomSchedules(seed: Int) {
        var random = SplitMix64(seed: UInt64(seed))
        let tables: [UInt32] = Array(1...6)
        var objects: [ArchiveObject] = []
        for index in 0..<30 {
            let id = UInt32(100 + index)
            var dependencies = [tables[Int(random.next() % 6)]]
            if index > 0, random.next() % 3 == 0 { dependencies.append(objects[Int(random.next() % UInt64(index))].id) }
            let exclusive = tables.filter { _ in random.next() % 4 == 0 }
            let shared = tables.filter { _ in random.next() % 4 == 0 }
            let explicit = random.next() % 2 == 0
            objects.append(
                ArchiveObject(
                    id: id, kind: random.next() % 2 == 0 ? .index : .constraint, name: "o\(index)", section: .postData,
                    dependencies: dependencies,
                    locks: explicit ? ArchiveObjectLocks(exclusive: exclusive, shared: shared) : nil))
        }
        for workers in [2, 4, 8] {
            let started = drain(objects, tableIDs: Set(tables), workers: workers) { _ in Int(random.next() % 1024) }
            #expect(Set(started).count == objects.count)
        }
    }
}
