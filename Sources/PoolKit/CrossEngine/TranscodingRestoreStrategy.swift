/// A target driver's own restore strategy, fed an archive of another engine: it is begun with the
/// manifest the target's ``PortableArchiveWriter`` wrote, and each chunk reaches it through a
/// ``TranscodingChunkSource``. Everything else (objects, workers, transactions) is the target
/// strategy's own.
struct TranscodingRestoreStrategy<Inner: RestoreStrategy>: RestoreStrategy {
    typealias Connection = Inner.Connection
    let inner: Inner
    let plan: CrossEnginePlan

    var name: String { inner.name }

    func begin(manifest: ArchiveManifest, on coordinator: Inner.Connection, options: RestoreOptions) async throws
        -> TranscodingRestoreSession<Inner.Session>
    {
        TranscodingRestoreSession(inner: try await inner.begin(manifest: manifest, on: coordinator, options: options), plan: plan)
    }
}

/// The target's restore session, with each chunk converted on its way in.
final class TranscodingRestoreSession<Inner: RestoreSession>: RestoreSession {
    typealias Connection = Inner.Connection
    private let inner: Inner
    private let plan: CrossEnginePlan

    init(inner: Inner, plan: CrossEnginePlan) {
        self.inner = inner
        self.plan = plan
    }

    func apply(_ object: ArchiveObject, on connection: Inner.Connection) async throws { try await inner.apply(object, on: connection) }
    var maxParallelLoads: Int? { inner.maxParallelLoads }
    var maxParallelObjects: Int? { inner.maxParallelObjects }
    func mayCreateDuringDataLoad(_ object: ArchiveObject) -> Bool { inner.mayCreateDuringDataLoad(object) }
    func prepareWorker(_ worker: Inner.Connection) async throws { try await inner.prepareWorker(worker) }
    func finishWorker(_ worker: Inner.Connection) async throws { try await inner.finishWorker(worker) }
    func finish(on coordinator: Inner.Connection) async throws { try await inner.finish(on: coordinator) }
    func abort(on coordinator: Inner.Connection) async { await inner.abort(on: coordinator) }
    var failureLeavesTargetUnchanged: Bool { inner.failureLeavesTargetUnchanged }
    var warnings: [String] { inner.warnings + plan.warnings }
    var deadlockRetries: Int { inner.deadlockRetries }

    /// Loads the chunk through the conversion; returns the rows read from the archive (written +
    /// skipped by `--on-bad-value skip-row`), which the engine checks against the chunk's end frame.
    func load(objectID: UInt32, chunkID: UInt32, from source: any ChunkSource, on worker: Inner.Connection) async throws -> UInt64 {
        guard let table = plan.tables[objectID], let sourceTable = plan.sourceManifest.table(id: objectID) else {
            throw PoolKitError(.archiveCorrupt, "the archive has data for table id \(objectID), which its manifest does not list")
        }
        let transcoding = TranscodingChunkSource(
            inner: source, decoder: try plan.reader.rowDecoder(for: sourceTable, in: plan.sourceManifest), writer: plan.writer, table: table,
            converter: plan.converter, policy: plan.options.onBadValue,
            chunkID: chunkID)
        let written = try await inner.load(objectID: objectID, chunkID: chunkID, from: transcoding, on: worker)
        let counts = transcoding.counts
        guard written == counts.rowsWritten else {
            throw PoolKitError(
                .statementFailed,
                "chunk \(chunkID) of \(table.sourceName): the target loaded \(written) rows but \(counts.rowsWritten) were converted for it")
        }
        plan.collector.add(table: plan.routing.reportID(objectID), counts)
        return counts.rowsWritten + counts.rowsSkipped
    }
}
