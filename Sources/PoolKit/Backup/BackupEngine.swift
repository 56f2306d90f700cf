import Foundation
import Logging
import Synchronization

/// Takes a consistent backup of a database into one archive stream, with several pooled
/// connections dumping at once.
///
/// ```swift
/// let engine = BackupEngine(registry: DriverRegistry([SQLiteDriver()]))
/// let summary = try await engine.backup(
///     url: ConnectionURL("sqlite:///var/lib/app.db"), to: FileArchiveSink(path: "app.poolkit"))
/// print(summary.digest)
/// ```
///
/// The driver's strategy provides the snapshot, the catalog, the chunk plan and the dump of
/// each chunk; the engine leases the connections, joins them to the snapshot, schedules chunks
/// largest first, frames and compresses what they produce (on the dumping tasks, in parallel)
/// and writes the frames through one writer. Memory is bounded by frame size × (queue depth +
/// jobs), whatever the size of the database. On failure or cancellation the archive is
/// discarded (a file sink removes its temporary file) and the error is rethrown.
public struct BackupEngine: Sendable {
    public let registry: DriverRegistry
    public let logger: Logger
    /// Where each object the backup leaves out is logged, at warning level, once the plan is made
    /// (see ``ArchiveOmission``). Apart from ``logger`` (which the pool also uses, e.g. for its
    /// retries) so that a tool can show these while it hides the rest.
    public let omissionLogger: Logger

    public init(
        registry: DriverRegistry, logger: Logger = Logger(label: "poolkit.backup"),
        omissionLogger: Logger = Logger(label: "poolkit.backup.omitted")
    ) {
        self.registry = registry
        self.logger = logger
        self.omissionLogger = omissionLogger
    }

    /// Backs up `url` into `sink`.
    /// - Parameters:
    ///   - strategy: the driver's strategy name; nil = the driver's default.
    ///   - archive: compression, frame size and queue depth of the archive.
    ///   - progress: updated as the backup runs; sample it to show progress.
    public func backup(
        url: ConnectionURL,
        to sink: sending any ArchiveSink,
        strategy strategyName: String? = nil,
        options: BackupOptions = BackupOptions(),
        archive: ArchiveWriter.Configuration = ArchiveWriter.Configuration(),
        progress: TransferProgress = TransferProgress()
    ) async throws -> BackupSummary {
        try options.validate()
        try archive.validate()
        let driver = try registry.driver(for: url)
        let strategy = try driver.backupStrategy(named: strategyName ?? url.option("strategy"))
        // A backup only reads: a missing database is an error, never a new empty one.
        let url = try driver.sourceURL(for: url)
        if let output = sink.destinationPath {
            try OutputOverlap.check(output: output, databaseFiles: driver.localFiles(for: url))
        }
        let pool = try Self.makePool(url: url, registry: registry, connections: options.jobs + 1, name: "backup", logger: logger)
        let sinkBox = TransferBox(sink)
        do {
            return try await pool.withRunning {
                try await run(
                    pool: pool, driver: driver, strategy: strategy, options: options, archive: archive, sink: sinkBox,
                    progress: progress)
            }
        } catch {
            progress.setPhase(.failed)
            sinkBox.take()?.abort()
            throw error
        }
    }

