import DequeModule
import Logging
import Synchronization

/// Restores an archive stream into a database, reading the stream once.
///
/// ```swift
/// let engine = RestoreEngine(registry: DriverRegistry([SQLiteDriver()]))
/// let summary = try await engine.restore(
///     from: FileArchiveSource(path: "app.poolkit"), into: ConnectionURL("sqlite:///tmp/copy.db"))
/// ```
///
/// Pre-data objects are created first, in the manifest's (dependency) order. Data frames are
/// handed to per-chunk loaders on pooled connections — at most `jobs` (or the strategy's limit)
/// at once; a chunk that starts while every loader is busy is spilled to a temporary file and
/// loaded when one is free, so memory stays bounded. Each chunk is committed only after its end
/// frame (row count and SHA-256) was verified, and its loaded row count must match. Post-data
/// objects follow. Success is reported only after the archive's trailer was verified; a failure
/// says how far the restore got.
public struct RestoreEngine: Sendable {
    public let registry: DriverRegistry
    public let logger: Logger

    public init(registry: DriverRegistry, logger: Logger = Logger(label: "poolkit.restore")) {
        self.registry = registry
        self.logger = logger
    }

    public func restore(
        from source: sending any ArchiveSource,
        into url: ConnectionURL,
        options: RestoreOptions = RestoreOptions(),
        progress: TransferProgress = TransferProgress()
    ) async throws -> RestoreSummary {
        guard options.jobs >= 1 else { throw PoolKitError(.usage, "--jobs must be at least 1") }
        guard !(options.schemaOnly && options.dataOnly) else {
            throw PoolKitError(.usage, "--schema-only and --data-only exclude each other")
        }
        let driver = try registry.driver(for: url)
        let reader = try await AsyncArchiveReader.open(source)
        let manifest = reader.manifest
        guard manifest.driver == driver.name else {
            throw PoolKitError(
                .archiveUnsupported,
                "the archive was written by the \(manifest.driver) driver (\(manifest.engine) \(manifest.serverVersion)) and cannot be restored into \(driver.name): restore it into a \(manifest.driver) database")
        }
        let strategy = try driver.restoreStrategy(named: manifest.strategy)
        let pool = try BackupEngine.makePool(
            url: url, registry: registry, connections: options.singleTransaction ? 1 : options.jobs + 1, name: "restore",
            logger: logger)
        let progressState = RestoreProgressLog()
        do {
            return try await pool.withRunning {
                try await run(
                    reader: reader, manifest: manifest, pool: pool, strategy: strategy, options: options, progress: progress,
                    log: progressState)
            }
        } catch {
            progress.setPhase(.failed)
            throw progressState.describeFailure(error)
        }
    }

    private func run(
        reader: AsyncArchiveReader, manifest: ArchiveManifest, pool: ConnectionPool<DriverConnectionSource>,
        strategy: any RestoreStrategy, options: RestoreOptions, progress: TransferProgress, log: RestoreProgressLog
    ) async throws -> RestoreSummary {
        let selection = RestoreSelection(manifest: manifest, options: options)
        let coordinator = try await pool.lease()
        do {
            let session = try await strategy.begin(manifest: manifest, on: coordinator.connection, options: options)
            progress.plan(
                objects: selection.preData.count + selection.postData.count,
                chunksPerTable: selection.chunksPerObject,
                estimatedBytes: manifest.blobs.reduce(0) { $0 + ($1.size ?? 0) })
            progress.setPhase(.preData)
            for object in selection.preData {
                try await session.apply(object, on: coordinator.connection)
                progress.objectDone()
                log.objectApplied()
            }
            log.note("pre-data: \(selection.preData.count) objects created")
            progress.setPhase(.data)
            let maxLoaders =
                options.singleTransaction ? 1 : max(1, min(options.jobs, session.maxParallelLoads ?? options.jobs))
            let loaded = try await loadData(
                reader: reader, selection: selection, session: session, pool: pool,
                singleConnection: options.singleTransaction ? coordinator.connection : nil, maxLoaders: maxLoaders,
                progress: progress, log: log)
            log.note("data: \(loaded.chunks) chunks, \(loaded.rows) rows loaded and verified; the archive's trailer is verified")
            progress.setPhase(.postData)
            let objectWorkers =
                options.singleTransaction ? 1 : max(1, min(options.jobs, session.maxParallelObjects ?? options.jobs))
            try await applyPostData(
                selection.postData, session: session, pool: pool, coordinator: coordinator.connection, workers: objectWorkers,
                progress: progress, log: log)
            progress.setPhase(.finishing)
            try await session.finish(on: coordinator.connection)
            await pool.release(coordinator)
            progress.setPhase(.done)
            return RestoreSummary(
                manifest: manifest, objects: selection.preData.count + selection.postData.count, chunks: loaded.chunks,
                rows: loaded.rows, bytes: loaded.bytes, elapsed: progress.snapshot().elapsed)
        } catch {
            await pool.release(coordinator, after: error)
            throw error
        }
    }

