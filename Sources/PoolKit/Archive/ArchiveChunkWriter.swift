/// Writes one chunk of a table (or of a blob) into an archive, for one producer.
///
/// It collects the producer's bytes into frames of ``ArchiveWriter/Configuration/frameSize``,
/// and for each full frame computes the chunk's running SHA-256, compresses and checksums it
/// on the calling task, and appends it to the ``ArchiveWriter`` (suspending while the writer's
/// queue is full). ``finish(rowCount:)`` writes the chunk-end frame with the row count and the
/// digest. Use it from one task at a time; it is not `Sendable`.
///
/// ```swift
/// let chunk = try writer.chunkWriter(table: 7, chunk: 0, encoder: workerEncoder)
/// try await chunk.write(copyBuffer)
/// try await chunk.finish(rowCount: 12_345)
/// ```
public final class ArchiveChunkWriter {
    /// The table or blob id.
    public let objectID: UInt32
    /// The chunk id.
    public let chunkID: UInt32
    /// Rows are counted by the producer; bytes and frames here.
    public private(set) var byteCount: UInt64 = 0

    private let writer: ArchiveWriter
    private let kind: FrameKind
    private let encoder: ArchiveFrameEncoder
    private let frameSize: Int
    private let hasher = SHA256Hasher()
    private var buffer: [UInt8]
    private var sequence: UInt32 = 0
    private var isFinished = false

    init(writer: ArchiveWriter, kind: FrameKind, objectID: UInt32, chunkID: UInt32, encoder: ArchiveFrameEncoder) throws {
        self.writer = writer
        self.kind = kind
        self.objectID = objectID
        self.chunkID = chunkID
        self.encoder = encoder
        self.frameSize = writer.configuration.frameSize
        self.buffer = []
        buffer.reserveCapacity(frameSize)
    }

    /// Adds `bytes` to the chunk; emits a frame each time a frame's worth has been collected.
    public func write(_ bytes: [UInt8]) async throws {
        try await write(bytes[...])
    }

    /// Adds `bytes` to the chunk; emits a frame each time a frame's worth has been collected.
    public func write(_ bytes: ArraySlice<UInt8>) async throws {
        guard !isFinished else { throw finishedError() }
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let take = min(frameSize - buffer.count, bytes.endIndex - start)
            buffer.append(contentsOf: bytes[start..<(start + take)])
            start += take
            if buffer.count == frameSize { try await emitFrame() }
        }
    }

    /// Ends the chunk: writes what is buffered and the chunk-end frame with `rowCount` (0 for a
    /// blob chunk), the chunk's length and its SHA-256. The chunk is complete in the archive
    /// only after this returns.
    public func finish(rowCount: UInt64 = 0) async throws {
        guard !isFinished else { throw finishedError() }
        if !buffer.isEmpty { try await emitFrame() }
        isFinished = true
        let end = ChunkEndPayload(rowCount: rowCount, byteCount: byteCount, frameCount: sequence, digest: hasher.finalize())
        let frame = try end.encoded().withUnsafeBytes {
            try encoder.encode(
                .chunkEnd, objectID: objectID, chunkID: chunkID, chunkSequence: sequence, payload: $0, chunkEnd: end)
        }
        try await writer.append(frame)
    }

    private func emitFrame() async throws {
        let frame = try buffer.withUnsafeBytes { payload in
            hasher.update(payload)
            return try encoder.encode(kind, objectID: objectID, chunkID: chunkID, chunkSequence: sequence, payload: payload)
        }
        byteCount += UInt64(buffer.count)
        sequence += 1
        buffer.removeAll(keepingCapacity: true)
        try await writer.append(frame)
    }

    private func finishedError() -> PoolKitError {
        PoolKitError(.usage, "chunk \(chunkID) of object \(objectID) is already finished")
    }
}