    /// Opens every connection, begins the snapshot, joins the workers, plans, dumps and commits
    /// the archive. Generic over the strategy, so its session gets its own connection type.
    private func run<Strategy: BackupStrategy>(
        pool: ConnectionPool<DriverConnectionSource>, driver: any Driver, strategy: Strategy, options: BackupOptions,
        archive: ArchiveWriter.Configuration, sink: TransferBox<any ArchiveSink>, progress: TransferProgress
    ) async throws -> BackupSummary {
        // Every connection is opened before the snapshot begins, so none is opened while a lock
        // that keeps writers waiting is held.
        var leases: [PoolLease<any DatabaseConnection>] = []
        var session: Strategy.Session?
        do {
            for _ in 0...options.jobs { leases.append(try await pool.lease()) }
            let connections = try leases.map { try StrategyConnection<Strategy.Connection>.cast($0.connection, driver: driver, strategy: strategy.name) }
            let coordinator = connections[0]
            let workers = Array(connections.dropFirst())
            let begun = try await strategy.begin(on: coordinator, options: options)
            session = begun
            // Every worker joins the snapshot before any dump starts.
            for worker in workers { try await begun.join(worker) }
            try await begun.workersJoined()
            let plan = try await begun.plan()
            try report(plan.catalog.omitted, strict: options.strict)
            let catalog = plan.catalog
            // Largest tables first (the dump's longest jobs start first), each table's chunks
            // together, largest first: a restore that loads in the archive's order finishes one
            // table after the other, and each table's indexes can start while the next one loads.
            var tableBytes: [UInt32: Int64] = [:]
            for chunk in plan.chunks { tableBytes[chunk.objectID, default: 0] += chunk.estimatedBytes }
            let chunks = plan.chunks.enumerated().sorted { lhs, rhs in
                let (left, right) = (tableBytes[lhs.element.objectID]!, tableBytes[rhs.element.objectID]!)
                if left != right { return left > right }
                if lhs.element.objectID != rhs.element.objectID { return lhs.element.objectID < rhs.element.objectID }
                if lhs.element.estimatedBytes != rhs.element.estimatedBytes {
                    return lhs.element.estimatedBytes > rhs.element.estimatedBytes
                }
                return lhs.offset < rhs.offset
            }.map(\.element)
            let manifest = Self.manifest(
                catalog: catalog, chunks: chunks, driver: driver, strategy: strategy.name, options: options, archive: archive)
            guard let archiveSink = sink.take() else { throw PoolKitError(.usage, "the archive sink was already used") }
            let writer = try ArchiveWriter(sink: archiveSink, manifest: manifest, configuration: archive)
            progress.plan(
                objects: catalog.objects.count,
                chunksPerTable: Dictionary(grouping: chunks, by: \.objectID).mapValues(\.count),
                estimatedBytes: UInt64(max(0, chunks.reduce(0) { $0 + $1.estimatedBytes })))
            progress.setPhase(.data)
            logger.info(
                "backup started",
                metadata: [
                    "strategy": "\(strategy.name)", "jobs": "\(options.jobs)", "tables": "\(catalog.tables.count)",
                    "chunks": "\(chunks.count)",
                ])
            do {
                try await dumpChunks(chunks, catalog: catalog, session: begun, workers: workers, writer: writer, progress: progress)
                progress.setPhase(.finishing)
                let summary = try await writer.finish()
                await begun.end()
                for lease in leases { await pool.release(lease) }
                progress.setPhase(.done)
                return BackupSummary(manifest: manifest, archive: summary, elapsed: progress.snapshot().elapsed)
            } catch {
                await writer.abort()
                throw error
            }
        } catch {
            // Statements may still run on the workers: cancel them, end the snapshot, discard.
            for lease in leases.dropFirst() { lease.connection.cancelRunningStatement() }
            await session?.end()
            for lease in leases { await pool.release(lease, after: error) }
            throw error
        }
    }

    /// Logs what the plan leaves out; under `--strict` then refuses it before any archive byte is
    /// written (the error names the first ten, the log every one).
    private func report(_ omitted: [ArchiveOmission], strict: Bool) throws {
        guard !omitted.isEmpty else { return }
        for omission in omitted {
            omissionLogger.warning(
                "not carried: \(omission)",
                metadata: ["kind": "\(omission.kind)", "object": "\(omission.qualifiedName)"])
        }
        guard strict else { return }
        let shown = omitted.prefix(10).map(\.description).joined(separator: "; ")
        let more = omitted.count > 10 ? "; and \(omitted.count - 10) more" : ""
        throw PoolKitError(
            .notCarried,
            "--strict: the backup cannot carry \(omitted.count) object\(omitted.count == 1 ? "" : "s"): \(shown)\(more); no archive was written (without --strict the rest is backed up and the manifest lists these)")
    }