    /// Creates the post-data objects in waves: every object whose dependencies (among these
    /// objects) exist is created in the same wave, on up to `workers` connections at once.
    /// With one worker they are created in manifest order on the coordinator.
    private func applyPostData(
        _ objects: [ArchiveObject], session: any RestoreSession, pool: ConnectionPool<DriverConnectionSource>,
        coordinator: any DatabaseConnection, workers: Int, progress: TransferProgress, log: RestoreProgressLog
    ) async throws {
        guard workers > 1, objects.count > 1 else {
            for object in objects {
                try await session.apply(object, on: coordinator)
                progress.objectDone()
                log.objectApplied()
            }
            return
        }
        let pending = Set(objects.map(\.id))
        var created = Set<UInt32>()
        var remaining = objects
        while !remaining.isEmpty {
            let wave = remaining.filter { object in
                object.dependencies.allSatisfy { !pending.contains($0) || created.contains($0) }
            }
            guard !wave.isEmpty else {
                throw PoolKitError(
                    .archiveCorrupt,
                    "the archive's post-data objects depend on each other in a cycle (\(remaining.map(\.name).joined(separator: ", ")))")
            }
            let queue = WorkQueue(wave)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<min(workers, wave.count) {
                    group.addTask {
                        let lease = try await pool.lease()
                        do {
                            while let object = queue.next() {
                                try await session.apply(object, on: lease.connection)
                                progress.objectDone()
                                log.objectApplied()
                            }
                        } catch {
                            await pool.release(lease, after: error)
                            throw error
                        }
                        await pool.release(lease)
                    }
                }
                try await group.waitForAll()
            }
            created.formUnion(wave.map(\.id))
            remaining.removeAll { created.contains($0.id) }
        }
    }

    /// Reads every record, feeding data to loaders; returns once the trailer is verified and every
    /// chunk has loaded.
    private func loadData(
        reader: AsyncArchiveReader, selection: RestoreSelection, session: any RestoreSession,
        pool: ConnectionPool<DriverConnectionSource>, singleConnection: (any DatabaseConnection)?, maxLoaders: Int,
        progress: TransferProgress, log: RestoreProgressLog
    ) async throws -> (chunks: Int, rows: UInt64, bytes: UInt64) {
        let dispatch = LoadDispatch(maxLoaders: maxLoaders)
        let spillThread = ConnectionThread(name: "poolkit-restore-spill")
        defer { spillThread.stop() }
        let totals = LoadTotals()

        /// Loads `first`, then whatever spilled chunks are ready, on one connection.
        @Sendable func loader(first: PendingChunk, job: Int) async throws {
            var worker: PoolLease<any DatabaseConnection>?
            if singleConnection == nil { worker = try await pool.lease() }
            let connection = singleConnection ?? worker!.connection
            var current = first
            do {
                var next: PendingChunk? = first
                while let chunk = next {
                    current = chunk
                    progress.chunkStarted(job: job, label: "\(selection.name(of: chunk.objectID))#\(chunk.chunkID)")
                    let rows = try await session.load(
                        objectID: chunk.objectID, chunkID: chunk.chunkID, from: chunk.source, on: connection)
                    let expected = chunk.expectedRows()
                    guard rows == expected else {
                        throw PoolKitError(
                            .archiveCorrupt,
                            "chunk \(chunk.chunkID) of \(selection.name(of: chunk.objectID)) loaded \(rows) rows but the archive records \(expected)")
                    }
                    progress.chunkFinished(job: job, objectID: chunk.objectID, rows: rows)
                    totals.add(chunks: 1, rows: rows)
                    log.chunkLoaded(selection.name(of: chunk.objectID), chunk.chunkID)
                    next = dispatch.loaderFinishedChunk()
                }
                if let worker { await pool.release(worker) }
            } catch {
                // Stop the reader from waiting on this chunk, and from reading on for nothing.
                current.abandon(error)
                dispatch.fail(error)
                if let worker { await pool.release(worker, after: error) }
                throw error
            }
        }

        try await withThrowingTaskGroup(of: Void.self) { group in
            var open: [ChunkKey: PendingChunk] = [:]
            var jobCounter = 0
            func start(_ chunk: PendingChunk) {
                jobCounter += 1
                let job = jobCounter
                group.addTask { try await loader(first: chunk, job: job) }
            }
            do {
                for try await record in reader {
                    try dispatch.checkFailure()
                    switch record {
                    case .tableData(let frame), .blobData(let frame):
                        guard selection.loadsData(of: frame.objectID) else { continue }
                        let key = ChunkKey(objectID: frame.objectID, chunkID: frame.chunkID)
                        totals.add(bytes: UInt64(frame.payload.count))
                        progress.addBytes(frame.payload.count)
                        if open[key] == nil {
                            let chunk = try PendingChunk.make(
                                key: key, loaderFree: dispatch.claimLoader(), spillThread: spillThread)
                            open[key] = chunk
                            if chunk.isStreaming { start(chunk) }
                        }
                        try await open[key]!.append(frame.payload)
                    case .chunkEnd(let end):
                        guard selection.loadsData(of: end.objectID) else { continue }
                        let key = ChunkKey(objectID: end.objectID, chunkID: end.chunkID)
                        let chunk: PendingChunk
                        if let existing = open.removeValue(forKey: key) {
                            chunk = existing
                        } else {
                            // An empty chunk: no data frame came before its end.
                            chunk = try PendingChunk.make(key: key, loaderFree: dispatch.claimLoader(), spillThread: spillThread)
                            if chunk.isStreaming { start(chunk) }
                        }
                        chunk.end(rows: end.rowCount)
                        if !chunk.isStreaming, let handOff = dispatch.spilledChunkReady(chunk) { start(handOff) }
                    }
                }
            } catch {
                for chunk in open.values { chunk.abandon(error) }
                throw error
            }
            try await group.waitForAll()
        }
        return totals.value
    }
}

