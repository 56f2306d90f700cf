import Foundation

/// The frame layer of an ``ArchiveReader``: reads the file header and then one frame at a time,
/// checking everything a frame can prove on its own — header checksum (which includes the
/// archive id), stream sequence, lengths and limits, payload checksum, decompressed length —
/// and keeps the running SHA-256 of the archive for the trailer.
final class ArchiveFrameReader {
    struct Frame {
        var header: FrameHeader
        var offset: UInt64
        /// The payload: decompressed, unless ``decompressedLength`` is set.
        var payload: [UInt8]
        /// Set when `payload` is a data frame's zstd payload as stored, left for its consumer to
        /// decompress (see ``ArchiveFrameReader/init(input:decompressesData:)``).
        var decompressedLength: Int?
    }

    let header: FileHeader
    private let input: ArchiveInput
    private let identity: ArchiveIdentity
    private let archiveHasher = SHA256Hasher()
    private let decompressor = ZstdDecompressor()
    private var storedScratch: [UInt8] = []
    /// Whether compressed data frames are decompressed here, or handed on as stored.
    private let decompressesData: Bool
    /// The stream sequence number the next frame must have.
    private(set) var nextSequence: UInt64 = 0

    /// Reads and checks the file header. With `decompressesData` false, the zstd payloads of data
    /// frames are checked against their CRC and handed on as stored, for a consumer that
    /// decompresses them itself (a restore's loaders, in parallel); every other frame is
    /// decompressed here.
    init(input: ArchiveInput, decompressesData: Bool = true) throws {
        self.input = input
        self.decompressesData = decompressesData
        self.header = try ArchiveFrameReader.readFileHeader(input, hasher: archiveHasher)
        self.identity = ArchiveIdentity(header.archiveID)
    }

    /// Bytes consumed so far.
    var offset: UInt64 { input.offset }

    /// The SHA-256 of every byte before the trailer; call once, after reading the trailer frame.
    func archiveDigest() -> SHA256Digest { archiveHasher.finalize() }

    /// Consumes the rest of the stream and returns its length (0 if the stream has ended).
    func drain() throws -> UInt64 { try input.drain() }

