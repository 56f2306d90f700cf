/// A frame its producer has compressed and checksummed, waiting for the ``ArchiveWriter`` to
/// give it a stream sequence number. `bytes` starts with 40 bytes of room for the frame header,
/// so header and payload go to the sink in one write.
package struct EncodedFrame: Sendable {
    package var bytes: [UInt8]
    package let kind: FrameKind
    package let compression: FrameCompression
    package let objectID: UInt32
    package let chunkID: UInt32
    package let chunkSequence: UInt32
    package let uncompressedLength: UInt32
    package let payloadCRC: UInt32
    /// For a chunk-end frame, what it says (the writer keeps the totals for the trailer).
    package let chunkEnd: ChunkEndPayload?

    package var storedLength: Int { bytes.count - ArchiveFormat.frameHeaderSize }
}

/// A producer's reusable compression context: it turns payloads into ``EncodedFrame``s
/// (compressing them with zstd, computing their CRC-32C) on the producer's own task, so
/// several producers compress in parallel while one writer only writes.
///
/// One encoder per producer (worker, connection); it is not thread-safe. Pass it to every
/// ``ArchiveChunkWriter`` that producer opens, to reuse its zstd context and scratch buffer.
public final class ArchiveFrameEncoder {
    /// The compression this encoder applies to data and manifest frames.
    public let compression: ArchiveCompression
    private let compressor: ZstdCompressor?
    private var scratch: [UInt8] = []

    /// An encoder for `compression`. Throws `.invalidOption` for an unsupported zstd level.
    public init(compression: ArchiveCompression = .default) throws {
        try compression.validate()
        self.compression = compression
        switch compression {
        case .none: compressor = nil
        case .zstd(let level): compressor = ZstdCompressor(level: level)
        }
    }

    /// Encodes `payload` as a frame of `kind`. Data and manifest payloads are compressed when
    /// that makes them smaller; chunk-end and trailer payloads never are.
    package func encode(
        _ kind: FrameKind, objectID: UInt32, chunkID: UInt32, chunkSequence: UInt32,
        payload: UnsafeRawBufferPointer, chunkEnd: ChunkEndPayload? = nil
    ) throws -> EncodedFrame {
        precondition(payload.count <= ArchiveFormat.maxPayloadLength, "frame payload above the format limit")
        let headerSize = ArchiveFormat.frameHeaderSize
        let compressible = kind == .manifest || kind == .tableData || kind == .blobData
        var compressedLength = -1
        if compressible, let compressor, payload.count > 0 {
            let bound = ZstdCompressor.bound(payload.count)
            if scratch.count < bound { scratch = [UInt8](repeating: 0, count: bound) }
            compressedLength = try scratch.withUnsafeMutableBytes {
                try compressor.compress(payload, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<bound]))
            }
        }
        let compression: FrameCompression
        let bytes: [UInt8]
        if compressedLength >= 0 && compressedLength < payload.count {
            compression = .zstd
            bytes = scratch.withUnsafeBytes { compressed in
                EncodedFrame.frameBytes(UnsafeRawBufferPointer(rebasing: compressed[0..<compressedLength]))
            }
        } else {
            compression = .none
            bytes = EncodedFrame.frameBytes(payload)
        }
        let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[headerSize...])) }
        return EncodedFrame(
            bytes: bytes, kind: kind, compression: compression, objectID: objectID, chunkID: chunkID,
            chunkSequence: chunkSequence, uncompressedLength: UInt32(payload.count), payloadCRC: crc,
            chunkEnd: chunkEnd)
    }
}

extension EncodedFrame {
    /// 40 zero bytes of header room followed by `stored`.
    fileprivate static func frameBytes(_ stored: UnsafeRawBufferPointer) -> [UInt8] {
        let headerSize = ArchiveFormat.frameHeaderSize
        return [UInt8](unsafeUninitializedCapacity: headerSize + stored.count) { buffer, count in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.baseAddress!.initializeMemory(as: UInt8.self, repeating: 0, count: headerSize)
            if stored.count > 0 {
                UnsafeMutableRawBufferPointer(rebasing: raw[headerSize...]).copyMemory(from: stored)
            }
            count = headerSize + stored.count
        }
    }
}
