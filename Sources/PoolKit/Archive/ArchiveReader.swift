import Foundation

/// Reads an archive sequentially from an ``ArchiveSource`` and checks everything on the way:
/// header, frame checksums, stream and chunk sequence numbers, decompressed lengths, every
/// chunk's row count, length and SHA-256, and the trailer's totals and archive digest.
///
/// The reader keeps one fixed-size read buffer and one frame in memory, never the archive.
/// It is synchronous and blocks on its source: run it on a thread of its own (as
/// ``ArchiveVerifier`` and ``AsyncArchiveReader`` do), not on Swift's cooperative pool.
/// It is not thread-safe.
///
/// ```swift
/// let reader = try ArchiveReader(source: FileArchiveSource(path: "shop.poolkit"))
/// while let record = try reader.next() {
///     switch record {
///     case .tableData(let frame): load(frame.payload, into: frame.objectID)
///     case .chunkEnd(let end): commit(end.objectID, end.chunkID)
///     case .blobData(let frame): append(frame.payload)
///     }
/// }
/// // next() returned nil: the trailer was verified; the archive is complete.
/// ```
///
/// Errors are ``PoolKitError``s with code `.archiveCorrupt`, `.archiveTruncated` or
/// `.archiveUnsupported` whose message names the frame, its byte offset and what was wrong.
public final class ArchiveReader {
    /// The archive's id.
    public let archiveID: UUID
    /// The id of the archive this one belongs to, if any.
    public let parentID: UUID?
    /// The format version the archive was written in.
    public let formatVersion: ArchiveFormatVersion
    /// The manifest (read and checked by the initializer).
    public let manifest: ArchiveManifest
    /// The verified trailer, once ``next()`` has returned nil.
    public private(set) var trailer: ArchiveTrailer?
    /// Bytes consumed from the source so far.
    public var offset: UInt64 { frames.offset }

    private struct ChunkKey: Hashable {
        var objectID: UInt32
        var chunkID: UInt32
    }

    private struct OpenChunk {
        var frames: UInt32 = 0
        var bytes: UInt64 = 0
        let hasher = SHA256Hasher()
    }

    private let frames: ArchiveFrameReader
    /// False for a restore's reader: data payloads are handed on as stored, and each chunk's
    /// SHA-256 is checked by whoever decompresses it (``ChunkPayloadDecoder``).
    private let checksChunkDigests: Bool
    private var tableIDs = Set<UInt32>()
    private var blobIDs = Set<UInt32>()
    /// Planned chunk counts of tables and blobs that state one.
    private var plannedChunks: [UInt32: Int] = [:]
    private var openChunks: [ChunkKey: OpenChunk] = [:]
    private var endedChunks: [UInt32: Set<UInt32>] = [:]
    private var tableChunks: UInt64 = 0
    private var blobChunks: UInt64 = 0
    private var rows: UInt64 = 0
    private var dataBytes: UInt64 = 0

    /// Reads and checks the file header and the manifest. `bufferSize` (at least 64 KiB) is the
    /// size of the read buffer.
    public convenience init(source: any ArchiveSource, bufferSize: Int = 1 << 20) throws {
        try self.init(source: source, bufferSize: bufferSize, decompressesData: true)
    }

    /// With `decompressesData` false, data frames' zstd payloads come out as stored (with
    /// ``ArchiveDataFrame/decompressedLength`` set), and chunk ends are checked for frame count and
    /// length but not for the SHA-256 of the data, which the consumer must check as it decompresses.
    init(source: any ArchiveSource, bufferSize: Int = 1 << 20, decompressesData: Bool) throws {
        let frames = try ArchiveFrameReader(
            input: ArchiveInput(source: source, bufferSize: bufferSize), decompressesData: decompressesData)
        self.frames = frames
        self.checksChunkDigests = decompressesData
        self.archiveID = frames.header.archiveID
        self.parentID = frames.header.parentID
        self.formatVersion = frames.header.version
        self.manifest = try ArchiveReader.readManifest(frames)
        tableIDs = Set(manifest.tables.map(\.id))
        blobIDs = Set(manifest.blobs.map(\.id))
        for table in manifest.tables { plannedChunks[table.id] = table.chunks }
        for blob in manifest.blobs { plannedChunks[blob.id] = blob.chunks }
    }