    /// Each worker takes the next chunk (largest first) until none is left. A worker has one
    /// chunk open at a time, so at most `jobs` chunks interleave in the archive.
    private func dumpChunks<Session: BackupSession>(
        _ chunks: [BackupChunk], catalog: BackupCatalog, session: Session, workers: [Session.Connection], writer: ArchiveWriter,
        progress: TransferProgress
    ) async throws {
        let queue = WorkQueue(chunks)
        let blobIDs = Set(catalog.blobs.map(\.id))
        let names = Dictionary(
            catalog.tables.map { ($0.id, $0.qualifiedName) } + catalog.blobs.map { ($0.id, $0.name) },
            uniquingKeysWith: { first, _ in first })
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (job, worker) in workers.enumerated() {
                group.addTask {
                    let encoder = try ArchiveFrameEncoder(compression: writer.configuration.compression)
                    while let chunk = queue.next() {
                        try Task.checkCancellation()
                        progress.chunkStarted(job: job, label: "\(names[chunk.objectID] ?? "#\(chunk.objectID)")#\(chunk.chunkID)")
                        let output =
                            blobIDs.contains(chunk.objectID)
                            ? try writer.chunkWriter(blob: chunk.objectID, chunk: chunk.chunkID, encoder: encoder)
                            : try writer.chunkWriter(table: chunk.objectID, chunk: chunk.chunkID, encoder: encoder)
                        let sink = ArchiveChunkSink(output: output, progress: progress)
                        let rows: UInt64
                        do {
                            rows = try await session.dump(chunk, on: worker, into: sink)
                        } catch {
                            let what = blobIDs.contains(chunk.objectID) ? "blob" : "table"
                            throw Self.naming(error, "\(what) \(names[chunk.objectID] ?? "#\(chunk.objectID)")")
                        }
                        try await output.finish(rowCount: rows)
                        progress.chunkFinished(job: job, objectID: chunk.objectID, rows: rows)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// `error` with the object whose dump failed named first, unless it is a cancellation (which
    /// another worker's failure causes) or names it already.
    static func naming(_ error: any Error, _ object: String) -> any Error {
        guard let error = error as? PoolKitError, error.code != .cancelled, !error.message.contains(object) else { return error }
        return PoolKitError(
            error.code, "backing up \(object): \(error.message)", engineCode: error.engineCode, underlying: error.underlying)
    }

    static func manifest(
        catalog: BackupCatalog, chunks: [BackupChunk], driver: any Driver, strategy: String, options: BackupOptions,
        archive: ArchiveWriter.Configuration
    ) -> ArchiveManifest {
        let chunkCounts = Dictionary(grouping: chunks, by: \.objectID).mapValues(\.count)
        var tables = catalog.tables
        for index in tables.indices { tables[index].chunks = chunkCounts[tables[index].id] ?? 0 }
        var blobs = catalog.blobs
        for index in blobs.indices { blobs[index].chunks = chunkCounts[blobs[index].id] ?? 0 }
        var recorded = catalog.properties
        recorded["jobs"] = "\(options.jobs)"
        recorded["compression"] = "\(archive.compression)"
        if !options.includeTables.isEmpty { recorded["table"] = options.includeTables.joined(separator: ",") }
        if !options.excludeTables.isEmpty { recorded["exclude-table"] = options.excludeTables.joined(separator: ",") }
        if options.schemaOnly { recorded["schema-only"] = "true" }
        if options.dataOnly { recorded["data-only"] = "true" }
        return ArchiveManifest(
            engine: catalog.engine, serverVersion: catalog.serverVersion, driver: driver.name, strategy: strategy,
            createdAt: Date(), toolVersion: "poolkit \(PoolKitVersion.current)", options: recorded, objects: catalog.objects,
            tables: tables, blobs: blobs, omitted: catalog.omitted)
    }

    static func makePool(
        url: ConnectionURL, registry: DriverRegistry, connections: Int, name: String, logger: Logger
    ) throws -> ConnectionPool<DriverConnectionSource> {
        var configuration = PoolConfiguration()
        configuration.name = name
        configuration.minConnections = 0
        configuration.maxConnections = connections
        configuration.maxConcurrentConnects = connections
        configuration.acquireTimeout = .seconds(60)
        configuration.failFast = true
        configuration.maxLifetime = nil  // a long dump must not lose its snapshot to recycling
        configuration.idleTimeout = nil
        configuration.healthCheckPeriod = nil
        // A failed or cancelled transfer shuts the pool down while workers may still wait on a
        // server that stopped answering (their cancel requests unanswered): their connections are
        // cut after this, so a Ctrl-C ends the command within seconds, not the pool's default 30.
        configuration.shutdownGracePeriod = .seconds(5)
        return try ConnectionPool(url: url, registry: registry, configuration: configuration.applying(url.poolOptions), logger: logger)
    }
}

/// Items handed out to concurrent workers, first come, first served.
final class WorkQueue<Item: Sendable>: Sendable {
    private let items: Mutex<ArraySlice<Item>>
    init(_ items: [Item]) { self.items = Mutex(items[...]) }
    func next() -> Item? { items.withLock { $0.popFirst() } }
}

/// What a finished backup reports.
public struct BackupSummary: Sendable {
    public var manifest: ArchiveManifest
    public var archive: ArchiveSummary
    /// Seconds from start to the archive's commit.
    public var elapsed: Double
}

/// Feeds a strategy's bytes into one archive chunk and counts them for progress.
final class ArchiveChunkSink: ChunkSink {
    private let output: ArchiveChunkWriter
    private let progress: TransferProgress

    init(output: ArchiveChunkWriter, progress: TransferProgress) {
        self.output = output
        self.progress = progress
    }

    func write(_ bytes: [UInt8]) async throws {
        try await output.write(bytes)
        progress.addBytes(bytes.count)
    }
}

/// The version written into archives and printed by `poolkit --version`.
public enum PoolKitVersion {
    public static let current = "0.1.0"
}
