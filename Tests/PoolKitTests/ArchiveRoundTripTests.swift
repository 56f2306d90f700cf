import Foundation
import Testing

@testable import PoolKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Archive round trip")
struct ArchiveRoundTripTests {
    static let compressions: [ArchiveCompression] = [.none, .zstd(level: 1), .zstd(level: 6)]

    /// Three tables (one of them split into three chunks, one empty) and a blob in two chunks.
    static func sampleChunks() -> [TestChunk] {
        [
            TestChunk(objectID: 1, chunkID: 0, data: testBytes(70_000, seed: 1, compressible: true), rows: 1_500),
            TestChunk(objectID: 1, chunkID: 1, data: testBytes(9_000, seed: 2, compressible: true), rows: 200),
            TestChunk(objectID: 1, chunkID: 2, data: testBytes(33_000, seed: 3, compressible: false), rows: 77),
            TestChunk(objectID: 2, chunkID: 0, data: [], rows: 0),
            TestChunk(objectID: 3, chunkID: 0, data: testBytes(20_000, seed: 4, compressible: false), rows: 500),
            TestChunk(objectID: 1000, chunkID: 0, isBlob: true, data: testBytes(40_000, seed: 5, compressible: false), rows: 0),
            TestChunk(objectID: 1000, chunkID: 1, isBlob: true, data: testBytes(5_000, seed: 6, compressible: true), rows: 0),
        ]
    }

    static func sampleManifest() -> ArchiveManifest {
        var manifest = testManifest(tables: 3, blobs: 1, blobChunks: 2)
        manifest.tables[0].chunks = 3
        manifest.tables[1].chunks = 1
        return manifest
    }

    @Test("interleaved chunks of several tables and a blob come back byte for byte", arguments: compressions)
    func interleaved(compression: ArchiveCompression) async throws {
        let chunks = Self.sampleChunks()
        let manifest = Self.sampleManifest()
        let parent = UUID()
        let (bytes, summary) = try await writeArchive(
            manifest: manifest, chunks: chunks,
            configuration: .init(compression: compression, frameSize: 16 << 10, queueDepth: 2), parentID: parent)

        // Frames of different chunks really interleave.
        let objectOrder = frameRanges(bytes).filter { frameKind(bytes, $0) == .tableData }.map { bytes[$0.lowerBound + 4] }
        #expect(objectOrder.count > 6)
        #expect(objectOrder != objectOrder.sorted())

        for readSize in [Int.max, 1_000, 7] {
            let (back, reader) = try readBack(bytes, readSize: readSize)
            #expect(Set(back) == Set(chunks))
            #expect(reader.manifest == manifest)
            #expect(reader.archiveID == summary.archiveID)
            #expect(reader.parentID == parent)
            #expect(reader.formatVersion == ArchiveFormatVersion(major: 1, minor: 1))
            #expect(reader.trailer == summary.trailer)
            #expect(reader.offset == UInt64(bytes.count))
        }
        #expect(summary.totalBytes == UInt64(bytes.count))
        #expect(summary.trailer.rows == 2_277)
        #expect(summary.trailer.tableChunks == 5)
        #expect(summary.trailer.blobChunks == 2)
        #expect(summary.trailer.dataBytes == UInt64(chunks.map(\.data.count).reduce(0, +)))
        // The digest covers every byte before the trailer frame.
        let trailerStart = bytes.count - ArchiveFormat.frameHeaderSize - ArchiveFormat.trailerPayloadSize
        #expect(summary.trailer.digest == SHA256Hasher.hash(Array(bytes[..<trailerStart])))
        if compression != .none {
            #expect(bytes.contains(1) && frameRanges(bytes).contains { bytes[$0.lowerBound + 1] == 1 })
        } else {
            #expect(!frameRanges(bytes).contains { bytes[$0.lowerBound + 1] == 1 })
        }

        let report = try ArchiveVerifier().verifySynchronously(MemorySource(bytes))
        #expect(report.digest == summary.trailer.digest)
        #expect(report.archiveBytes == UInt64(bytes.count))
        #expect(report.tables.map(\.rows) == [1_777, 0, 500])
        #expect(report.tables.map(\.chunks) == [3, 1, 1])
        #expect(report.blobs.map(\.bytes) == [45_000])
        #expect(report.blobs.map(\.chunks) == [2])
    }

    @Test("an empty table is one chunk-end frame with zero rows and the digest of nothing")
    func emptyTable() async throws {
        let (bytes, summary) = try await writeArchive(
            manifest: testManifest(tables: 1, chunksPerTable: 1),
            chunks: [TestChunk(objectID: 1, chunkID: 0, data: [], rows: 0)], configuration: .init())
        let kinds = frameRanges(bytes).map { frameKind(bytes, $0) }
        #expect(kinds == [.manifest, .chunkEnd, .trailer])
        let (back, _) = try readBack(bytes)
        #expect(back == [TestChunk(objectID: 1, chunkID: 0, data: [], rows: 0)])
        #expect(summary.trailer.rows == 0)
        #expect(summary.trailer.tableChunks == 1)
    }