    /// The next verified record, or nil after the trailer was verified and the stream was found
    /// to end right after it.
    public func next() throws -> ArchiveRecord? {
        while trailer == nil {
            let frame = try frames.readFrame()
            let header = frame.header
            switch FrameKind(rawValue: header.kind) {
            case .tableData, .blobData:
                return try dataRecord(frame)
            case .chunkEnd:
                return .chunkEnd(try chunkEnd(frame))
            case .trailer:
                try finish(frame)
                return nil
            case .manifest, nil:
                // A second manifest is rejected by the frame layer; the other kinds that get here
                // are skippable ones of a later 1.x version, checked there and ignored here.
                continue
            }
        }
        return nil
    }

    // MARK: - Header and manifest

    private static func readManifest(_ frames: ArchiveFrameReader) throws -> ArchiveManifest {
        guard let frame = try frames.readFrameOrEnd() else {
            throw PoolKitError(.archiveTruncated, "the archive is truncated: it ends after its file header, before the manifest")
        }
        let manifest: ArchiveManifest
        do {
            manifest = try ArchiveManifest.decodeJSON(frame.payload)
        } catch {
            throw PoolKitError(
                .archiveCorrupt, "the archive is corrupt: its manifest is not valid manifest JSON (\(error))", underlying: error)
        }
        if let problem = manifest.problem() {
            throw ArchiveFrameReader.corrupt(frame.offset, 0, "the manifest is inconsistent: \(problem)")
        }
        return manifest
    }

    // MARK: - Records

    private func dataRecord(_ frame: ArchiveFrameReader.Frame) throws -> ArchiveRecord {
        let header = frame.header
        let isBlob = header.kind == FrameKind.blobData.rawValue
        let key = try chunkKey(frame, isBlob: isBlob)
        var chunk = openChunks[key] ?? OpenChunk()
        guard header.chunkSequence == chunk.frames else {
            throw corrupt(
                frame.offset, header.streamSequence,
                "\(describe(key, isBlob: isBlob)): frame \(header.chunkSequence) arrived where frame \(chunk.frames) was due")
        }
        let length = UInt64(frame.decompressedLength ?? frame.payload.count)
        if checksChunkDigests { chunk.hasher.update(frame.payload) }
        chunk.frames += 1
        chunk.bytes += length
        openChunks[key] = chunk
        dataBytes += length
        let data = ArchiveDataFrame(
            objectID: header.objectID, chunkID: header.chunkID, chunkSequence: header.chunkSequence,
            offset: frame.offset, payload: frame.payload, decompressedLength: frame.decompressedLength)
        return isBlob ? .blobData(data) : .tableData(data)
    }

    private func chunkEnd(_ frame: ArchiveFrameReader.Frame) throws -> ArchiveChunkEnd {
        let header = frame.header
        let isBlob = blobIDs.contains(header.objectID)
        let key = try chunkKey(frame, isBlob: isBlob)
        let name = describe(key, isBlob: isBlob)
        guard let end = frame.payload.withUnsafeBytes({ ChunkEndPayload(decoding: $0) }) else {
            throw corrupt(frame.offset, header.streamSequence, "the chunk end of \(name) has non-zero reserved bytes")
        }
        let chunk = openChunks.removeValue(forKey: key) ?? OpenChunk()
        guard header.chunkSequence == chunk.frames, end.frameCount == chunk.frames else {
            throw corrupt(
                frame.offset, header.streamSequence,
                "the chunk end of \(name) counts \(end.frameCount) data frames, but \(chunk.frames) arrived: frames of the chunk are missing or extra")
        }
        guard end.byteCount == chunk.bytes else {
            throw corrupt(
                frame.offset, header.streamSequence,
                "the chunk end of \(name) says \(end.byteCount) bytes, but its frames hold \(chunk.bytes)")
        }
        if checksChunkDigests {
            let digest = chunk.hasher.finalize()
            guard digest == end.digest else {
                throw corrupt(frame.offset, header.streamSequence, ArchiveReader.alteredChunk(name, digest: digest, expected: end.digest))
            }
        }
        if isBlob && end.rowCount != 0 {
            throw corrupt(frame.offset, header.streamSequence, "the chunk end of \(name) claims \(end.rowCount) rows; a blob has none")
        }
        if let planned = plannedChunks[key.objectID], Int(key.chunkID) >= planned {
            throw corrupt(
                frame.offset, header.streamSequence, "\(name) is beyond the \(planned) chunks the manifest plans for it")
        }
        endedChunks[key.objectID, default: []].insert(key.chunkID)
        if isBlob { blobChunks += 1 } else { tableChunks += 1 }
        rows += end.rowCount
        return ArchiveChunkEnd(
            objectID: key.objectID, chunkID: key.chunkID, isBlob: isBlob, rowCount: end.rowCount,
            byteCount: end.byteCount, frameCount: end.frameCount, digest: end.digest)
    }