/// What a finished restore reports.
public struct RestoreSummary: Sendable {
    public var manifest: ArchiveManifest
    public var objects: Int
    public var chunks: Int
    public var rows: UInt64
    public var bytes: UInt64
    public var elapsed: Double
}

/// Chunks, rows and bytes loaded, added to by every loader.
final class LoadTotals: Sendable {
    private let state = Mutex((chunks: 0, rows: UInt64(0), bytes: UInt64(0)))
    func add(chunks: Int = 0, rows: UInt64 = 0, bytes: UInt64 = 0) {
        state.withLock { $0.chunks += chunks; $0.rows += rows; $0.bytes += bytes }
    }
    var value: (chunks: Int, rows: UInt64, bytes: UInt64) { state.withLock { $0 } }
}

struct ChunkKey: Hashable, Sendable {
    var objectID: UInt32
    var chunkID: UInt32
}

/// One chunk on its way to a loader: streamed through a channel when a loader was free when it
/// started, spilled to a temporary file otherwise.
final class PendingChunk: Sendable {
    let objectID: UInt32
    let chunkID: UInt32
    private let channel: ChunkChannel?
    private let spill: SpilledChunk?
    private let rows = Mutex<UInt64?>(nil)

    private init(key: ChunkKey, channel: ChunkChannel?, spill: SpilledChunk?) {
        self.objectID = key.objectID
        self.chunkID = key.chunkID
        self.channel = channel
        self.spill = spill
    }

    static func make(key: ChunkKey, loaderFree: Bool, spillThread: ConnectionThread) throws -> PendingChunk {
        loaderFree
            ? PendingChunk(key: key, channel: ChunkChannel(capacity: 4), spill: nil)
            : PendingChunk(key: key, channel: nil, spill: try SpilledChunk(thread: spillThread))
    }

