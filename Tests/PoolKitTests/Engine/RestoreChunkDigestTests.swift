import Foundation
import Testing
@testable import PoolKit

/// A restore's reader hands data frames on as stored; the loaders decompress them and check each
/// chunk's SHA-256 before they commit it.
@Suite("Restore engine: chunk digests checked by the loaders")
struct RestoreChunkDigestTests {
    @Test(
        "a chunk altered consistently with every frame checksum fails the restore, and none of it is committed, streamed or spilled",
        arguments: [1, 3])
    func alteredChunk(jobs: Int) async throws {
        let engine = BackupRestoreEngineTests()
        let (path, _) = try await engine.backup()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let archive = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let identity = ArchiveIdentity(try #require(archive.withUnsafeBytes { ArchiveIdentity.uuid(UnsafeRawBufferPointer(rebasing: $0[16..<32])) }))
        var frames = frameRanges(archive).map { Array(archive[$0]) }
        frames.removeLast()  // the trailer: restamp writes one that matches the altered bytes
        // The last compressed data frame: with one job, earlier chunks keep the only loader busy, so
        // its chunk is spilled.
        let index = try #require(frames.lastIndex {
            $0[0] == FrameKind.tableData.rawValue && $0[1] == FrameCompression.zstd.rawValue
        })
        frames[index] = try Self.markingFirstByte(of: frames[index], identity: identity)
        let damaged = ArchiveVersioningTests.restamp(archive, identity: identity, frames: frames)
        #expect(verificationError(damaged)?.message.contains("its data was altered") == true)
        let damagedPath = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: damagedPath) }
        try Data(damaged).write(to: URL(fileURLWithPath: damagedPath))

        do {
            _ = try await engine.restore(damagedPath, into: "altered-\(jobs)", jobs: jobs)
            Issue.record("the restore of an altered chunk reported success")
        } catch let error as PoolKitError {
            #expect(error.code == .archiveCorrupt)
            #expect(error.message.contains("its data was altered"), "\(error.message)")
        }
        let restored = engine.store.get("altered-\(jobs)").tables.values.joined()
        #expect(!restored.contains { $0.contains("#") }, "a row of the altered chunk was committed")
    }

    /// `frame` (header and payload) with the first byte of its decompressed payload replaced by `#`,
    /// recompressed, its lengths and checksums rewritten to match.
    static func markingFirstByte(of frame: [UInt8], identity: ArchiveIdentity) throws -> [UInt8] {
        var header = frame.withUnsafeBytes { FrameHeader(loading: $0) }
        let stored = Array(frame[ArchiveFormat.frameHeaderSize...])
        guard case .success(var data) = stored.withUnsafeBytes({
            ZstdDecompressor().decompress($0, length: Int(header.uncompressedLength))
        }) else { throw PoolKitError(.archiveCorrupt, "the test archive's frame does not decompress") }
        data[0] = UInt8(ascii: "#")
        var compressed = [UInt8](repeating: 0, count: ZstdCompressor.bound(data.count))
        let count = try data.withUnsafeBytes { source in
            try compressed.withUnsafeMutableBytes { try ZstdCompressor(level: 3).compress(source, into: $0) }
        }
        compressed.removeLast(compressed.count - count)
        header.storedLength = UInt32(count)
        header.payloadCRC = CRC32C.checksum(compressed)
        var out = [UInt8](repeating: 0, count: ArchiveFormat.frameHeaderSize) + compressed
        out.withUnsafeMutableBytes { header.store(into: $0, identity: identity) }
        return out
    }
}