    @Test("many producers append at once with a queue of one; every frame lands in order")
    func concurrentProducers() async throws {
        let manifest = testManifest(tables: 8, chunksPerTable: 2)
        let chunks = (1...8).flatMap { table in
            (0..<2).map { chunk in
                TestChunk(
                    objectID: UInt32(table), chunkID: UInt32(chunk),
                    data: testBytes(50_000 + table * 1_000, seed: UInt64(table * 10 + chunk), compressible: chunk == 0),
                    rows: UInt64(table))
            }
        }
        let sink = MemorySink()
        let writer = try ArchiveWriter(
            sink: sink, manifest: manifest, configuration: .init(frameSize: 4 << 10, queueDepth: 1))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chunk in chunks {
                group.addTask {
                    let out = try writer.chunkWriter(table: chunk.objectID, chunk: chunk.chunkID)
                    var start = 0
                    while start < chunk.data.count {
                        let end = min(start + 2_500, chunk.data.count)
                        try await out.write(chunk.data[start..<end])
                        start = end
                    }
                    try await out.finish(rowCount: chunk.rows)
                }
            }
            try await group.waitForAll()
        }
        let summary = try await writer.finish()
        let (back, _) = try readBack(sink.bytes)
        #expect(Set(back) == Set(chunks))
        #expect(summary.trailer.rows == UInt64(2 * (1...8).reduce(0, +)))
    }

    @Test("the reader works over a pipe while the writer is still writing")
    func readerOverPipe() async throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let chunks = Self.sampleChunks()
        let sink = FileDescriptorArchiveSink(fileDescriptor: fds[1], name: "a test pipe", closeWhenDone: true)
        // Far more data than a pipe buffers, so reader and writer must run together.
        let big = TestChunk(objectID: 3, chunkID: 0, data: testBytes(3 << 20, seed: 9, compressible: false), rows: 9)
        let all = chunks.filter { $0.objectID != 3 } + [big]
        let writer = try ArchiveWriter(sink: sink, manifest: Self.sampleManifest(), configuration: .init(frameSize: 64 << 10))
        let readEnd = fds[0]
        async let reading: [TestChunk] = {
            let source = FileArchiveSource(fileDescriptor: readEnd, name: "a test pipe", closeWhenDone: true)
            let archive = try await AsyncArchiveReader.open(source)
            var data: [String: [UInt8]] = [:]
            var result: [TestChunk] = []
            for try await record in archive {
                switch record {
                case .tableData(let frame), .blobData(let frame):
                    data["\(frame.objectID)/\(frame.chunkID)", default: []] += frame.payload
                case .chunkEnd(let end):
                    result.append(TestChunk(
                        objectID: end.objectID, chunkID: end.chunkID, isBlob: end.isBlob,
                        data: data["\(end.objectID)/\(end.chunkID)"] ?? [], rows: end.rowCount))
                }
            }
            #expect(try await archive.trailer() != nil)
            return result
        }()
        for chunk in all {
            let out = try chunk.isBlob
                ? writer.chunkWriter(blob: chunk.objectID, chunk: chunk.chunkID)
                : writer.chunkWriter(table: chunk.objectID, chunk: chunk.chunkID)
            try await out.write(chunk.data)
            try await out.finish(rowCount: chunk.rows)
        }
        let summary = try await writer.finish()
        let back = try await reading
        #expect(Set(back) == Set(all))
        #expect(summary.trailer.tableChunks == 5)
    }

    @Test("the writer refuses frames it could not read back")
    func writerMisuse() async throws {
        let sink = MemorySink()
        let writer = try ArchiveWriter(sink: sink, manifest: testManifest(tables: 1, blobs: 1))
        #expect(throws: PoolKitError.self) { try writer.chunkWriter(table: 99, chunk: 0) }
        #expect(throws: PoolKitError.self) { try writer.chunkWriter(blob: 1, chunk: 0) }
        let blob = try writer.chunkWriter(blob: 1000, chunk: 0)
        await #expect(throws: PoolKitError.self) { try await blob.finish(rowCount: 3) }

        let open = try writer.chunkWriter(table: 1, chunk: 0)
        try await open.write([1, 2, 3])
        let error = await #expect(throws: PoolKitError.self) { try await writer.finish() }
        #expect(error?.code == .usage)
        try await open.finish(rowCount: 1)
        #expect(throws: PoolKitError.self) { try writer.chunkWriter(table: 1, chunk: 0) }
        let blobAgain = #expect(throws: PoolKitError.self) { try writer.chunkWriter(blob: 1000, chunk: 0) }
        #expect(blobAgain?.message.contains("opened before") == true)
        await writer.abort()
        #expect(sink.aborted)
        #expect(!sink.committed)
        #expect(throws: PoolKitError.self) {
            var manifest = testManifest(tables: 1)
            manifest.objects[0].dependencies = [7]
            _ = try ArchiveWriter(sink: MemorySink(), manifest: manifest)
        }
    }
}
