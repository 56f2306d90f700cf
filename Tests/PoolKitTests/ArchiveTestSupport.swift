import Foundation
import Synchronization
import Testing

@testable import PoolKit

/// A sink that keeps the archive in memory (tests only).
final class MemorySink: ArchiveSink, Sendable {
    private let state = Mutex<(bytes: [UInt8], committed: Bool, aborted: Bool)>(([], false, false))

    var bytes: [UInt8] { state.withLock { $0.bytes } }
    var committed: Bool { state.withLock { $0.committed } }
    var aborted: Bool { state.withLock { $0.aborted } }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        state.withLock { $0.bytes.append(contentsOf: bytes) }
    }

    func commit() throws { state.withLock { $0.committed = true } }
    func abort() { state.withLock { $0.aborted = true } }
}

/// A source over bytes in memory that hands them out in reads of at most `readSize` bytes.
final class MemorySource: ArchiveSource {
    private let bytes: [UInt8]
    private let readSize: Int
    private var position = 0

    init(_ bytes: [UInt8], readSize: Int = .max) {
        self.bytes = bytes
        self.readSize = readSize
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, bytes.count - position, readSize)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes {
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[position..<(position + count)]))
        }
        position += count
        return count
    }
}

/// Deterministic test data: `count` bytes from a seeded generator; `compressible` makes text-like rows.
func testBytes(_ count: Int, seed: UInt64, compressible: Bool) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    if compressible {
        var out = [UInt8]()
        out.reserveCapacity(count + 64)
        var row = 0
        while out.count < count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            out.append(contentsOf: Array("\(row)\tcustomer-\(state >> 54)\t\(state >> 40 & 0xFFFF).25\tpending\n".utf8))
            row += 1
        }
        return Array(out.prefix(count))
    }
    return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        var index = 0
        while index < count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var word = state ^ (state >> 29)
            for _ in 0..<8 where index < count {
                buffer[index] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                index += 1
            }
        }
        initialized = count
    }
}

/// The manifest used by the tests: tables 1…`tables`, blobs after them.
func testManifest(tables: Int, chunksPerTable: Int? = nil, blobs: Int = 0, blobChunks: Int? = nil) -> ArchiveManifest {
    ArchiveManifest(
        engine: "postgres", serverVersion: "15.6", driver: "postgres", strategy: "copy",
        createdAt: Date(timeIntervalSince1970: 1_700_000_000), toolVersion: "poolkit test",
        options: ["jobs": "4"],
        objects: (1...max(tables, 1)).map {
            ArchiveObject(id: UInt32($0), kind: .table, name: "t\($0)", schema: "public", section: .preData, ddl: "CREATE TABLE t\($0) (id int, note text);")
        },
        tables: (0..<tables).map {
            ArchiveTable(
                id: UInt32($0 + 1), schema: "public", name: "t\($0 + 1)",
                columns: [ArchiveColumn(name: "id", type: "integer", nullable: false), ArchiveColumn(name: "note", type: "text")],
                encoding: .postgresCopyText, chunks: chunksPerTable)
        },
        blobs: (0..<blobs).map {
            ArchiveBlob(id: UInt32(1000 + $0), name: "main\($0)", encoding: .sqliteDatabase, chunks: blobChunks)
        })
}

/// What one chunk of a test archive holds.
struct TestChunk: Sendable, Hashable {
    var objectID: UInt32
    var chunkID: UInt32
    var isBlob = false
    var data: [UInt8]
    var rows: UInt64
}

/// Writes `chunks` into an archive in memory, interleaving the chunks' frames round-robin from
/// one task (deterministic order), and returns the bytes and the writer's summary.
func writeArchive(
    manifest: ArchiveManifest, chunks: [TestChunk], configuration: ArchiveWriter.Configuration,
    writeSize: Int = 3_000, archiveID: UUID = UUID(), parentID: UUID? = nil
) async throws -> (bytes: [UInt8], summary: ArchiveSummary) {
    let sink = MemorySink()
    let writer = try ArchiveWriter(
        sink: sink, manifest: manifest, configuration: configuration, archiveID: archiveID, parentID: parentID)
    let encoder = try ArchiveFrameEncoder(compression: configuration.compression)
    var outputs = try chunks.map {
        try $0.isBlob
            ? writer.chunkWriter(blob: $0.objectID, chunk: $0.chunkID, encoder: encoder)
            : writer.chunkWriter(table: $0.objectID, chunk: $0.chunkID, encoder: encoder)
    }
    var positions = [Int](repeating: 0, count: chunks.count)
    var active = Set(chunks.indices)
    while !active.isEmpty {
        for index in chunks.indices where active.contains(index) {
            let data = chunks[index].data
            let end = min(positions[index] + writeSize, data.count)
            if positions[index] < end { try await outputs[index].write(data[positions[index]..<end]) }
            positions[index] = end
            if end == data.count {
                try await outputs[index].finish(rowCount: chunks[index].rows)
                active.remove(index)
            }
        }
    }
    outputs.removeAll()
    let summary = try await writer.finish()
    #expect(sink.committed)
    return (sink.bytes, summary)
}

/// The byte ranges of the frames after the file header.
func frameRanges(_ archive: [UInt8]) -> [Range<Int>] {
    var ranges: [Range<Int>] = []
    var offset = ArchiveFormat.fileHeaderSize
    while offset + ArchiveFormat.frameHeaderSize <= archive.count {
        let stored = archive.withUnsafeBytes { Int($0.loadLE(at: offset + 28, as: UInt32.self)) }
        let end = offset + ArchiveFormat.frameHeaderSize + stored
        ranges.append(offset..<end)
        offset = end
    }
    return ranges
}

/// The frame kind byte at the start of `range`.
func frameKind(_ archive: [UInt8], _ range: Range<Int>) -> FrameKind? { FrameKind(rawValue: archive[range.lowerBound]) }

/// Verifies `bytes` synchronously; the error if there is one.
func verificationError(_ bytes: [UInt8], readSize: Int = .max) -> PoolKitError? {
    do {
        _ = try ArchiveVerifier(bufferSize: 64 << 10).verifySynchronously(MemorySource(bytes, readSize: readSize))
        return nil
    } catch let error as PoolKitError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

/// Reads every record of `bytes` and reassembles each chunk's data.
func readBack(_ bytes: [UInt8], readSize: Int = .max) throws -> (chunks: [TestChunk], reader: ArchiveReader) {
    let reader = try ArchiveReader(source: MemorySource(bytes, readSize: readSize), bufferSize: 64 << 10)
    var data: [String: [UInt8]] = [:]
    var chunks: [TestChunk] = []
    func key(_ object: UInt32, _ chunk: UInt32) -> String { "\(object)/\(chunk)" }
    while let record = try reader.next() {
        switch record {
        case .tableData(let frame), .blobData(let frame):
            data[key(frame.objectID, frame.chunkID), default: []] += frame.payload
        case .chunkEnd(let end):
            let bytes = data.removeValue(forKey: key(end.objectID, end.chunkID)) ?? []
            #expect(SHA256Hasher.hash(bytes) == end.digest)
            chunks.append(TestChunk(objectID: end.objectID, chunkID: end.chunkID, isBlob: end.isBlob, data: bytes, rows: end.rowCount))
        }
    }
    #expect(data.isEmpty)
    return (chunks, reader)
}
