import Foundation
import Logging
import Synchronization
import Testing
@testable import PoolKit

/// What the overlap driver's restore did, in order, and what it saw while table B loaded.
final class OverlapLog: Sendable {
    private let state = Mutex((events: [String](), createdWhileBLoaded: [String]?.none))
    var events: [String] { state.withLock { $0.events } }
    /// The post-data objects that existed when B's chunk finished loading (nil: B never loaded).
    var createdWhileBLoaded: [String]? { state.withLock { $0.createdWhileBLoaded } }
    var created: [String] { events.filter { $0.hasPrefix("create ") }.map { String($0.dropFirst("create ".count)) } }
    func record(_ event: String) { state.withLock { $0.events.append(event) } }
    func bLoaded() { state.withLock { $0.createdWhileBLoaded = $0.events.filter { $0.hasPrefix("create ") }.map { String($0.dropFirst(7)) } } }
}

/// How the overlap driver's session behaves.
struct OverlapBehaviour: Sendable {
    /// B's load waits (up to 30 s) until this object exists, so that the test sees whether the
    /// engine creates it while B still loads; nil: B loads at once.
    var bWaitsFor: String? = "a_idx"
    /// Creating this object fails.
    var failing: String? = nil
    /// Kinds the session lets start with their tables.
    var earlyKinds: Set<ArchiveObject.Kind> = [.index]
    /// Creating an index of table a waits (up to 30 s) until b has loaded: only a worker left
    /// for loading lets it finish.
    var aIndexesWaitForB = false
    /// The session lets chunks load while the pre-data section is created (``RestoreSession/mayLoadDuringPreData``).
    var loadDuringPreData = false
    /// Creating this pre-data object waits (up to 30 s) until a's last chunk has loaded.
    var preDataWaitingForA: String? = nil
}

/// A driver whose restore records what happens when, over `MemoryConnection`s.
struct OverlapDriver: Driver {
    let log: OverlapLog
    let behaviour: OverlapBehaviour
    var name: String { "overlap" }
    var schemes: [String] { ["overlap"] }
    var supportedOptions: [DriverOption] { [] }
    var restoreStrategies: [any RestoreStrategy<MemoryConnection>] { [OverlapRestore(log: log, behaviour: behaviour)] }
    func connect(to url: ConnectionURL, logger: Logger) async throws -> MemoryConnection {
        MemoryConnection(database: url.database ?? "main")
    }
}

struct OverlapRestore: RestoreStrategy {
    let log: OverlapLog
    let behaviour: OverlapBehaviour
    var name: String { "rows" }
    func begin(manifest: ArchiveManifest, on coordinator: MemoryConnection, options: RestoreOptions) async throws -> OverlapSession {
        OverlapSession(log: log, behaviour: behaviour, names: Dictionary(uniqueKeysWithValues: manifest.tables.map { ($0.id, $0.name) }))
    }
}

struct OverlapSession: RestoreSession {
    let log: OverlapLog
    let behaviour: OverlapBehaviour
    let names: [UInt32: String]
    var maxParallelLoads: Int? { nil }

    func mayCreateDuringDataLoad(_ object: ArchiveObject) -> Bool { behaviour.earlyKinds.contains(object.kind) }

    func mayLoadDuringPreData(_ table: ArchiveTable) -> Bool { behaviour.loadDuringPreData }

