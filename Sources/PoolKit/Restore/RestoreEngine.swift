import DequeModule
import Foundation
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
/// objects are created on the same workers once the objects they depend on exist — after the
/// data phase, or as soon as their tables' chunks are all loaded for those the session lets start
/// early (``RestoreSession/mayCreateDuringDataLoad(_:)``, e.g. indexes). Success is reported only after the archive's trailer was verified; a failure
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
        let reader = try await AsyncArchiveReader.open(source, decompressesData: false)
        if reader.manifest.driver != driver.name, let staging = try CrossEnginePlan.staging(for: reader.manifest, registry: registry) {
            defer { staging.remove() }
            return try await restoreStaged(reader: reader, staging: staging, into: url, driver: driver, options: options, progress: progress)
        }
        return try await restore(reader: reader, into: url, driver: driver, options: options, progress: progress)
    }

    /// An archive that keeps a whole database (SQLite `pages`), for another engine: restored into
    /// the scratch database `staging` names, backed up from there as rows, and that archive
    /// restored into `url`. `progress` follows the last step.
    private func restoreStaged(
        reader: AsyncArchiveReader, staging: PortableStaging, into url: ConnectionURL, driver: any Driver, options: RestoreOptions,
        progress: TransferProgress
    ) async throws -> RestoreSummary {
        try CrossEnginePlan.checkOptions(options, manifest: reader.manifest, target: driver)
        logger.info(
            "staging the archive in a scratch database, to read it back as rows",
            metadata: ["strategy": "\(reader.manifest.strategy)", "directory": "\(staging.directory)"])
        var scratchOptions = RestoreOptions()
        scratchOptions.jobs = options.jobs
        scratchOptions.allowDamaged = options.allowDamaged
        let staged: AsyncArchiveReader
        do {
            _ = try await restore(
                reader: reader, into: staging.url, driver: try registry.driver(for: staging.url), options: scratchOptions,
                progress: TransferProgress())
            var backupOptions = BackupOptions()
            backupOptions.jobs = options.jobs
            _ = try await BackupEngine(registry: registry, logger: logger).backup(
                url: staging.url, to: try FileArchiveSink(path: staging.archivePath), strategy: staging.strategy, options: backupOptions)
            staged = try await AsyncArchiveReader.open(try FileArchiveSource(path: staging.archivePath), decompressesData: false)
        } catch {
            throw staging.explaining(error)
        }
        return try await restore(reader: staged, into: url, driver: driver, options: options, progress: progress)
    }

    private func restore(
        reader: AsyncArchiveReader, into url: ConnectionURL, driver: any Driver, options: RestoreOptions, progress: TransferProgress
    ) async throws -> RestoreSummary {
        let manifest: ArchiveManifest
        let strategy: any RestoreStrategy
        // An archive of another engine is loaded by the target's own strategy through a conversion
        // (docs/migrating.md); the rest of the restore reads the manifest the target wrote for it.
        var crossing: CrossEnginePlan?
        if reader.manifest.driver == driver.name {
            (manifest, strategy) = (reader.manifest, try driver.restoreStrategy(named: reader.manifest.strategy))
        } else {
            let prepared = try await CrossEnginePlan.prepare(
                manifest: reader.manifest, target: driver, registry: registry, options: options, logger: logger)
            (crossing, strategy, manifest) = (prepared.plan, prepared.strategy, prepared.plan.targetManifest)
        }
        // Into another engine, --table chose the tables already: the target's manifest has only those.
        var targetOptions = options
        if crossing != nil { targetOptions.includeTables = [] }
        let options = targetOptions
        let pool = try BackupEngine.makePool(
            url: url, registry: registry, connections: options.singleTransaction ? 1 : options.jobs + 1, name: "restore",
            logger: logger)
        let progressState = RestoreProgressLog()
        do {
            var summary = try await pool.withRunning {
                try await run(
                    reader: reader, manifest: manifest, driver: driver, pool: pool, strategy: strategy, options: options,
                    progress: progress, log: progressState)
            }
            summary.migration = crossing?.collector.report
            return summary
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
            // The pre-data section runs on the coordinator; with a session that allows it, alongside
            // the data load, each table's chunks starting once what they need exists (PreDataGate).
            let early =
                options.singleTransaction || selection.preData.isEmpty
                ? [] : Set(manifest.tables.filter { selection.loadsData(of: $0.id) && begun.mayLoadDuringPreData($0) }.map(\.id))
            // Alongside the load, each owner statement runs right after the object it owns (as in
            // pg_dump's own order), since a table's chunks wait for it (PreDataGate).
            let preData = early.isEmpty ? selection.preData : PreDataGate.ownersAfterTheirObjects(selection.preData)
            let gate = early.isEmpty ? nil : PreDataGate(preData: preData, eligible: early)
            let applyPreData: @Sendable () async throws -> Void = {
                for object in preData {
                    try await begun.apply(object, on: coordinator)
                    progress.objectDone()
                    log.objectApplied()
                    gate?.objectApplied()
                }
                if !preData.isEmpty { log.note("pre-data: \(preData.count) objects created") }
            }
            if gate == nil { try await applyPreData() }
            let maxLoaders = options.singleTransaction ? 1 : max(1, min(options.jobs, begun.maxParallelLoads ?? options.jobs))
            let objectWorkers =
                options.singleTransaction ? 1 : max(1, min(options.jobs, begun.maxParallelObjects ?? options.jobs))
            let workerSet = RestoreWorkers(
                session: begun, pool: pool, driver: driver, strategy: strategy.name,
                onlyConnection: options.singleTransaction ? coordinator : nil)
            workers = workerSet
            // A single-transaction restore runs every step on one connection: nothing to overlap.
            let schedule = PostDataSchedule(
                objects: selection.postData, tableIDs: selection.tableIDs, loadingTables: selection.loadedObjects,
                plannedChunks: selection.plannedChunks,
                serial: objectWorkers == 1, mayStartEarly: { !options.singleTransaction && begun.mayCreateDuringDataLoad($0) })
            if gate == nil { progress.setPhase(.data) }
            let loaded = try await loadDataAndPostData(
                reader: reader, selection: selection, schedule: schedule, session: begun, workers: workerSet,
                maxLoaders: maxLoaders, maxObjects: objectWorkers,
                preData: gate.map { gate in (gate, applyPreData) }, progress: progress, log: log)
            progress.setPhase(.finishing)
            try await workerSet.finishAll()
            try await begun.finish(on: coordinator)
            await pool.release(coordinatorLease)
            progress.setPhase(.done)
            return RestoreSummary(
                manifest: manifest, objects: selection.preData.count + selection.postData.count, chunks: loaded.chunks,
                rows: loaded.rows, bytes: loaded.bytes, elapsed: progress.snapshot().elapsed, warnings: begun.warnings,
                deadlockRetries: begun.deadlockRetries)
        } catch {
            await workers?.releaseAll(after: error)
            if let session {
                await session.value.abort(on: session.coordinator)
            }
            await pool.release(coordinatorLease, after: error)
            throw error
        }
    }

    /// Reads every record, feeding the chunks to the workers, and creates the post-data objects on
    /// the same workers, each as soon as `schedule` lets it start — an index, say, once its table's
    /// chunks are in while other tables still load. With `preData`, its objects are created
    /// meanwhile on the coordinator, and a chunk starts only once its gate lets it. Returns once the
    /// trailer is verified, every chunk has loaded and every object exists.
    private func loadDataAndPostData<Session: RestoreSession>(
        reader: AsyncArchiveReader, selection: RestoreSelection, schedule: PostDataSchedule, session: Session,
        workers: RestoreWorkers<Session>, maxLoaders: Int, maxObjects: Int,
        preData: (gate: PreDataGate, apply: @Sendable () async throws -> Void)?, progress: TransferProgress,
        log: RestoreProgressLog
    ) async throws -> (chunks: Int, rows: UInt64, bytes: UInt64) {
        let spillThread = ConnectionThread(name: "poolkit-restore-spill")
        defer { spillThread.stop() }
        let totals = LoadTotals()
        let dispatch = WorkDispatch(schedule: schedule, maxLoaders: maxLoaders, maxObjects: maxObjects, preDataDone: preData == nil) {
            let loaded = totals.value
            log.note("data: \(loaded.chunks) chunks, \(loaded.rows) rows loaded and verified; the archive's trailer is verified")
            progress.advancePhase(to: .postData)
        }
        let gate = preData?.gate

        /// Loads a chunk or creates an object on a prepared worker connection.
        @Sendable func perform(_ work: RestoreWork, job: Int) async throws {
            let worker = try await workers.checkOut()
            defer { workers.checkIn(worker) }
            let label: String
            switch work {
            case .chunk(let chunk): label = "\(selection.name(of: chunk.objectID))#\(chunk.chunkID)"
            case .object(let object): label = object.name
            }
            // A timeline of the restore at debug level (POOLKIT_LOG_LEVEL=debug): where its time goes.
            let started = ContinuousClock.now
            defer {
                if logger.logLevel <= .debug {
                    let step: String
                    switch work {
                    case .chunk(let chunk): step = "chunk \(label)\(chunk.isStreaming ? "" : " (spilled)")"
                    case .object(let object): step = "\(object.kind) \(label)"
                    }
                    let seconds = { (duration: Duration) in
                        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
                    }
                    logger.debug(
                        "restore step done",
                        metadata: [
                            "job": "\(job)", "step": "\(step)",
                            "start": "\(String(format: "%.3f", seconds(started - log.started)))",
                            "seconds": "\(String(format: "%.3f", seconds(ContinuousClock.now - started)))",
                        ])
                }
            }
            switch work {
            case .chunk(let chunk):
                progress.chunkStarted(job: job, label: label)
                let rows = try await session.load(objectID: chunk.objectID, chunkID: chunk.chunkID, from: chunk.source, on: worker)
                let expected = chunk.expectedRows()
                guard rows == expected else {
                    throw PoolKitError(
                        .archiveCorrupt,
                        "chunk \(chunk.chunkID) of \(selection.name(of: chunk.objectID)) loaded \(rows) rows but the archive records \(expected)")
                }
                progress.chunkFinished(job: job, objectID: chunk.objectID, rows: rows)
                totals.add(chunks: 1, rows: rows)
                log.chunkLoaded(selection.name(of: chunk.objectID), chunk.chunkID)
            case .object(let object):
                progress.objectStarted(job: job, label: label)
                try await session.apply(object, on: worker)
                progress.objectFinished(job: job)
                log.objectApplied()
            }
        }

        /// Takes steps until everything is done or something failed.
        @Sendable func runWorker(job: Int) async throws {
            var done: RestoreWork?
            while let work = try await dispatch.next(after: done, job: job) {
                do {
                    try await perform(work, job: job)
                } catch {
                    // Recorded first, so that what the reader meets next (the chunk abandoned, its
                    // input cut) is never taken for the cause; then stop the reader from waiting on
                    // this chunk, and everyone from going on for nothing.
                    dispatch.fail(error)
                    gate?.fail(error)
                    if case .chunk(let chunk) = work { chunk.abandon(error) }
                    throw error
                }
                done = work
            }
        }

        // The first failure is the one reported, whichever task throws last.
        do {
            try await runAll()
        } catch {
            throw dispatch.firstFailure ?? error
        }
        return totals.value

        func runAll() async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for job in 1...dispatch.workerCount {
                    group.addTask { try await runWorker(job: job) }
                }
                if let preData {
                    group.addTask {
                        do {
                            try await preData.apply()
                        } catch {
                            dispatch.fail(error)
                            preData.gate.fail(error)
                            throw error
                        }
                        progress.advancePhase(to: .data)
                        dispatch.preDataFinished()
                    }
                }
                var open: [ChunkKey: PendingChunk] = [:]
                /// Streams the chunk to a worker if one may take it now, spills it otherwise.
                func begin(_ key: ChunkKey) throws -> PendingChunk {
                    let streaming = dispatch.claimLoader()
                    let chunk = try PendingChunk.make(
                        key: key, name: "chunk \(key.chunkID) of \(selection.name(of: key.objectID))", loaderFree: streaming,
                        spillThread: spillThread)
                    if streaming { dispatch.handOff(chunk) }
                    return chunk
                }
                do {
                    for try await record in reader {
                        try dispatch.checkFailure()
                        switch record {
                        case .tableData(let frame), .blobData(let frame):
                            guard selection.loadsData(of: frame.objectID) else { continue }
                            let key = ChunkKey(objectID: frame.objectID, chunkID: frame.chunkID)
                            let payload = StoredPayload(frame)
                            totals.add(bytes: UInt64(payload.length))
                            progress.addBytes(payload.length)
                            if open[key] == nil {
                                try await gate?.waitUntilLoadable(key.objectID)
                                open[key] = try begin(key)
                            }
                            try await open[key]!.append(payload)
                        case .chunkEnd(let end):
                            guard selection.loadsData(of: end.objectID) else { continue }
                            let key = ChunkKey(objectID: end.objectID, chunkID: end.chunkID)
                            // An empty chunk has no data frame before its end.
                            if open[key] == nil { try await gate?.waitUntilLoadable(key.objectID) }
                            let chunk = try open.removeValue(forKey: key) ?? begin(key)
                            chunk.end(rows: end.rowCount, digest: end.digest)
                            if !chunk.isStreaming { dispatch.spilledChunkReady(chunk) }
                        }
                    }
                    dispatch.readerFinished()
                } catch {
                    for chunk in open.values { chunk.abandon(error) }
                    dispatch.fail(error)
                    gate?.fail(error)
                    throw error
                }
                // The first failure ends the restore at once: leaving the group cancels the other workers.
                while try await group.next() != nil {}
            }
        }
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
    /// Statements run again after a deadlock (see ``RestoreSession/deadlockRetries``).
    public var deadlockRetries = 0
    /// What a restore from another engine's archive converted, refused and did not carry.
    public var migration: MigrationReport?
}
