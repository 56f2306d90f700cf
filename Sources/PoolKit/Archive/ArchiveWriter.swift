import Foundation
import Synchronization

/// Writes one archive to an ``ArchiveSink`` while many producers append frames at once.
///
/// Producers (one per dump connection) open an ``ArchiveChunkWriter`` per chunk; it buffers
/// their bytes into frames, compresses and checksums them on the producer's task, and appends
/// them here. The writer gives every frame the next stream sequence number, completes its
/// header, and hands it to a dedicated writer thread, which updates the archive's SHA-256 and
/// writes it — so blocking writes never run on Swift's cooperative pool. The queue to that thread
/// is bounded: ``ArchiveChunkWriter/write(_:)`` suspends while more than
/// ``Configuration/queueDepth`` frames wait to be written.
///
/// ```swift
/// let writer = try ArchiveWriter(sink: FileArchiveSink(path: "shop.poolkit"), manifest: manifest)
/// try await withThrowingTaskGroup(of: Void.self) { group in
///     for chunk in plan {
///         group.addTask {
///             let out = try writer.chunkWriter(table: chunk.table, chunk: chunk.id)
///             for try await buffer in dump(chunk) { try await out.write(buffer) }
///             try await out.finish(rowCount: rows)
///         }
///     }
///     try await group.waitForAll()
/// }
/// let summary = try await writer.finish()       // or `await writer.abort()` on failure
/// print(summary.trailer.digest)
/// ```
public final class ArchiveWriter: Sendable {
    /// How frames are made and queued.
    public struct Configuration: Sendable, Hashable {
        /// Compression of data and manifest frames.
        public var compression: ArchiveCompression
        /// Uncompressed bytes per data frame (4 KiB – 64 MiB; default 1 MiB). Frames of 256 KiB and
        /// more make framing, checksum and per-frame hops costs negligible.
        public var frameSize: Int
        /// Frames that may wait for the writer thread before producers are held back (default 8).
        /// Memory is about (`queueDepth` + producers) × `frameSize`.
        public var queueDepth: Int

        /// A configuration; the defaults suit a local disk or a pipe.
        public init(compression: ArchiveCompression = .default, frameSize: Int = 1 << 20, queueDepth: Int = 8) {
            self.compression = compression
            self.frameSize = frameSize
            self.queueDepth = queueDepth
        }

        /// Throws `.invalidOption` naming the value that is out of range.
        public func validate() throws {
            try compression.validate()
            let range = ArchiveFormat.frameSizeRange
            guard range.contains(frameSize) else {
                throw PoolKitError(
                    .invalidOption, "frame size \(frameSize) is out of range: use \(range.lowerBound >> 10) KiB to \(range.upperBound >> 20) MiB (1 MiB is a good default)")
            }
            guard queueDepth >= 1 else {
                throw PoolKitError(.invalidOption, "queue depth \(queueDepth) is too small: use 1 or more")
            }
        }
    }

    /// The new archive's id (stored in its header and in every frame header checksum).
    public let archiveID: UUID
    /// The manifest stored in the archive.
    public let manifest: ArchiveManifest
    /// How frames are made and queued.
    public let configuration: Configuration

    private let identity: ArchiveIdentity
    private let state: Mutex<ArchiveWriterState>
    private let core: ArchiveWriterCore
    private let thread: ConnectionThread

    /// Starts an archive on `sink`: validates the manifest and queues the file header and the
    /// manifest frame. Throws `.usage` for an invalid manifest and `.invalidOption` for an
    /// invalid configuration. Write errors surface from later calls.
    public init(
        sink: sending any ArchiveSink, manifest: ArchiveManifest, configuration: Configuration = Configuration(),
        archiveID: UUID = UUID(), parentID: UUID? = nil
    ) throws {
        try configuration.validate()
        if let problem = manifest.problem() {
            throw PoolKitError(.usage, "the archive manifest is invalid: \(problem)")
        }
        let json = try manifest.encodedJSON()
        guard json.count <= ArchiveFormat.maxPayloadLength else {
            throw PoolKitError(
                .unsupported, "the manifest is \(json.count >> 20) MiB of JSON, above the format's limit of \(ArchiveFormat.maxPayloadLength >> 20) MiB")
        }
        let identity = ArchiveIdentity(archiveID)
        var manifestFrame = try json.withUnsafeBytes {
            try ArchiveFrameEncoder(compression: configuration.compression)
                .encode(.manifest, objectID: 0, chunkID: 0, chunkSequence: 0, payload: $0)
        }
        ArchiveWriter.storeHeader(of: &manifestFrame, sequence: 0, identity: identity)
        let start = FileHeader(version: ArchiveFormat.version, archiveID: archiveID, parentID: parentID).encoded()

        self.archiveID = archiveID
        self.manifest = manifest
        self.configuration = configuration
        self.identity = identity
        self.state = Mutex(ArchiveWriterState(
            queueDepth: configuration.queueDepth, tableIDs: Set(manifest.tables.map(\.id)),
            blobIDs: Set(manifest.blobs.map(\.id))))
        self.core = ArchiveWriterCore(sink: sink)
        self.thread = ConnectionThread(name: "poolkit-archive-writer")
        let bytes = start + manifestFrame.bytes
        submit(bytes)
    }

