import Foundation
import Testing

@testable import PoolKit

@Suite("Archive corruption is always detected")
struct ArchiveCorruptionTests {
    /// A small archive with zstd and raw frames, a multi-frame chunk, an empty table and a blob.
    static func smallArchive(archiveID: UUID = UUID()) async throws -> [UInt8] {
        var manifest = testManifest(tables: 2, chunksPerTable: 1, blobs: 1, blobChunks: 1)
        manifest.objects = []
        manifest.options = [:]
        let chunks = [
            TestChunk(objectID: 1, chunkID: 0, data: testBytes(9_000, seed: 1, compressible: true), rows: 150),
            TestChunk(objectID: 2, chunkID: 0, data: [], rows: 0),
            TestChunk(objectID: 1000, chunkID: 0, isBlob: true, data: testBytes(120, seed: 2, compressible: false), rows: 0),
        ]
        return try await writeArchive(
            manifest: manifest, chunks: chunks, configuration: .init(frameSize: 4 << 10), writeSize: 5_000,
            archiveID: archiveID
        ).bytes
    }

    /// A larger archive with many frames per chunk, for structural damage.
    static func largerArchive(archiveID: UUID = UUID()) async throws -> [UInt8] {
        var chunks: [TestChunk] = []
        for table in 1...3 {
            for chunk in 0..<2 {
                let data = testBytes(30_000, seed: UInt64(table * 2 + chunk), compressible: table != 2)
                chunks.append(TestChunk(objectID: UInt32(table), chunkID: UInt32(chunk), data: data, rows: 10))
            }
        }
        return try await writeArchive(
            manifest: testManifest(tables: 3, chunksPerTable: 2), chunks: chunks,
            configuration: .init(frameSize: 4 << 10), writeSize: 4_096, archiveID: archiveID
        ).bytes
    }

    @Test("every single flipped bit of a small archive is detected")
    func everyBitFlip() async throws {
        let archive = try await Self.smallArchive()
        #expect(verificationError(archive) == nil)
        let kinds = frameRanges(archive).map { frameKind(archive, $0) }
        #expect(kinds.contains(.tableData) && kinds.contains(.blobData) && kinds.contains(.chunkEnd))
        #expect(frameRanges(archive).contains { archive[$0.lowerBound + 1] == 1 })  // a zstd frame
        #expect(frameRanges(archive).contains { archive[$0.lowerBound + 1] == 0 && frameKind(archive, $0) == .blobData })
        #expect(archive.count > 2_000 && archive.count < 4_000)  // ~25,000 flips
        var missed: [Int] = []
        var damaged = archive
        for bit in 0..<(archive.count * 8) {
            damaged[bit / 8] ^= 1 << UInt8(bit % 8)
            if verificationError(damaged) == nil { missed.append(bit) }
            damaged[bit / 8] ^= 1 << UInt8(bit % 8)
        }
        #expect(missed.isEmpty, "undetected flips at bits \(missed.prefix(20))")
    }

    @Test("a cut at any byte is reported as truncation")
    func everyTruncation() async throws {
        let archive = try await Self.smallArchive()
        for length in 0..<archive.count {
            let error = verificationError(Array(archive[..<length]))
            #expect(error?.code == .archiveTruncated, "cut at \(length): \(String(describing: error))")
        }
    }

    @Test("a cut at every frame boundary of a larger archive is reported as truncation")
    func frameBoundaryTruncation() async throws {
        let archive = try await Self.largerArchive()
        let ranges = frameRanges(archive)
        #expect(ranges.count > 40)
        var cuts = ranges.map(\.lowerBound)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 { cuts.append(Int.random(in: 0..<archive.count, using: &generator)) }
        for cut in cuts {
            let error = verificationError(Array(archive[..<cut]), readSize: 1_000)
            #expect(error?.code == .archiveTruncated, "cut at \(cut): \(String(describing: error))")
        }
    }

    @Test("a dropped frame is detected, whichever it is")
    func droppedFrame() async throws {
        let archive = try await Self.largerArchive()
        let ranges = frameRanges(archive)
        for range in ranges.dropFirst() {
            var damaged = archive
            damaged.removeSubrange(range)
            let error = verificationError(damaged)
            #expect(error != nil, "dropping frame at \(range.lowerBound) went unnoticed")
        }
    }

    @Test("a duplicated frame is detected, whichever it is")
    func duplicatedFrame() async throws {
        let archive = try await Self.largerArchive()
        for range in frameRanges(archive) {
            var damaged = archive
            damaged.insert(contentsOf: archive[range], at: range.upperBound)
            #expect(verificationError(damaged)?.code == .archiveCorrupt)
        }
    }

