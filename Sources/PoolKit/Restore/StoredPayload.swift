/// One data frame of a chunk as the archive stores it, on its way from the restore's reader to a
/// loader. Decompression and the chunk's SHA-256 are left to the loader (``ChunkPayloadDecoder``),
/// so they run on the loaders in parallel rather than on the one reader thread, and a spilled
/// chunk takes its compressed size on disk.
struct StoredPayload: Sendable {
    var bytes: [UInt8]
    /// Set when `bytes` are zstd-compressed: the size they decompress to.
    var decompressedLength: Int?
    /// Where the frame is in the archive, for messages.
    var frameOffset: UInt64

    init(bytes: [UInt8], decompressedLength: Int?, frameOffset: UInt64) {
        self.bytes = bytes
        self.decompressedLength = decompressedLength
        self.frameOffset = frameOffset
    }

    init(_ frame: ArchiveDataFrame) {
        self.init(bytes: frame.payload, decompressedLength: frame.decompressedLength, frameOffset: frame.offset)
    }

    /// The payload's size once decompressed.
    var length: Int { decompressedLength ?? bytes.count }
}

/// Where a chunk's stored payloads come from: a channel from the reader, or a spill file.
protocol StoredPayloadSource: AnyObject, Sendable {
    /// The next payload, or nil after the chunk's last one.
    func next() async throws -> StoredPayload?
}