    private static func readFileHeader(_ input: ArchiveInput, hasher: SHA256Hasher) throws -> FileHeader {
        let size = ArchiveFormat.fileHeaderSize
        let complete = try input.fill(size)
        let available = input.available
        let magicCount = min(available.count, ArchiveFormat.magic.count)
        if !available.prefix(magicCount).elementsEqual(ArchiveFormat.magic.prefix(magicCount)) {
            throw PoolKitError(
                .archiveCorrupt,
                "this is not a PoolKit archive (it does not start with the archive magic), or its first bytes were damaged, e.g. by a text-mode transfer")
        }
        guard complete else {
            if available.isEmpty { throw PoolKitError(.archiveTruncated, "the archive is empty (0 bytes)") }
            throw PoolKitError(
                .archiveTruncated, "the archive is truncated: it ends \(available.count) bytes into its \(size)-byte file header")
        }
        let raw = UnsafeRawBufferPointer(rebasing: available[..<(available.startIndex + size)])
        let version = ArchiveFormatVersion(major: raw.loadLE(at: 8), minor: raw.loadLE(at: 10))
        let checksumMatches =
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<52])) == raw.loadLE(at: 52, as: UInt32.self)
        guard version.major == ArchiveFormat.version.major else {
            throw PoolKitError(
                .archiveUnsupported,
                "the archive has format version \(version), which this PoolKit cannot read (it reads \(ArchiveFormat.version.major).x)"
                    + (checksumMatches
                        ? ": upgrade PoolKit" : "; its file header also fails its checksum, so the archive may be damaged"))
        }
        guard checksumMatches else {
            throw PoolKitError(.archiveCorrupt, "the archive is corrupt: its file header (bytes 0-55) fails its checksum")
        }
        guard raw.loadLE(at: 12, as: UInt32.self) == 0, raw.loadLE(at: 48, as: UInt32.self) == 0 else {
            throw PoolKitError(.archiveCorrupt, "the archive is corrupt: reserved fields of its file header are not zero")
        }
        guard let archiveID = ArchiveIdentity.uuid(UnsafeRawBufferPointer(rebasing: raw[16..<32])) else {
            throw PoolKitError(.archiveCorrupt, "the archive is corrupt: its archive id is zero")
        }
        let parentID = ArchiveIdentity.uuid(UnsafeRawBufferPointer(rebasing: raw[32..<48]))
        hasher.update(raw)
        input.consume(size)
        return FileHeader(version: version, archiveID: archiveID, parentID: parentID)
    }

    /// Reads and checks the next frame.
    func readFrame() throws -> Frame {
        guard let frame = try readFrameOrEnd() else {
            throw PoolKitError(
                .archiveTruncated,
                "the archive is truncated: it ends after \(nextSequence) frames (\(offset) bytes) without its trailer")
        }
        return frame
    }

    /// Reads and checks the next frame; nil if the stream ends exactly before it.
    func readFrameOrEnd() throws -> Frame? {
        let frameOffset = input.offset
        let headerSize = ArchiveFormat.frameHeaderSize
        let sequence = nextSequence
        guard try input.fill(headerSize) else {
            if input.available.isEmpty { return nil }
            throw PoolKitError(
                .archiveTruncated,
                "the archive is truncated: it ends inside the header of frame \(sequence) (at byte \(frameOffset))")
        }
        let raw = UnsafeRawBufferPointer(rebasing: input.available[..<(input.available.startIndex + headerSize)])
        let header = FrameHeader(loading: raw)
        guard FrameHeader.headerCRC(raw, identity: identity) == header.headerCRC else {
            throw ArchiveFrameReader.corrupt(
                frameOffset, sequence, "the frame header fails its checksum: it is damaged, or it comes from another archive")
        }
        try check(header, at: frameOffset)
        let isTrailer = header.kind == FrameKind.trailer.rawValue
        if !isTrailer { archiveHasher.update(raw) }
        input.consume(headerSize)

        let stored = Int(header.storedLength)
        let payload: [UInt8]
        let isData = header.kind == FrameKind.tableData.rawValue || header.kind == FrameKind.blobData.rawValue
        if header.compression == FrameCompression.zstd.rawValue && isData && !decompressesData {
            payload = try readCheckedPayload(header, hashed: true, frameOffset: frameOffset, sequence: sequence)
            nextSequence += 1
            return Frame(header: header, offset: frameOffset, payload: payload, decompressedLength: Int(header.uncompressedLength))
        } else if header.compression == FrameCompression.zstd.rawValue {
            if storedScratch.count < stored { storedScratch = [UInt8](repeating: 0, count: stored) }
            let crc = try storedScratch.withUnsafeMutableBytes { scratch in
                let target = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<stored])
                try readPayload(into: target, frameOffset: frameOffset, sequence: sequence)
                archiveHasher.update(UnsafeRawBufferPointer(target))
                return CRC32C.checksum(UnsafeRawBufferPointer(target))
            }
            guard crc == header.payloadCRC else {
                throw ArchiveFrameReader.corrupt(frameOffset, sequence, "the frame's payload fails its checksum: it is damaged")
            }
            let decompressed = storedScratch.withUnsafeBytes { scratch in
                decompressor.decompress(UnsafeRawBufferPointer(rebasing: scratch[0..<stored]), length: Int(header.uncompressedLength))
            }
            switch decompressed {
            case .success(let bytes): payload = bytes
            case .failure(let failure):
                throw ArchiveFrameReader.corrupt(frameOffset, sequence, "the frame's zstd payload does not decompress: \(failure.reason)")
            }
        } else {
            payload = try readCheckedPayload(header, hashed: !isTrailer, frameOffset: frameOffset, sequence: sequence)
        }
        nextSequence += 1
        return Frame(header: header, offset: frameOffset, payload: payload)
    }

    /// The rules a frame header must meet before its payload is read.
    private func check(_ header: FrameHeader, at frameOffset: UInt64) throws {
        let sequence = nextSequence
        func fail(_ message: String) -> PoolKitError { ArchiveFrameReader.corrupt(frameOffset, sequence, message) }
        guard header.streamSequence == sequence else {
            let what =
                header.streamSequence < sequence
                ? "a frame was duplicated or frames were reordered" : "a frame is missing or frames were reordered"
            throw fail("the frame has sequence number \(header.streamSequence) where \(sequence) was due: \(what)")
        }
        guard header.flags == 0 else { throw fail("the frame's reserved flags are not zero") }
        let kind = FrameKind(rawValue: header.kind)
        if kind == nil && !FrameKind.isSkippable(header.kind) {
            throw PoolKitError(
                .archiveUnsupported,
                "frame \(sequence) (at byte \(frameOffset)) has kind \(header.kind), which this PoolKit does not know: the archive was written by a newer PoolKit; upgrade to read it")
        }
        guard let compression = FrameCompression(rawValue: header.compression) else {
            throw PoolKitError(
                .archiveUnsupported,
                "frame \(sequence) (at byte \(frameOffset)) uses compression \(header.compression), which this PoolKit does not know: upgrade to read it")
        }
        let uncompressed = Int(header.uncompressedLength)
        let stored = Int(header.storedLength)
        guard uncompressed <= ArchiveFormat.maxPayloadLength else {
            throw fail("the frame declares \(uncompressed) bytes, above the format's 256 MiB limit")
        }
        switch compression {
        case .none:
            guard stored == uncompressed else {
                throw fail("an uncompressed frame declares \(stored) stored but \(uncompressed) uncompressed bytes")
            }
        case .zstd:
            guard stored > 0 && stored < uncompressed else {
                throw fail("a compressed frame declares \(stored) stored bytes for \(uncompressed) uncompressed")
            }
        }
        if (sequence == 0) != (kind == .manifest) {
            throw fail(sequence == 0 ? "the first frame is not the manifest (kind \(header.kind))" : "a second manifest frame")
        }
        switch kind {
        case .manifest, .trailer:
            guard header.objectID == 0, header.chunkID == 0, header.chunkSequence == 0 else {
                throw fail("a \(kind == .manifest ? "manifest" : "trailer") frame names a chunk")
            }
            if kind == .trailer && (compression != .none || uncompressed != ArchiveFormat.trailerPayloadSize) {
                throw fail("the trailer frame is \(uncompressed) bytes, not \(ArchiveFormat.trailerPayloadSize)")
            }
        case .chunkEnd:
            if compression != .none || uncompressed != ArchiveFormat.chunkEndPayloadSize {
                throw fail("a chunk-end frame is \(uncompressed) bytes, not \(ArchiveFormat.chunkEndPayloadSize)")
            }
        case .tableData, .blobData, nil:
            break
        }
    }

    /// Reads a payload as stored, adds it to the archive digest when `hashed`, and checks its CRC.
    private func readCheckedPayload(_ header: FrameHeader, hashed: Bool, frameOffset: UInt64, sequence: UInt64) throws -> [UInt8] {
        let stored = Int(header.storedLength)
        var crc: UInt32 = 0
        let payload = try [UInt8](unsafeUninitializedCapacity: stored) { target, count in
            let raw = UnsafeMutableRawBufferPointer(target)
            try readPayload(into: raw, frameOffset: frameOffset, sequence: sequence)
            count = stored
            if hashed { archiveHasher.update(UnsafeRawBufferPointer(raw)) }
            crc = CRC32C.checksum(UnsafeRawBufferPointer(raw))
        }
        guard crc == header.payloadCRC else {
            throw ArchiveFrameReader.corrupt(frameOffset, sequence, "the frame's payload fails its checksum: it is damaged")
        }
        return payload
    }

    private func readPayload(into target: UnsafeMutableRawBufferPointer, frameOffset: UInt64, sequence: UInt64) throws {
        let got = try input.read(into: target)
        guard got == target.count else {
            throw PoolKitError(
                .archiveTruncated,
                "the archive is truncated: it ends inside frame \(sequence) (at byte \(frameOffset)), with \(got) of its \(target.count) payload bytes")
        }
    }

    static func corrupt(_ frameOffset: UInt64, _ sequence: UInt64, _ message: String) -> PoolKitError {
        PoolKitError(.archiveCorrupt, "the archive is corrupt at frame \(sequence) (byte \(frameOffset)): \(message)")
    }
}