    @Test("swapping two frames is detected, whichever they are")
    func reorderedFrames() async throws {
        let archive = try await Self.largerArchive()
        let ranges = frameRanges(archive)
        for index in 0..<(ranges.count - 1) {
            let first = ranges[index]
            let second = ranges[index + 1]
            var damaged = Array(archive[..<first.lowerBound])
            damaged += archive[second]
            damaged += archive[first]
            damaged += archive[second.upperBound...]
            #expect(verificationError(damaged)?.code == .archiveCorrupt)
        }
        // Far apart too.
        var damaged = Array(archive[..<ranges[3].lowerBound])
        damaged += archive[ranges[30]]
        damaged += archive[ranges[4].lowerBound..<ranges[30].lowerBound]
        damaged += archive[ranges[3]]
        damaged += archive[ranges[30].upperBound...]
        #expect(verificationError(damaged)?.code == .archiveCorrupt)
    }

    @Test("a frame spliced in from another archive with the same layout is detected")
    func splicedFrame() async throws {
        let archive = try await Self.largerArchive()
        let other = try await Self.largerArchive()
        let ranges = frameRanges(archive)
        let otherRanges = frameRanges(other)
        #expect(ranges == otherRanges)  // same data, same layout: only the archive id differs
        for (index, range) in ranges.enumerated() {
            var damaged = archive
            damaged.replaceSubrange(range, with: other[otherRanges[index]])
            let error = verificationError(damaged)
            #expect(error?.code == .archiveCorrupt, "frame \(index) from another archive went unnoticed")
        }
    }

    @Test("frames reordered within a chunk with rewritten headers fail the chunk's SHA-256")
    func restampedReorder() async throws {
        let archiveID = UUID()
        let archive = try await Self.largerArchive(archiveID: archiveID)
        let ranges = frameRanges(archive)
        // Two data frames of one chunk (other chunks' frames lie between them).
        func chunkOf(_ range: Range<Int>) -> ArraySlice<UInt8> { archive[(range.lowerBound + 4)..<(range.lowerBound + 12)] }
        let firstIndex = try #require(ranges.firstIndex { frameKind(archive, $0) == .tableData })
        let secondIndex = try #require(ranges.indices.first { index in
            index > firstIndex && frameKind(archive, ranges[index]) == .tableData && chunkOf(ranges[index]) == chunkOf(ranges[firstIndex])
        })
        let first = ranges[firstIndex]
        let second = ranges[secondIndex]
        var a = Array(archive[first])
        var b = Array(archive[second])
        // Swap payloads but keep each position's sequence numbers; recompute the header checksums.
        let identity = ArchiveIdentity(archiveID)
        func restamp(_ frame: inout [UInt8], takingNumbersFrom original: ArraySlice<UInt8>) {
            var header = frame.withUnsafeBytes { FrameHeader(loading: $0) }
            let numbers = Array(original).withUnsafeBytes { FrameHeader(loading: $0) }
            header.chunkSequence = numbers.chunkSequence
            header.streamSequence = numbers.streamSequence
            frame.withUnsafeMutableBytes { header.store(into: $0, identity: identity) }
        }
        restamp(&a, takingNumbersFrom: archive[second])
        restamp(&b, takingNumbersFrom: archive[first])
        var damaged = Array(archive[..<first.lowerBound])
        damaged += b
        damaged += archive[first.upperBound..<second.lowerBound]
        damaged += a
        damaged += archive[second.upperBound...]
        let error = try #require(verificationError(damaged))
        #expect(error.code == .archiveCorrupt)
        #expect(error.message.contains("SHA-256") || error.message.contains("bytes"))
    }

    @Test("bytes after the trailer, a non-archive, and a newer major version are rejected clearly")
    func headerAndTail() async throws {
        let archive = try await Self.smallArchive()
        let appended = verificationError(archive + [0])
        #expect(appended?.code == .archiveCorrupt)
        #expect(appended?.message.contains("follow its trailer") == true)
        let twice = verificationError(archive + archive)
        #expect(twice?.code == .archiveCorrupt)

        let text = verificationError(Array("CREATE TABLE t (id int);\n".utf8))
        #expect(text?.code == .archiveCorrupt)
        #expect(text?.message.contains("not a PoolKit archive") == true)
        #expect(verificationError([])?.code == .archiveTruncated)

        var newer = archive
        newer[8] = 2
        let crc = Array(newer[0..<52]).withUnsafeBytes { CRC32C.checksum($0) }
        withUnsafeBytes(of: crc.littleEndian) { newer.replaceSubrange(52..<56, with: $0) }
        let unsupported = verificationError(newer)
        #expect(unsupported?.code == .archiveUnsupported)
        #expect(unsupported?.message.contains("2.\(ArchiveFormat.version.minor)") == true)
        #expect(unsupported?.message.contains("upgrade") == true)
    }

    @Test("errors name the frame and its byte offset")
    func errorsNameTheOffset() async throws {
        let archive = try await Self.largerArchive()
        let ranges = frameRanges(archive)
        let target = ranges[5]
        var damaged = archive
        damaged[target.upperBound - 1] ^= 0x10
        let error = try #require(verificationError(damaged))
        #expect(error.message.contains("frame 5 (byte \(target.lowerBound))"))
        #expect(error.message.contains("payload fails its checksum"))
    }
}

