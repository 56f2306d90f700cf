import Foundation

/// Constants and byte layouts of archive format 1.x (see docs/archive-format.md).
package enum ArchiveFormat {
    /// `\x89PKA\r\n\x1a\n`: catches non-archives and text-mode transfers.
    static let magic: [UInt8] = [0x89, 0x50, 0x4B, 0x41, 0x0D, 0x0A, 0x1A, 0x0A]
    /// The version this code writes and the newest it reads.
    static let version = ArchiveFormatVersion(major: 1, minor: 1)
    static let fileHeaderSize = 56
    static let frameHeaderSize = 40
    /// The largest uncompressed payload of any frame (256 MiB).
    static let maxPayloadLength = 1 << 28
    /// Limits of ``ArchiveWriter/Configuration/frameSize``.
    static let frameSizeRange = (4 << 10)...(64 << 20)
    static let chunkEndPayloadSize = 56
    static let trailerPayloadSize = 80
}

/// The kind byte of a frame.
package enum FrameKind: UInt8, Sendable {
    case manifest = 0x01
    case tableData = 0x02
    case blobData = 0x03
    case chunkEnd = 0x04
    case trailer = 0x05

    /// Kinds a 1.x reader checks and then skips when it does not know them.
    static func isSkippable(_ raw: UInt8) -> Bool { raw >= 0x80 }
}

/// The compression byte of a frame.
package enum FrameCompression: UInt8, Sendable {
    case none = 0
    case zstd = 1
}

/// The archive's format version: a reader reads every minor version of the major versions it knows.
public struct ArchiveFormatVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Changes when an older reader could misread the archive.
    public var major: UInt16
    /// Changes for additions an older reader may ignore.
    public var minor: UInt16

    /// A version `major.minor`.
    public init(major: UInt16, minor: UInt16) {
        self.major = major
        self.minor = minor
    }

    /// `major.minor`, e.g. `1.0`.
    public var description: String { "\(major).\(minor)" }

    /// Orders by major, then minor version.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
}

/// The 16 bytes of an archive id and the CRC-32C state after them, which every frame header
/// checksum starts from (that is what makes a frame from another archive fail its check).
package struct ArchiveIdentity: Sendable {
    let id: UUID
    let bytes: [UInt8]
    let crcSeed: CRC32C

    init(_ id: UUID) {
        self.id = id
        self.bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
        var crc = CRC32C()
        crc.update(bytes)
        self.crcSeed = crc
    }

    /// The UUID stored in 16 bytes, or nil for all zeros (no parent).
    static func uuid(_ bytes: UnsafeRawBufferPointer) -> UUID? {
        if bytes.allSatisfy({ $0 == 0 }) { return nil }
        return UUID(uuid: bytes.loadUnaligned(as: uuid_t.self))
    }
}

/// The 56-byte file header.
package struct FileHeader: Sendable {
    var version: ArchiveFormatVersion
    var archiveID: UUID
    var parentID: UUID?

    func encoded() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: ArchiveFormat.fileHeaderSize)
        bytes.withUnsafeMutableBytes { raw in
            ArchiveFormat.magic.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: raw[0..<8]).copyMemory(from: $0) }
            raw.storeLE(version.major, at: 8)
            raw.storeLE(version.minor, at: 10)
            raw.storeLE(UInt32(0), at: 12)
            withUnsafeBytes(of: archiveID.uuid) { UnsafeMutableRawBufferPointer(rebasing: raw[16..<32]).copyMemory(from: $0) }
            if let parentID {
                withUnsafeBytes(of: parentID.uuid) { UnsafeMutableRawBufferPointer(rebasing: raw[32..<48]).copyMemory(from: $0) }
            }
            raw.storeLE(UInt32(0), at: 48)
            raw.storeLE(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<52])), at: 52)
        }
        return bytes
    }
}

/// The 40-byte header in front of every frame's payload.
package struct FrameHeader: Sendable, Equatable {
    var kind: UInt8
    var compression: UInt8
    var flags: UInt16 = 0
    var objectID: UInt32
    var chunkID: UInt32
    var chunkSequence: UInt32
    var streamSequence: UInt64
    var uncompressedLength: UInt32
    var storedLength: UInt32
    var payloadCRC: UInt32
    var headerCRC: UInt32 = 0

    /// Writes the header into the first 40 bytes of `raw`, with its header CRC for `identity`.
    func store(into raw: UnsafeMutableRawBufferPointer, identity: ArchiveIdentity) {
        raw.storeLE(kind, at: 0)
        raw.storeLE(compression, at: 1)
        raw.storeLE(flags, at: 2)
        raw.storeLE(objectID, at: 4)
        raw.storeLE(chunkID, at: 8)
        raw.storeLE(chunkSequence, at: 12)
        raw.storeLE(streamSequence, at: 16)
        raw.storeLE(uncompressedLength, at: 24)
        raw.storeLE(storedLength, at: 28)
        raw.storeLE(payloadCRC, at: 32)
        let crc = FrameHeader.headerCRC(UnsafeRawBufferPointer(raw), identity: identity)
        raw.storeLE(crc, at: 36)
    }

    /// Reads the fields of a 40-byte header (without checking anything).
    init(loading raw: UnsafeRawBufferPointer) {
        kind = raw.loadLE(at: 0)
        compression = raw.loadLE(at: 1)
        flags = raw.loadLE(at: 2)
        objectID = raw.loadLE(at: 4)
        chunkID = raw.loadLE(at: 8)
        chunkSequence = raw.loadLE(at: 12)
        streamSequence = raw.loadLE(at: 16)
        uncompressedLength = raw.loadLE(at: 24)
        storedLength = raw.loadLE(at: 28)
        payloadCRC = raw.loadLE(at: 32)
        headerCRC = raw.loadLE(at: 36)
    }

    init(
        kind: UInt8, compression: UInt8, objectID: UInt32, chunkID: UInt32, chunkSequence: UInt32,
        streamSequence: UInt64, uncompressedLength: UInt32, storedLength: UInt32, payloadCRC: UInt32
    ) {
        self.kind = kind
        self.compression = compression
        self.objectID = objectID
        self.chunkID = chunkID
        self.chunkSequence = chunkSequence
        self.streamSequence = streamSequence
        self.uncompressedLength = uncompressedLength
        self.storedLength = storedLength
        self.payloadCRC = payloadCRC
    }

    /// CRC-32C of the archive id followed by the first 36 bytes of the header in `raw`.
    static func headerCRC(_ raw: UnsafeRawBufferPointer, identity: ArchiveIdentity) -> UInt32 {
        var crc = identity.crcSeed
        crc.update(UnsafeRawBufferPointer(rebasing: raw[0..<36]))
        return crc.value
    }
}

