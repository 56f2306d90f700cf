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
        try options.validate()
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
                    reader: reader, manifest: manifest, driver: driver, pool: pool, strategy: strategy, options: options,
                    progress: progress, log: progressState)
            }
        } catch {
            progress.setPhase(.failed)
            throw progressState.describeFailure(error)
        }
    }

    /// Generic over the strategy, so its session gets its own connection type.
    private func run<Strategy: RestoreStrategy>(
        reader: AsyncArchiveReader, manifest: ArchiveManifest, driver: any Driver, pool: ConnectionPool<DriverConnectionSource>,
        strategy: Strategy, options: RestoreOptions, progress: TransferProgress, log: RestoreProgressLog
    ) async throws -> RestoreSummary {
        let selection = RestoreSelection(manifest: manifest, options: options)
        let coordinatorLease = try await pool.lease()
        var session: (value: Strategy.Session, coordinator: Strategy.Connection)?
        var workers: RestoreWorkers<Strategy.Session>?
        do {
            let coordinator = try StrategyConnection<Strategy.Connection>.cast(
                coordinatorLease.connection, driver: driver, strategy: strategy.name)
            let begun = try await strategy.begin(manifest: manifest, on: coordinator, options: options)
            session = (begun, coordinator)
            log.targetUnchangedOnFailure = begun.failureLeavesTargetUnchanged
            progress.plan(
                objects: selection.preData.count + selection.postData.count,
                chunksPerTable: selection.chunksPerObject,
                estimatedBytes: manifest.blobs.reduce(0) { $0 + ($1.size ?? 0) })
            progress.setPhase(.preData)
            for object in selection.preData {
                try await begun.apply(object, on: coordinator)
                progress.objectDone()
                log.objectApplied()
            }
            if !selection.preData.isEmpty { log.note("pre-data: \(selection.preData.count) objects created") }
            let maxLoaders = options.singleTransaction ? 1 : max(1, min(options.jobs, begun.maxParallelLoads ?? options.jobs))
            let objectWorkers =
                options.singleTransaction ? 1 : max(1, min(options.jobs, begun.maxParallelObjects ?? options.jobs))
            let workerSet = RestoreWorkers(
                session: begun, pool: pool, driver: driver, strategy: strategy.name,
                onlyConnection: options.singleTransaction ? coordinator : nil)
            workers = workerSet
            progress.setPhase(.data)
            let loaded = try await loadData(
                reader: reader, selection: selection, session: begun, workers: workerSet, maxLoaders: maxLoaders,
                progress: progress, log: log)
            log.note("data: \(loaded.chunks) chunks, \(loaded.rows) rows loaded and verified; the archive's trailer is verified")
            progress.setPhase(.postData)
            try await applyPostData(
                selection.postData, session: begun, workers: workerSet, count: objectWorkers, progress: progress, log: log)
            progress.setPhase(.finishing)
            try await workerSet.finishAll()
            try await begun.finish(on: coordinator)
            await pool.release(coordinatorLease)
            progress.setPhase(.done)
            return RestoreSummary(
                manifest: manifest, objects: selection.preData.count + selection.postData.count, chunks: loaded.chunks,
                rows: loaded.rows, bytes: loaded.bytes, elapsed: progress.snapshot().elapsed, warnings: begun.warnings)
        } catch {
            await workers?.releaseAll(after: error)
            if let session {
                await session.value.abort(on: session.coordinator)
            }
            await pool.release(coordinatorLease, after: error)
            throw error
        }
    }

    /// Creates the post-data objects in waves: every object whose dependencies (among these
    /// objects) exist is created in the same wave, on up to `count` workers at once.
    private func applyPostData<Session: RestoreSession>(
        _ objects: [ArchiveObject], session: Session, workers: RestoreWorkers<Session>, count: Int,
        progress: TransferProgress, log: RestoreProgressLog
    ) async throws {
        let pending = Set(objects.map(\.id))
        var created = Set<UInt32>()
        var remaining = objects
        while !remaining.isEmpty {
            let wave = count > 1 ? remaining.filter { object in
                object.dependencies.allSatisfy { !pending.contains($0) || created.contains($0) }
            } : remaining
            guard !wave.isEmpty else {
                throw PoolKitError(
                    .archiveCorrupt,
                    "the archive's post-data objects depend on each other in a cycle (\(remaining.map(\.name).joined(separator: ", ")))")
            }
            let queue = WorkQueue(wave)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<min(count, wave.count) {
                    group.addTask {
                        let worker = try await workers.checkOut()
                        defer { workers.checkIn(worker) }
                        while let object = queue.next() {
                            try await session.apply(object, on: worker)
                            progress.objectDone()
                            log.objectApplied()
                        }
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
    private func loadData<Session: RestoreSession>(
        reader: AsyncArchiveReader, selection: RestoreSelection, session: Session, workers: RestoreWorkers<Session>,
        maxLoaders: Int, progress: TransferProgress, log: RestoreProgressLog
    ) async throws -> (chunks: Int, rows: UInt64, bytes: UInt64) {
        let dispatch = LoadDispatch(maxLoaders: maxLoaders)
        let spillThread = ConnectionThread(name: "poolkit-restore-spill")
        defer { spillThread.stop() }
        let totals = LoadTotals()

        /// Loads `first`, then whatever spilled chunks are ready, on one worker.
        @Sendable func loader(first: PendingChunk, job: Int) async throws {
            var current = first
            do {
                let worker = try await workers.checkOut()
                defer { workers.checkIn(worker) }
                var next: PendingChunk? = first
                while let chunk = next {
                    current = chunk
                    progress.chunkStarted(job: job, label: "\(selection.name(of: chunk.objectID))#\(chunk.chunkID)")
                    let rows = try await session.load(
                        objectID: chunk.objectID, chunkID: chunk.chunkID, from: chunk.source, on: worker)
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
            } catch {
                // Stop the reader from waiting on this chunk, and from reading on for nothing.
                current.abandon(error)
                dispatch.fail(error)
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
    /// What the strategy wants the user to know about the restored data (see ``RestoreSession/warnings``).
    public var warnings: [String] = []
}