@Suite("Archive versioning")
struct ArchiveVersioningTests {
    /// Rebuilds `archive` from `frames` (header + payload each): renumbers the stream sequence,
    /// recomputes header checksums, and writes a fresh trailer with the right length and digest.
    static func restamp(_ archive: [UInt8], identity: ArchiveIdentity, frames: [[UInt8]]) -> [UInt8] {
        var out = Array(archive[..<ArchiveFormat.fileHeaderSize])
        for (sequence, frame) in frames.enumerated() {
            var frame = frame
            var header = frame.withUnsafeBytes { FrameHeader(loading: $0) }
            header.streamSequence = UInt64(sequence)
            frame.withUnsafeMutableBytes { header.store(into: $0, identity: identity) }
            out += frame
        }
        let oldTrailer = frameRanges(archive).last!
        var trailer = Array(archive[oldTrailer]).withUnsafeBytes {
            ArchiveTrailer(decoding: UnsafeRawBufferPointer(rebasing: $0[ArchiveFormat.frameHeaderSize...]))
        }
        trailer.frameCount = UInt64(frames.count)
        trailer.archiveLength = UInt64(out.count)
        trailer.digest = SHA256Hasher.hash(out)
        let payload = trailer.encoded()
        let header = FrameHeader(
            kind: FrameKind.trailer.rawValue, compression: 0, objectID: 0, chunkID: 0, chunkSequence: 0,
            streamSequence: UInt64(frames.count), uncompressedLength: UInt32(payload.count),
            storedLength: UInt32(payload.count), payloadCRC: CRC32C.checksum(payload))
        var frame = [UInt8](repeating: 0, count: ArchiveFormat.frameHeaderSize) + payload
        frame.withUnsafeMutableBytes { header.store(into: $0, identity: identity) }
        return out + frame
    }

    static func frame(kind: UInt8, payload: [UInt8]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: ArchiveFormat.frameHeaderSize)
        bytes[0] = kind
        let lengths = UInt32(payload.count)
        bytes.withUnsafeMutableBytes { raw in
            raw.storeLE(lengths, at: 24)
            raw.storeLE(lengths, at: 28)
            raw.storeLE(CRC32C.checksum(payload), at: 32)
        }
        return bytes + payload
    }

    @Test("a 1.x reader skips frame kinds 0x80-0xFF it does not know and rejects unknown kinds below")
    func unknownKinds() async throws {
        let archiveID = UUID()
        let identity = ArchiveIdentity(archiveID)
        let chunks = [TestChunk(objectID: 1, chunkID: 0, data: testBytes(10_000, seed: 3, compressible: true), rows: 4)]
        let (archive, _) = try await writeArchive(
            manifest: testManifest(tables: 1, chunksPerTable: 1), chunks: chunks,
            configuration: .init(frameSize: 4 << 10), archiveID: archiveID)
        var frames = frameRanges(archive).dropLast().map { Array(archive[$0]) }
        #expect(verificationError(Self.restamp(archive, identity: identity, frames: frames)) == nil)

        frames.insert(Self.frame(kind: 0x80, payload: Array("a later addition".utf8)), at: 2)
        let extended = Self.restamp(archive, identity: identity, frames: frames)
        #expect(verificationError(extended) == nil)
        let (back, _) = try readBack(extended)
        #expect(back == chunks)

        frames[2] = Self.frame(kind: 0x10, payload: [])
        let error = verificationError(Self.restamp(archive, identity: identity, frames: frames))
        #expect(error?.code == .archiveUnsupported)
        #expect(error?.message.contains("upgrade") == true)
    }

    @Test("a newer minor version is read")
    func newerMinor() async throws {
        let (archive, _) = try await writeArchive(
            manifest: testManifest(tables: 1), chunks: [TestChunk(objectID: 1, chunkID: 0, data: [1, 2, 3], rows: 1)],
            configuration: .init())
        // Minor 7, with the header checksum and the trailer's digest (which covers the header) recomputed.
        var header = Array(archive[..<ArchiveFormat.fileHeaderSize])
        header[10] = 7
        let crc = Array(header[0..<52]).withUnsafeBytes { CRC32C.checksum($0) }
        withUnsafeBytes(of: crc.littleEndian) { header.replaceSubrange(52..<56, with: $0) }
        let renewed = header + archive[ArchiveFormat.fileHeaderSize...]
        let identity = ArchiveIdentity(try ArchiveReaderPeek.archiveID(archive))
        let rebuilt = ArchiveVersioningTests.restamp(
            renewed, identity: identity, frames: frameRanges(renewed).dropLast().map { Array(renewed[$0]) })
        let reader = try ArchiveReader(source: MemorySource(rebuilt))
        #expect(reader.formatVersion == ArchiveFormatVersion(major: 1, minor: 7))
        while try reader.next() != nil {}
        #expect(reader.trailer != nil)
    }
}

enum ArchiveReaderPeek {
    static func archiveID(_ archive: [UInt8]) throws -> UUID {
        try #require(archive.withUnsafeBytes { ArchiveIdentity.uuid(UnsafeRawBufferPointer(rebasing: $0[16..<32])) })
    }
}