    var isStreaming: Bool { channel != nil }
    var source: any ChunkSource { channel ?? spill! }

    func append(_ payload: [UInt8]) async throws {
        if let channel { try await channel.send(payload) } else { try await spill!.append(payload) }
    }

    /// The chunk's end frame was verified with `rows` rows.
    func end(rows: UInt64) {
        self.rows.withLock { $0 = rows }
        channel?.finish()
    }

    func expectedRows() -> UInt64 { rows.withLock { $0 ?? 0 } }

    func abandon(_ error: any Error) { channel?.fail(error) }
}

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

/// Which objects and chunks of the archive a restore applies, given its options.
struct RestoreSelection: Sendable {
    let preData: [ArchiveObject]
    let postData: [ArchiveObject]
    let chunksPerObject: [UInt32: Int]
    private let dataIDs: Set<UInt32>
    private let names: [UInt32: String]

    init(manifest: ArchiveManifest, options: RestoreOptions) {
        func selected(_ table: ArchiveTable) -> Bool {
            options.includeTables.isEmpty
                || options.includeTables.contains { $0 == table.name || $0 == table.qualifiedName }
        }
        let tableIDs = Set(manifest.tables.map(\.id))
        let unwanted = Set(manifest.tables.filter { !selected($0) }.map(\.id))
        func keep(_ object: ArchiveObject) -> Bool {
            if unwanted.contains(object.id) { return false }
            return !object.dependencies.contains { tableIDs.contains($0) && unwanted.contains($0) }
        }
        let objects = options.dataOnly ? [] : manifest.objects.filter(keep)
        preData = objects.filter { $0.section == .preData }
        postData = objects.filter { $0.section == .postData || $0.section == .data }
        var data = options.schemaOnly ? Set<UInt32>() : Set(manifest.tables.filter(selected).map(\.id))
        if !options.schemaOnly && options.includeTables.isEmpty { data.formUnion(manifest.blobs.map(\.id)) }
        dataIDs = data
        var chunks: [UInt32: Int] = [:]
        for table in manifest.tables where data.contains(table.id) { chunks[table.id] = table.chunks ?? 1 }
        for blob in manifest.blobs where data.contains(blob.id) { chunks[blob.id] = blob.chunks ?? 1 }
        chunksPerObject = chunks
        names = Dictionary(
            manifest.tables.map { ($0.id, $0.qualifiedName) } + manifest.blobs.map { ($0.id, $0.name) },
            uniquingKeysWith: { first, _ in first })
    }

    func loadsData(of objectID: UInt32) -> Bool { dataIDs.contains(objectID) }
    func name(of objectID: UInt32) -> String { names[objectID] ?? "object \(objectID)" }
}

/// Remembers how far a restore got, so that its failure says so.
final class RestoreProgressLog: Sendable {
    private let state = Mutex((steps: [String](), chunks: 0, lastChunk: "", objects: 0))

    func note(_ step: String) { state.withLock { $0.steps.append(step) } }

    func objectApplied() { state.withLock { $0.objects += 1 } }

    func chunkLoaded(_ table: String, _ chunk: UInt32) {
        state.withLock { state in
            state.chunks += 1
            state.lastChunk = "\(table)#\(chunk)"
        }
    }

    func describeFailure(_ error: any Error) -> PoolKitError {
        let (steps, chunks, last, objects) = state.withLock { ($0.steps, $0.chunks, $0.lastChunk, $0.objects) }
        let base = error as? PoolKitError ?? PoolKitError.wrap(error, as: .io, "restore failed")
        var failure = base
        guard !steps.isEmpty || chunks > 0 || objects > 0 else {
            failure.message = "restore failed before anything was restored: \(base.message)"
            return failure
        }
        var progress = steps.isEmpty ? "\(objects) objects created" : steps.joined(separator: "; ")
        if chunks > 0, !steps.contains(where: { $0.hasPrefix("data:") }) {
            progress += "; \(chunks) data chunks were committed (last: \(last)) before the failure"
        }
        failure.message = "restore failed: \(base.message) — progress: \(progress). The target is partly restored: run again with --clean"
        return failure
    }
}