    /// The chunk a data or chunk-end frame belongs to, after checking that its table or blob
    /// exists and that the chunk has not ended.
    private func chunkKey(_ frame: ArchiveFrameReader.Frame, isBlob: Bool) throws -> ChunkKey {
        let header = frame.header
        let key = ChunkKey(objectID: header.objectID, chunkID: header.chunkID)
        let known = isBlob ? blobIDs.contains(header.objectID) : tableIDs.contains(header.objectID)
        guard known else {
            throw corrupt(
                frame.offset, header.streamSequence,
                "the frame names \(isBlob ? "blob" : "table") id \(header.objectID), which the manifest does not list")
        }
        if endedChunks[key.objectID]?.contains(key.chunkID) == true {
            throw corrupt(
                frame.offset, header.streamSequence, "\(describe(key, isBlob: isBlob)) already ended; a frame of it came again")
        }
        return key
    }

    private func finish(_ frame: ArchiveFrameReader.Frame) throws {
        let digest = frames.archiveDigest()
        let header = frame.header
        let trailer = frame.payload.withUnsafeBytes { ArchiveTrailer(decoding: $0) }
        func fail(_ message: String) -> PoolKitError { corrupt(frame.offset, header.streamSequence, message) }
        if let open = openChunks.keys.min(by: { ($0.objectID, $0.chunkID) < ($1.objectID, $1.chunkID) }) {
            throw fail("\(describe(open, isBlob: blobIDs.contains(open.objectID))) has no chunk end before the trailer")
        }
        for table in manifest.tables {
            if let planned = table.chunks, endedChunks[table.id]?.count ?? 0 != planned {
                throw fail(
                    "table \(table.id) ('\(table.qualifiedName)') has \(endedChunks[table.id]?.count ?? 0) of its \(planned) planned chunks")
            }
        }
        for blob in manifest.blobs {
            if let planned = blob.chunks, endedChunks[blob.id]?.count ?? 0 != planned {
                throw fail("blob \(blob.id) ('\(blob.name)') has \(endedChunks[blob.id]?.count ?? 0) of its \(planned) planned chunks")
            }
        }
        let expected = ArchiveTrailer(
            frameCount: header.streamSequence, tableChunks: tableChunks, blobChunks: blobChunks, rows: rows,
            dataBytes: dataBytes, archiveLength: frame.offset, digest: digest)
        guard trailer == expected else {
            let mismatch =
                trailer.digest != digest
                ? "archive digest \(trailer.digest) but the bytes before it hash to \(digest)"
                : "totals (frames \(trailer.frameCount), table chunks \(trailer.tableChunks), blob chunks \(trailer.blobChunks), rows \(trailer.rows), bytes \(trailer.dataBytes), length \(trailer.archiveLength)) that differ from the archive's (\(expected.frameCount), \(expected.tableChunks), \(expected.blobChunks), \(expected.rows), \(expected.dataBytes), \(expected.archiveLength))"
            throw fail("the trailer states \(mismatch)")
        }
        let trailerEnd = frames.offset
        let extra = try frames.drain()
        if extra > 0 {
            throw PoolKitError(
                .archiveCorrupt,
                "the archive is corrupt: \(extra) bytes follow its trailer (from byte \(trailerEnd)); was something appended, or two archives concatenated?")
        }
        self.trailer = trailer
    }

    /// What a chunk whose data does not hash to its chunk end's SHA-256 is reported as.
    static func alteredChunk(_ name: String, digest: SHA256Digest, expected: SHA256Digest) -> String {
        "the SHA-256 of \(name) is \(digest), but its chunk end says \(expected): its data was altered"
    }

    private func corrupt(_ frameOffset: UInt64, _ sequence: UInt64, _ message: String) -> PoolKitError {
        ArchiveFrameReader.corrupt(frameOffset, sequence, message)
    }

    private func describe(_ key: ChunkKey, isBlob: Bool) -> String {
        if isBlob {
            let name = manifest.blob(id: key.objectID).map { " ('\($0.name)')" } ?? ""
            return "chunk \(key.chunkID) of blob \(key.objectID)\(name)"
        }
        let name = manifest.table(id: key.objectID).map { " ('\($0.qualifiedName)')" } ?? ""
        return "chunk \(key.chunkID) of table \(key.objectID)\(name)"
    }

}