    func apply(_ object: ArchiveObject, on connection: MemoryConnection) async throws {
        if object.section == .preData {
            if object.name == behaviour.preDataWaitingForA {
                for _ in 0..<30_000 where !log.events.contains("loaded a#1") { try await Task.sleep(for: .milliseconds(1)) }
                log.record("\(object.name) saw a loaded: \(log.events.contains("loaded a#1"))")
            }
            if object.name == behaviour.failing { throw PoolKitError(.statementFailed, "cannot create \(object.name): failed on purpose") }
            log.record("pre \(object.name)")
        }
        guard object.section == .postData else { return }
        await Task.yield()
        if behaviour.aIndexesWaitForB, object.kind == .index, object.name.hasPrefix("a_") {
            for _ in 0..<30_000 where !log.events.contains("loaded b#0") { try await Task.sleep(for: .milliseconds(1)) }
            log.record("\(object.name) saw b loaded: \(log.events.contains("loaded b#0"))")
        }
        if object.name == behaviour.failing { throw PoolKitError(.statementFailed, "cannot create \(object.name): failed on purpose") }
        log.record("create \(object.name)")
    }

    func load(objectID: UInt32, chunkID: UInt32, from source: any ChunkSource, on worker: MemoryConnection) async throws -> UInt64 {
        let table = names[objectID]!
        log.record("load \(table)#\(chunkID)")
        var rows: UInt64 = 0
        while let payload = try await source.next() { rows += UInt64(payload.count { $0 == UInt8(ascii: "\n") }) }
        if table == "b", let awaited = behaviour.bWaitsFor {
            for _ in 0..<30_000 where !log.created.contains(awaited) { try await Task.sleep(for: .milliseconds(1)) }
            log.bLoaded()
        }
        log.record("loaded \(table)#\(chunkID)")
        return rows
    }

    func finish(on coordinator: MemoryConnection) async throws { log.record("finish") }
}

/// The restore engine starts a post-data object the session allows early as soon as its tables
/// are loaded, on the same workers, while other tables still load; everything else waits for the
/// end of the data phase.
@Suite("Restore engine: post-data objects overlapping the data phase")
struct RestoreOverlapTests {
    /// Tables a (two chunks) then b (one chunk), in that order in the archive; a's index and unique
    /// key, a's foreign key to b (listing only a, as a careless strategy might), a's trigger, b's index.
    /// The unique key comes before a's other statements: objects locking one table keep the
    /// manifest's order, so an early object after a late one on its table would wait for it.
    static func archive(extra: [ArchiveObject] = []) async throws -> [UInt8] {
        let objects = [
            ArchiveObject(id: 1, kind: .table, name: "a", section: .preData),
            ArchiveObject(id: 2, kind: .table, name: "b", section: .preData),
            ArchiveObject(id: 3, kind: .index, name: "a_idx", section: .postData, dependencies: [1]),
            ArchiveObject(id: 7, kind: .constraint, name: "a_unique", section: .postData, dependencies: [1, 3]),
            ArchiveObject(id: 4, kind: .constraint, name: "a_fk", section: .postData, dependencies: [1]),
            ArchiveObject(id: 5, kind: .trigger, name: "a_trigger", section: .postData, dependencies: [1]),
            ArchiveObject(id: 6, kind: .index, name: "b_idx", section: .postData, dependencies: [2]),
        ] + extra
        let columns = [ArchiveColumn(name: "line", type: "text")]
        let manifest = ArchiveManifest(
            engine: "overlap", serverVersion: "1", driver: "overlap", strategy: "rows", objects: objects,
            tables: [
                ArchiveTable(id: 1, name: "a", columns: columns, encoding: "lines", chunks: 2),
                ArchiveTable(id: 2, name: "b", columns: columns, encoding: "lines", chunks: 1),
            ])
        let chunks = [
            TestChunk(objectID: 1, chunkID: 0, data: Array("a0\na1\n".utf8), rows: 2),
            TestChunk(objectID: 1, chunkID: 1, data: Array("a2\n".utf8), rows: 1),
            TestChunk(objectID: 2, chunkID: 0, data: Array("b0\nb1\nb2\n".utf8), rows: 3),
        ]
        return try await writeArchive(manifest: manifest, chunks: chunks, configuration: .init(compression: .none)).bytes
    }

    func restore(
        _ behaviour: OverlapBehaviour, log: OverlapLog, jobs: Int = 2, extra: [ArchiveObject] = [],
        options: (inout RestoreOptions) -> Void = { _ in }
    ) async throws -> RestoreSummary {
        var restoreOptions = RestoreOptions()
        restoreOptions.jobs = jobs
        options(&restoreOptions)
        let progress = TransferProgress()
        let summary = try await RestoreEngine(registry: DriverRegistry([OverlapDriver(log: log, behaviour: behaviour)])).restore(
            from: MemorySource(try await Self.archive(extra: extra)), into: ConnectionURL("overlap://h/target"), options: restoreOptions,
            progress: progress)
        let snapshot = progress.snapshot()
        #expect(snapshot.objectsDone == snapshot.objectsTotal, "every object counted once: \(snapshot.objectsDone)/\(snapshot.objectsTotal)")
        #expect(snapshot.activeChunks.isEmpty)
        return summary
    }

    @Test("a's index is created while b still loads; the foreign key and the trigger wait for the end of the data")
    func indexDuringLoad() async throws {
        let log = OverlapLog()
        let summary = try await restore(OverlapBehaviour(), log: log)
        #expect(summary.rows == 6)
        let during = try #require(log.createdWhileBLoaded)
        #expect(during.contains("a_idx"), "a's index waited for the end of the data: \(log.events)")
        #expect(!during.contains("a_fk") && !during.contains("a_trigger") && !during.contains("a_unique"), "\(log.events)")
        #expect(Set(log.created) == ["a_idx", "a_fk", "a_trigger", "b_idx", "a_unique"])
        let events = log.events
        let lastLoad = try #require(events.lastIndex { $0.hasPrefix("loaded ") })
        for late in ["a_fk", "a_trigger", "a_unique"] {
            #expect(try #require(events.firstIndex(of: "create \(late)")) > lastLoad, "\(late) was created during the data phase")
        }
        #expect(try #require(events.firstIndex(of: "create a_idx")) > events.lastIndex(of: "loaded a#1")!, "a's index before a was loaded")
        #expect(try #require(events.firstIndex(of: "create a_idx")) > events.lastIndex(of: "loaded a#0")!, "a's index before a was loaded")
    }

    @Test("an object allowed early starts only after the post-data objects it depends on exist")
    func earlyObjectAfterItsDependencies() async throws {
        let log = OverlapLog()
        var behaviour = OverlapBehaviour()
        behaviour.bWaitsFor = "a_unique"
        behaviour.earlyKinds = [.index, .constraint]
        _ = try await restore(behaviour, log: log)
        let during = try #require(log.createdWhileBLoaded)
        #expect(during.contains("a_unique") && during.contains("a_idx"), "\(log.events)")
        #expect(!during.contains("a_trigger"))
        let created = log.created
        #expect(try #require(created.firstIndex(of: "a_idx")) < created.firstIndex(of: "a_unique")!)
    }

    @Test("an early object that fails stops the restore with its message, and nothing after it is reported done")
    func earlyFailure() async throws {
        let log = OverlapLog()
        var behaviour = OverlapBehaviour()
        behaviour.failing = "a_idx"
        do {
            _ = try await restore(behaviour, log: log)
            Issue.record("the restore succeeded although an index failed")
        } catch let error as PoolKitError {
            #expect(error.code == .statementFailed, "\(error)")
            #expect(error.message.contains("restore failed: cannot create a_idx: failed on purpose"), "\(error.message)")
            #expect(error.message.contains("run again with --clean"), "\(error.message)")
        }
        #expect(!log.events.contains("finish"))
        #expect(!log.created.contains("a_trigger"), "an object waiting for the end of the data was created after a failure")
    }

    @Test("--single-transaction creates every post-data object after all the data, one at a time, in the manifest's order")
    func singleTransactionWaits() async throws {
        let log = OverlapLog()
        var behaviour = OverlapBehaviour()
        behaviour.bWaitsFor = nil
        _ = try await restore(behaviour, log: log) { $0.singleTransaction = true }
        let events = log.events
        let lastLoad = try #require(events.lastIndex { $0.hasPrefix("loaded ") })
        let firstCreate = try #require(events.firstIndex { $0.hasPrefix("create ") })
        #expect(firstCreate > lastLoad, "\(events)")
        #expect(log.created == ["a_idx", "a_unique", "a_fk", "a_trigger", "b_idx"])
    }

    @Test("early objects never take every worker while chunks still load: indexes waiting for b's load do not starve it")
    func loadersNotStarved() async throws {
        let log = OverlapLog()
        var behaviour = OverlapBehaviour()
        behaviour.bWaitsFor = nil
        behaviour.aIndexesWaitForB = true
        let extra = [ArchiveObject(id: 8, kind: .index, name: "a_idx2", section: .postData, dependencies: [1])]
        _ = try await restore(behaviour, log: log, jobs: 2, extra: extra)
        #expect(log.events.contains("a_idx saw b loaded: true"), "\(log.events)")
        #expect(log.events.contains("a_idx2 saw b loaded: true"), "\(log.events)")
    }

    @Test("post-data objects that depend on each other in a cycle fail the restore as a corrupt archive, after the data")
    func cycle() async throws {
        let log = OverlapLog()
        var behaviour = OverlapBehaviour()
        behaviour.bWaitsFor = nil
        let cyclic = [
            ArchiveObject(id: 8, kind: .index, name: "x", section: .postData, dependencies: [1, 9]),
            ArchiveObject(id: 9, kind: .index, name: "y", section: .postData, dependencies: [8]),
        ]
        do {
            _ = try await restore(behaviour, log: log, extra: cyclic)
            Issue.record("a restore with a dependency cycle succeeded")
        } catch let error as PoolKitError {
            #expect(error.code == .archiveCorrupt, "\(error)")
            #expect(error.message.contains("depend on each other in a cycle (x, y)"), "\(error.message)")
        }
        #expect(log.events.contains("loaded b#0"), "the data was loaded before the cycle was reported")
    }

    @Test("--schema-only creates every object without data; --data-only loads without post-data objects")
    func schemaOnlyAndDataOnly() async throws {
        var behaviour = OverlapBehaviour()
        behaviour.bWaitsFor = nil
        let schema = OverlapLog()
        let schemaSummary = try await restore(behaviour, log: schema) { $0.schemaOnly = true }
        #expect(schemaSummary.rows == 0)
        #expect(Set(schema.created) == ["a_idx", "a_fk", "a_trigger", "b_idx", "a_unique"])
        let data = OverlapLog()
        let dataSummary = try await restore(behaviour, log: data) { $0.dataOnly = true }
        #expect(dataSummary.rows == 6)
        #expect(data.created.isEmpty)
    }

    @Test("with one job the index of a loaded table still goes first, and everything is restored", arguments: [1, 3])
    func fewAndManyJobs(jobs: Int) async throws {
        let log = OverlapLog()
        var behaviour = OverlapBehaviour()
        behaviour.bWaitsFor = nil
        let summary = try await restore(behaviour, log: log, jobs: jobs)
        #expect(summary.rows == 6)
        #expect(Set(log.created) == ["a_idx", "a_fk", "a_trigger", "b_idx", "a_unique"])
    }
}

/// The schedule alone: readiness, the end of the data phase, cycles.
@Suite("Post-data schedule")
struct PostDataScheduleTests {
    let objects = [
        ArchiveObject(id: 10, kind: .index, name: "a_idx", section: .postData, dependencies: [1]),
        ArchiveObject(id: 11, kind: .constraint, name: "a_fk", section: .postData, dependencies: [1]),
        ArchiveObject(id: 12, kind: .index, name: "u_idx", section: .postData, dependencies: [3]),
        ArchiveObject(id: 13, kind: .comment, name: "a_idx_comment", section: .postData, dependencies: [10]),
    ]

    @Test("an index is ready once all planned chunks of its table loaded; other kinds only after the data")
    func readiness() {
        // Table 3's chunk count is not planned: its index waits for the end of the data.
        var schedule = PostDataSchedule(
            objects: objects, tableIDs: [1, 2, 3], loadingTables: [1, 2, 3], plannedChunks: [1: 2, 2: 1], serial: false,
            mayStartEarly: { $0.kind == .index })
        #expect(schedule.next() == nil)
        schedule.chunkLoaded(of: 1)
        schedule.chunkLoaded(of: 2)
        #expect(schedule.next() == nil)
        schedule.chunkLoaded(of: 1)
        let index = schedule.next()
        #expect(index?.name == "a_idx")
        #expect(schedule.next() == nil)
        schedule.created(index!)
        #expect(schedule.next() == nil, "a comment waits for the end of the data")
        schedule.endData()
        var names: [String] = []
        while let object = schedule.next() {
            names.append(object.name)
            schedule.created(object)
        }
        #expect(Set(names) == ["a_fk", "u_idx", "a_idx_comment"])
        #expect(schedule.isComplete)
    }

    @Test("objects that depend on each other in a cycle leave the schedule stuck once the data has ended")
    func cycle() {
        let cyclic = [
            ArchiveObject(id: 10, kind: .index, name: "x", section: .postData, dependencies: [11]),
            ArchiveObject(id: 11, kind: .index, name: "y", section: .postData, dependencies: [10]),
        ]
        var schedule = PostDataSchedule(
            objects: cyclic, tableIDs: [], loadingTables: [], plannedChunks: [:], serial: false, mayStartEarly: { _ in true })
        #expect(!schedule.isStuck(running: 0), "not stuck before the data ended")
        schedule.endData()
        #expect(schedule.next() == nil)
        #expect(schedule.isStuck(running: 0))
        #expect(schedule.leftNames == ["x", "y"])
    }

    @Test("a serial schedule takes what is left after the data in the manifest's order")
    func serialOrder() {
        var schedule = PostDataSchedule(
            objects: objects, tableIDs: [1, 2, 3], loadingTables: [1], plannedChunks: [1: 1], serial: true, mayStartEarly: { $0.kind == .index })
        schedule.chunkLoaded(of: 1)
        let early = schedule.next()
        #expect(early?.name == "u_idx" || early?.name == "a_idx")
        schedule.created(early!)
        schedule.endData()
        var names: [String] = [early!.name]
        while let object = schedule.next() {
            names.append(object.name)
            schedule.created(object)
        }
        #expect(Set(names) == Set(objects.map(\.name)))
        #expect(Array(names.dropFirst()) == objects.map(\.name).filter { $0 != early!.name })
    }
}

/// The dispatcher's choice of a worker's next step, driven by hand.
@Suite("Restore work dispatch")
struct WorkDispatchTests {
    @Test("a ready early object goes before a spilled chunk, but never takes the last worker from the loads")
    func earlyObjectLeavesALoader() async throws {
        let objects = [
            ArchiveObject(id: 10, kind: .index, name: "x1", section: .postData, dependencies: [1]),
            ArchiveObject(id: 11, kind: .index, name: "x2", section: .postData, dependencies: [1]),
        ]
        let schedule = PostDataSchedule(
            objects: objects, tableIDs: [1, 2, 3], loadingTables: [1, 2], plannedChunks: [1: 1, 2: 1], serial: false, mayStartEarly: { _ in true })
        let dispatch = WorkDispatch(schedule: schedule, maxLoaders: 2, maxObjects: 2, onDataEnd: {})
        let thread = ConnectionThread(name: "poolkit-test-spill")
        defer { thread.stop() }

        #expect(dispatch.claimLoader())
        let first = try PendingChunk.make(key: ChunkKey(objectID: 1, chunkID: 0), loaderFree: true, spillThread: thread)
        dispatch.handOff(first)
        guard case .chunk(let loading)? = try await dispatch.next(after: nil, job: 1) else {
            Issue.record("the first worker did not get the streamed chunk")
            return
        }
        #expect(loading === first)
        // Table 2's chunk arrives while the first worker loads: spilled.
        let spilled = try PendingChunk.make(key: ChunkKey(objectID: 2, chunkID: 0), loaderFree: false, spillThread: thread)
        spilled.end(rows: 0, digest: SHA256Hasher().finalize())
        dispatch.spilledChunkReady(spilled)
        // Table 1 is complete: its first index goes before the spilled chunk ...
        guard case .object(let object)? = try await dispatch.next(after: .chunk(first), job: 1) else {
            Issue.record("the index of the loaded table did not start first")
            return
        }
        #expect(object.name == "x1")
        // ... but the other worker loads, instead of building the second index.
        guard case .chunk(let next)? = try await dispatch.next(after: nil, job: 2) else {
            Issue.record("both workers were given indexes while a chunk waited")
            return
        }
        #expect(next === spilled)
    }

    @Test("among spilled chunks, a table's last one to load goes first: its indexes can start")
    func spilledChunkOfTheNearlyLoadedTableFirst() async throws {
        let schedule = PostDataSchedule(
            objects: [], tableIDs: [1, 2], loadingTables: [1, 2], plannedChunks: [1: 3, 2: 1], serial: false,
            mayStartEarly: { _ in true })
        let dispatch = WorkDispatch(schedule: schedule, maxLoaders: 1, maxObjects: 1, onDataEnd: {})
        let thread = ConnectionThread(name: "poolkit-test-spill")
        defer { thread.stop() }
        var arrived: [PendingChunk] = []
        for key in [ChunkKey(objectID: 1, chunkID: 0), ChunkKey(objectID: 1, chunkID: 1), ChunkKey(objectID: 2, chunkID: 0)] {
            let chunk = try PendingChunk.make(key: key, loaderFree: false, spillThread: thread)
            chunk.end(rows: 0, digest: SHA256Hasher().finalize())
            dispatch.spilledChunkReady(chunk)
            arrived.append(chunk)
        }
        guard case .chunk(let first)? = try await dispatch.next(after: nil, job: 1) else {
            Issue.record("no chunk was handed out")
            return
        }
        #expect(first === arrived[2], "table 2's only chunk waited behind table 1's")
        guard case .chunk(let second)? = try await dispatch.next(after: .chunk(first), job: 1) else {
            Issue.record("no second chunk")
            return
        }
        #expect(second === arrived[0], "equal tables keep their order of arrival")
    }
}

/// A session that allows it has its chunks loaded while the pre-data section is still created, each
/// table's once the pre-data objects that could change how it takes rows exist.
@Suite("Restore engine: data loading during the pre-data section")
struct RestorePreDataOverlapTests {
    /// After tables a and b: b_attach (say a partition attached to b), a's owner and a view over both.
    static let preDataExtra = [
        ArchiveObject(id: 20, kind: .table, name: "b_attach", section: .preData, dependencies: [2]),
        ArchiveObject(id: 21, kind: .owner, name: "a_owner", section: .preData, dependencies: [1]),
        ArchiveObject(id: 22, kind: .view, name: "v", section: .preData, dependencies: [1, 2]),
    ]

    func restore(_ behaviour: OverlapBehaviour, log: OverlapLog, jobs: Int = 2) async throws -> RestoreSummary {
        try await RestoreOverlapTests().restore(behaviour, log: log, jobs: jobs, extra: Self.preDataExtra)
    }

    @Test("a's chunks load after its owner and before the view exists; b's wait for b_attach; post-data waits for all of it", arguments: [1, 2, 4])
    func chunksDuringPreData(jobs: Int) async throws {
        let log = OverlapLog()
        var behaviour = OverlapBehaviour()
        behaviour.bWaitsFor = nil
        behaviour.loadDuringPreData = true
        behaviour.preDataWaitingForA = "v"
        let summary = try await restore(behaviour, log: log, jobs: jobs)
        #expect(summary.rows == 6)
        let events = log.events
        #expect(events.contains("v saw a loaded: true"), "a was not loaded while the pre-data section ran: \(events)")
        let index = { (event: String) throws -> Int in try #require(events.firstIndex(of: event), "no \(event): \(events)") }
        #expect(try index("load a#0") > index("pre a"))
        #expect(try index("load a#0") > index("pre a_owner"), "a loaded beside the ALTER TABLE … OWNER that locks it exclusively")
        #expect(try index("load b#0") > index("pre b_attach"), "b loaded before an object depending on it existed")
        let firstCreate = try #require(events.firstIndex { $0.hasPrefix("create ") })
        #expect(firstCreate > (try index("pre v")), "a post-data object started before the pre-data section ended: \(events)")
        #expect(Set(log.created) == ["a_idx", "a_fk", "a_trigger", "b_idx", "a_unique"])
    }

    @Test("without the session's consent, no chunk loads before the whole pre-data section exists")
    func chunksAfterPreDataByDefault() async throws {
        let log = OverlapLog()
        var behaviour = OverlapBehaviour()
        behaviour.bWaitsFor = nil
        _ = try await restore(behaviour, log: log)
        let events = log.events
        let firstLoad = try #require(events.firstIndex { $0.hasPrefix("load ") })
        #expect(firstLoad > (try #require(events.firstIndex(of: "pre v"))), "\(events)")
    }

    @Test("a pre-data object that fails while chunks load stops the restore with its message")
    func preDataFailure() async throws {
        let log = OverlapLog()
        var behaviour = OverlapBehaviour()
        behaviour.bWaitsFor = nil
        behaviour.loadDuringPreData = true
        behaviour.failing = "b_attach"
        do {
            _ = try await restore(behaviour, log: log)
            Issue.record("the restore succeeded although a pre-data object failed")
        } catch let error as PoolKitError {
            #expect(error.code == .statementFailed, "\(error)")
            #expect(error.message.contains("cannot create b_attach: failed on purpose"), "\(error.message)")
        }
        #expect(!log.events.contains("finish"))
        #expect(!log.events.contains("load b#0"), "b loaded although the object it waited for failed: \(log.events)")
        #expect(log.created.isEmpty, "a post-data object was created after the pre-data section failed: \(log.events)")
    }
}

@Suite("Pre-data gate")
struct PreDataGateTests {
    @Test("a table waits for itself and the objects that depend on it, its owner among them, except readers; others wait for all")
    func objectsNeeded() {
        let objects = [
            ArchiveObject(id: 1, kind: .schema, name: "s", section: .preData),
            ArchiveObject(id: 2, kind: .table, name: "t", section: .preData, dependencies: [1]),
            ArchiveObject(id: 3, kind: .table, name: "u", section: .preData, dependencies: [1]),
            ArchiveObject(id: 4, kind: .sequence, name: "t_id_seq", section: .preData, dependencies: [2]),
            ArchiveObject(id: 5, kind: .owner, name: "u", section: .preData, dependencies: [3]),
            ArchiveObject(id: 6, kind: .view, name: "v", section: .preData, dependencies: [2, 3]),
            ArchiveObject(id: 7, kind: .comment, name: "u", section: .preData, dependencies: [3]),
        ]
        let gate = PreDataGate(preData: objects, eligible: [2, 3])
        #expect(gate.objectsNeeded(before: 2) == 4)
        #expect(gate.objectsNeeded(before: 3) == 5, "u waits for its owner, not for the view or the comment")
        #expect(gate.objectsNeeded(before: 9) == 7, "a blob or table not eligible waits for the whole section")
    }

    @Test("a partition waits for every object depending on its parents: its siblings, at every level")
    func partitionsWaitForSiblings() {
        let objects = [
            ArchiveObject(id: 1, kind: .table, name: "root", section: .preData),
            ArchiveObject(id: 2, kind: .table, name: "mid_default", section: .preData, dependencies: [1]),
            ArchiveObject(id: 3, kind: .table, name: "leaf", section: .preData, dependencies: [2]),
            ArchiveObject(id: 4, kind: .table, name: "other", section: .preData),
            ArchiveObject(id: 5, kind: .table, name: "root_2", section: .preData, dependencies: [1]),
            ArchiveObject(id: 6, kind: .owner, name: "root", section: .preData, dependencies: [1]),
            ArchiveObject(id: 7, kind: .table, name: "leaf_sibling", section: .preData, dependencies: [2]),
        ]
        let gate = PreDataGate(preData: objects, eligible: [3, 4, 5, 7])
        #expect(gate.objectsNeeded(before: 3) == 7, "the leaf under the default partition waits for root_2 and its sibling")
        #expect(gate.objectsNeeded(before: 4) == 4)
        #expect(gate.objectsNeeded(before: 5) == 6, "the root's owner holds its partitions back: a COPY into one locks the root")
        #expect(gate.objectsNeeded(before: 7) == 7)
    }

    @Test("waiters are released when their objects exist, and by a failure")
    func waiting() async throws {
        let objects = (1...3).map { ArchiveObject(id: UInt32($0), kind: .table, name: "t\($0)", section: .preData) }
        let gate = PreDataGate(preData: objects, eligible: [2, 3])
        async let second: Void = gate.waitUntilLoadable(2)
        gate.objectApplied()
        gate.objectApplied()
        try await second
        gate.fail(PoolKitError(.statementFailed, "broken"))
        await #expect(throws: PoolKitError.self) { try await gate.waitUntilLoadable(3) }
    }
}

@Suite("Pre-data order beside the load")
struct PreDataOwnerOrderTests {
    @Test("each owner moves up to right after what it depends on; nothing else moves, and dependents stay after it")
    func ownersAfterTheirObjects() {
        let objects = [
            ArchiveObject(id: 1, kind: .schema, name: "s", section: .preData),
            ArchiveObject(id: 2, kind: .table, name: "t", section: .preData, dependencies: [1]),
            ArchiveObject(id: 3, kind: .table, name: "u", section: .preData, dependencies: [1]),
            ArchiveObject(id: 4, kind: .view, name: "v", section: .preData, dependencies: [2, 3]),
            ArchiveObject(id: 5, kind: .owner, name: "s", section: .preData, dependencies: [1]),
            ArchiveObject(id: 6, kind: .owner, name: "t", section: .preData, dependencies: [2]),
            ArchiveObject(id: 7, kind: .owner, name: "u", section: .preData, dependencies: [3]),
            ArchiveObject(id: 8, kind: .owner, name: "v", section: .preData, dependencies: [4]),
            ArchiveObject(id: 9, kind: .owner, name: "free", section: .preData),
            ArchiveObject(id: 10, kind: .acl, name: "t", section: .preData, dependencies: [6]),
        ]
        let ordered = PreDataGate.ownersAfterTheirObjects(objects).map(\.id)
        #expect(ordered == [1, 5, 2, 6, 3, 7, 4, 8, 9, 10])
        #expect(Set(ordered) == Set(objects.map(\.id)) && ordered.count == objects.count)
        let gate = PreDataGate(preData: PreDataGate.ownersAfterTheirObjects(objects), eligible: [2, 3])
        #expect(gate.objectsNeeded(before: 2) == 4, "t's chunks wait for t and its owner only")
    }
}