/// The payload of a chunk-end frame.
package struct ChunkEndPayload: Sendable, Equatable {
    var rowCount: UInt64
    var byteCount: UInt64
    var frameCount: UInt32
    var digest: SHA256Digest

    func encoded() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: ArchiveFormat.chunkEndPayloadSize)
        bytes.withUnsafeMutableBytes { raw in
            raw.storeLE(rowCount, at: 0)
            raw.storeLE(byteCount, at: 8)
            raw.storeLE(frameCount, at: 16)
            raw.storeLE(UInt32(0), at: 20)
            digest.bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: raw[24..<56]).copyMemory(from: $0) }
        }
        return bytes
    }

    /// Nil if the reserved field is not zero (the length is checked by the caller).
    init?(decoding raw: UnsafeRawBufferPointer) {
        guard raw.count == ArchiveFormat.chunkEndPayloadSize, raw.loadLE(at: 20, as: UInt32.self) == 0 else { return nil }
        rowCount = raw.loadLE(at: 0)
        byteCount = raw.loadLE(at: 8)
        frameCount = raw.loadLE(at: 16)
        digest = SHA256Digest(bytes: Array(raw[24..<56]))!
    }

    init(rowCount: UInt64, byteCount: UInt64, frameCount: UInt32, digest: SHA256Digest) {
        self.rowCount = rowCount
        self.byteCount = byteCount
        self.frameCount = frameCount
        self.digest = digest
    }
}

/// What the trailer of an archive says: totals, and the SHA-256 of every byte before the trailer.
public struct ArchiveTrailer: Sendable, Hashable {
    /// Frames before the trailer, the manifest included.
    public var frameCount: UInt64
    /// Chunks of tables (chunk-end frames of tables).
    public var tableChunks: UInt64
    /// Chunks of blobs.
    public var blobChunks: UInt64
    /// Rows of all table chunks.
    public var rows: UInt64
    /// Uncompressed bytes of all table and blob data.
    public var dataBytes: UInt64
    /// Length of the archive before the trailer (the trailer frame's byte offset).
    public var archiveLength: UInt64
    /// SHA-256 of every byte before the trailer; `poolkit backup` and `poolkit verify` print it.
    public var digest: SHA256Digest

    /// Creates a trailer value.
    public init(
        frameCount: UInt64, tableChunks: UInt64, blobChunks: UInt64, rows: UInt64, dataBytes: UInt64,
        archiveLength: UInt64, digest: SHA256Digest
    ) {
        self.frameCount = frameCount
        self.tableChunks = tableChunks
        self.blobChunks = blobChunks
        self.rows = rows
        self.dataBytes = dataBytes
        self.archiveLength = archiveLength
        self.digest = digest
    }

    func encoded() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: ArchiveFormat.trailerPayloadSize)
        bytes.withUnsafeMutableBytes { raw in
            raw.storeLE(frameCount, at: 0)
            raw.storeLE(tableChunks, at: 8)
            raw.storeLE(blobChunks, at: 16)
            raw.storeLE(rows, at: 24)
            raw.storeLE(dataBytes, at: 32)
            raw.storeLE(archiveLength, at: 40)
            digest.bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: raw[48..<80]).copyMemory(from: $0) }
        }
        return bytes
    }

    init(decoding raw: UnsafeRawBufferPointer) {
        frameCount = raw.loadLE(at: 0)
        tableChunks = raw.loadLE(at: 8)
        blobChunks = raw.loadLE(at: 16)
        rows = raw.loadLE(at: 24)
        dataBytes = raw.loadLE(at: 32)
        archiveLength = raw.loadLE(at: 40)
        digest = SHA256Digest(bytes: Array(raw[48..<80]))!
    }
}

extension UnsafeMutableRawBufferPointer {
    /// Stores `value` little-endian at `offset` (no alignment needed).
    @inline(__always)
    func storeLE<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
    }
}

extension UnsafeRawBufferPointer {
    /// Loads a little-endian integer at `offset` (no alignment needed).
    @inline(__always)
    func loadLE<T: FixedWidthInteger>(at offset: Int, as type: T.Type = T.self) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
