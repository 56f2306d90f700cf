/// One thing an ``ArchiveReader`` hands out: a verified data frame or a verified chunk end.
public enum ArchiveRecord: Sendable {
    /// Rows of a table, in the table's encoding (``ArchiveTable/encoding``).
    case tableData(ArchiveDataFrame)
    /// Bytes of a blob (a whole-database payload).
    case blobData(ArchiveDataFrame)
    /// The end of a chunk, after its frame count, length and SHA-256 were checked.
    case chunkEnd(ArchiveChunkEnd)
}

/// The decompressed payload of one data frame, checked against its CRC.
///
/// The chunk it belongs to is proven complete and unaltered only when its
/// ``ArchiveRecord/chunkEnd(_:)`` arrives; a restore commits a chunk only then.
public struct ArchiveDataFrame: Sendable {
    /// The table or blob id.
    public var objectID: UInt32
    /// The chunk id.
    public var chunkID: UInt32
    /// The index of this frame within its chunk.
    public var chunkSequence: UInt32
    /// The byte offset of the frame in the archive.
    public var offset: UInt64
    /// The payload, decompressed.
    public var payload: [UInt8]
    /// Set only by a restore's reader, which hands zstd payloads on as stored: `payload` is then
    /// compressed, and decompresses to this many bytes.
    var decompressedLength: Int? = nil
}

/// A chunk's end: its totals, all verified against the chunk's data frames.
public struct ArchiveChunkEnd: Sendable, Hashable {
    /// The table or blob id.
    public var objectID: UInt32
    /// The chunk id.
    public var chunkID: UInt32
    /// Whether the chunk belongs to a blob rather than a table.
    public var isBlob: Bool
    /// Rows in the chunk (0 for a blob chunk).
    public var rowCount: UInt64
    /// Uncompressed bytes of the chunk's data.
    public var byteCount: UInt64
    /// Data frames of the chunk.
    public var frameCount: UInt32
    /// SHA-256 of the chunk's uncompressed data.
    public var digest: SHA256Digest
}