    deinit {
        // Not finished: the sink is released with the core, and a FileArchiveSink removes its temporary file.
        thread.stop()
    }

    /// Opens the chunk `chunk` of the table with id `table` for one producer.
    ///
    /// Pass the producer's own `encoder` to reuse its compression context across chunks; by
    /// default a new one is made. The archive cannot finish until the chunk writer has finished.
    /// Throws `.usage` if the table is not in the manifest or the chunk was opened before.
    public func chunkWriter(table: UInt32, chunk: UInt32, encoder: ArchiveFrameEncoder? = nil) throws -> ArchiveChunkWriter {
        if let error = state.withLock({ $0.openChunk(objectID: table, chunkID: chunk, isBlob: false) }) { throw error }
        return try ArchiveChunkWriter(
            writer: self, kind: .tableData, objectID: table, chunkID: chunk,
            encoder: encoder ?? ArchiveFrameEncoder(compression: configuration.compression))
    }

    /// Opens the chunk `chunk` of the blob with id `blob` (a whole-database payload) for one producer.
    /// Throws `.usage` if the blob is not in the manifest or the chunk was opened before.
    public func chunkWriter(blob: UInt32, chunk: UInt32, encoder: ArchiveFrameEncoder? = nil) throws -> ArchiveChunkWriter {
        if let error = state.withLock({ $0.openChunk(objectID: blob, chunkID: chunk, isBlob: true) }) { throw error }
        return try ArchiveChunkWriter(
            writer: self, kind: .blobData, objectID: blob, chunkID: chunk,
            encoder: encoder ?? ArchiveFrameEncoder(compression: configuration.compression))
    }

    /// Appends a frame a producer encoded. Suspends while the queue to the writer thread is full.
    ///
    /// Frames of one chunk must be appended in order, each after the previous append returned.
    /// Throws the write error if writing has failed, `.usage` for a frame that does not continue
    /// its chunk, and `CancellationError` if the task is cancelled while waiting for space (the
    /// frame is queued all the same; a cancelled backup calls ``abort()``).
    package func append(_ frame: consuming EncodedFrame) async throws {
        let action = state.withLock { state -> ArchiveWriterState.AppendAction in
            let action = state.append(frame)
            if case .accept(let sequence, _) = action {
                // Submitting under the lock keeps the thread's job order equal to the sequence order.
                ArchiveWriter.storeHeader(of: &frame, sequence: sequence, identity: identity)
                submit(frame.bytes)
            }
            return action
        }
        switch action {
        case .reject(let error):
            throw error
        case .accept(_, mustWait: false):
            return
        case .accept(let sequence, mustWait: true):
            try await waitForSpace(sequence: sequence)
        }
    }

    /// Writes the trailer after every queued frame, commits the sink (for a file: `fsync` and
    /// rename into place) and returns the totals and the archive digest.
    ///
    /// Throws `.usage` if a chunk was opened but not finished, or the error that stopped writing;
    /// in both cases nothing is committed (call ``abort()`` to discard).
    public func finish() async throws -> ArchiveSummary {
        let plan = try state.withLock { $0.beginFinish() }.get()
        let core = self.core
        let identity = self.identity
        do {
            let trailer = try await thread.run { try core.writeTrailer(plan, identity: identity) }
            state.withLock { $0.finished() }
            thread.stop()
            return ArchiveSummary(
                archiveID: archiveID, trailer: trailer,
                totalBytes: trailer.archiveLength + UInt64(ArchiveFormat.frameHeaderSize + ArchiveFormat.trailerPayloadSize))
        } catch {
            let failure = PoolKitError.wrap(error, as: .io, "writing the archive trailer")
            state.withLock { $0.failed(failure) }.run()
            thread.stop()
            throw failure
        }
    }

    /// Gives up the archive: producers waiting for queue space get `CancellationError`, later
    /// appends fail, and the sink discards what was written (a temporary file is removed).
    /// Does nothing after a successful ``finish()``.
    public func abort() async {
        let finished = state.withLock { $0.isFinished }
        if finished { return }
        state.withLock { $0.failed(PoolKitError(.cancelled, "the backup was cancelled; the archive was discarded")) }.run()
        let core = self.core
        _ = try? await thread.run { core.abort() }
        thread.stop()
    }

    // MARK: - Internals

    private static func storeHeader(of frame: inout EncodedFrame, sequence: UInt64, identity: ArchiveIdentity) {
        let header = FrameHeader(
            kind: frame.kind.rawValue, compression: frame.compression.rawValue, objectID: frame.objectID,
            chunkID: frame.chunkID, chunkSequence: frame.chunkSequence, streamSequence: sequence,
            uncompressedLength: frame.uncompressedLength, storedLength: UInt32(frame.storedLength),
            payloadCRC: frame.payloadCRC)
        frame.bytes.withUnsafeMutableBytes { header.store(into: $0, identity: identity) }
    }

    /// Queues `bytes` for the writer thread; when written, frees a queue slot.
    private func submit(_ bytes: [UInt8]) {
        let core = self.core
        let accepted = thread.submit { [self] in
            let resumptions: ArchiveWriterState.Resumptions
            if let error = core.write(bytes) {
                resumptions = state.withLock { state in
                    var resumptions = state.failed(error)
                    resumptions.waiters += state.frameCompleted().waiters
                    return resumptions
                }
            } else {
                resumptions = state.withLock { $0.frameCompleted() }
            }
            resumptions.run()
        }
        if !accepted {
            state.withLock { $0.failed(PoolKitError(.io, "the archive writer thread has stopped")) }.run()
        }
    }

    private func waitForSpace(sequence: UInt64) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let action = state.withLock {
                    $0.wait(sequence: sequence, continuation: continuation, cancelled: Task.isCancelled)
                }
                switch action {
                case .wait: break
                case .resume: continuation.resume()
                case .fail(let error): continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            state.withLock { $0.cancelWait(sequence: sequence) }?.resume(throwing: CancellationError())
        }
    }
}

/// What ``ArchiveWriter/finish()`` reports.
public struct ArchiveSummary: Sendable, Hashable {
    /// The archive's id.
    public var archiveID: UUID
    /// The trailer as written: totals and the archive digest.
    public var trailer: ArchiveTrailer
    /// Length of the whole archive, trailer included.
    public var totalBytes: UInt64
}

/// The part of the writer that only the writer thread touches: the sink, the running archive
/// digest and the length so far.
final class ArchiveWriterCore: Sendable {
    private struct Storage {
        var sink: any ArchiveSink
        let hasher = SHA256Hasher()
        var length: UInt64 = 0
        var failure: PoolKitError?
        var isClosed = false
    }

    // Only the writer thread locks it, so the lock is never contended; it makes the class Sendable.
    private let storage: Mutex<Storage>

    init(sink: sending any ArchiveSink) {
        storage = Mutex(Storage(sink: sink))
    }

    /// Hashes and writes `bytes`; returns the error if writing fails (the sink is then aborted).
    func write(_ bytes: [UInt8]) -> PoolKitError? {
        storage.withLock { storage in
            if let failure = storage.failure { return failure }
            if storage.isClosed { return PoolKitError(.cancelled, "the archive was discarded") }
            do {
                try bytes.withUnsafeBytes { raw in
                    storage.hasher.update(raw)
                    try storage.sink.write(raw)
                }
                storage.length += UInt64(bytes.count)
                return nil
            } catch {
                let failure = PoolKitError.wrap(error, as: .io, "writing the archive")
                storage.failure = failure
                storage.isClosed = true
                storage.sink.abort()
                return failure
            }
        }
    }

    /// Writes the trailer frame and commits the sink.
    func writeTrailer(_ plan: ArchiveWriterState.TrailerPlan, identity: ArchiveIdentity) throws -> ArchiveTrailer {
        try storage.withLock { storage in
            if let failure = storage.failure { throw failure }
            if storage.isClosed { throw PoolKitError(.cancelled, "the archive was discarded") }
            let trailer = ArchiveTrailer(
                frameCount: plan.sequence, tableChunks: plan.tableChunks, blobChunks: plan.blobChunks,
                rows: plan.rows, dataBytes: plan.dataBytes, archiveLength: storage.length,
                digest: storage.hasher.finalize())
            let payload = trailer.encoded()
            var bytes = [UInt8](repeating: 0, count: ArchiveFormat.frameHeaderSize)
            bytes += payload
            let header = FrameHeader(
                kind: FrameKind.trailer.rawValue, compression: FrameCompression.none.rawValue, objectID: 0, chunkID: 0,
                chunkSequence: 0, streamSequence: plan.sequence, uncompressedLength: UInt32(payload.count),
                storedLength: UInt32(payload.count), payloadCRC: CRC32C.checksum(payload))
            bytes.withUnsafeMutableBytes { header.store(into: $0, identity: identity) }
            storage.isClosed = true
            do {
                try bytes.withUnsafeBytes { try storage.sink.write($0) }
                try storage.sink.commit()
            } catch {
                storage.sink.abort()
                let failure = PoolKitError.wrap(error, as: .io, "finishing the archive")
                storage.failure = failure
                throw failure
            }
            return trailer
        }
    }

    /// Discards the archive.
    func abort() {
        storage.withLock { storage in
            guard !storage.isClosed else { return }
            storage.isClosed = true
            storage.sink.abort()
        }
    }
}
