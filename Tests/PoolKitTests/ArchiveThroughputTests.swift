import Foundation
import Testing

@testable import PoolKit

/// Throughput figures for docs/benchmarks, not a timed test: it asserts nothing about speed and
/// runs only when `POOLKIT_ARCHIVE_BENCH=1`, best in release mode:
/// `POOLKIT_ARCHIVE_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter ArchiveThroughput`
@Suite("Archive throughput", .serialized, .enabled(if: ProcessInfo.processInfo.environment["POOLKIT_ARCHIVE_BENCH"] == "1"))
struct ArchiveThroughputTests {
    static let totalBytes = 200 << 20
    static let producers = 4

    private func seconds(_ work: () async throws -> Void) async rethrows -> Double {
        let clock = ContinuousClock()
        let elapsed = try await clock.measure { try await work() }
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    private func rate(_ bytes: Int, _ seconds: Double) -> String {
        String(format: "%.0f MB/s", Double(bytes) / 1e6 / seconds)
    }

    @Test("primitives: CRC-32C, SHA-256, zstd level 1")
    func primitives() async throws {
        let data = testBytes(64 << 20, seed: 1, compressible: true)
        var crc: UInt32 = 0
        let crcTime = await seconds { crc = CRC32C.checksum(data) }
        let shaTime = await seconds { _ = SHA256Hasher.hash(data) }
        let encoder = try ArchiveFrameEncoder(compression: .zstd(level: 1))
        var frames: [EncodedFrame] = []
        let zstdTime = try await seconds {
            try data.withUnsafeBytes { raw in
                for start in stride(from: 0, to: raw.count, by: 1 << 20) {
                    frames.append(try encoder.encode(
                        .tableData, objectID: 1, chunkID: 0, chunkSequence: 0,
                        payload: UnsafeRawBufferPointer(rebasing: raw[start..<min(start + (1 << 20), raw.count)])))
                }
            }
        }
        let stored = frames.map(\.storedLength).reduce(0, +)
        let decompressor = ZstdDecompressor()
        var scratch = [UInt8](repeating: 0, count: 1 << 20)
        let unzstdTime = await seconds {
            for frame in frames {
                _ = frame.bytes.withUnsafeBytes { bytes in
                    scratch.withUnsafeMutableBytes {
                        decompressor.decompress(UnsafeRawBufferPointer(rebasing: bytes[ArchiveFormat.frameHeaderSize...]), into: $0)
                    }
                }
            }
        }
        print("""
            primitives on 64 MiB of COPY-like text (\(crc)):
              CRC-32C            \(rate(data.count, crcTime))
              SHA-256 (EVP)      \(rate(data.count, shaTime))
              zstd -1 + CRC      \(rate(data.count, zstdTime))  ratio \(String(format: "%.2f", Double(data.count) / Double(stored)))
              zstd decompress    \(rate(data.count, unzstdTime))
            """)
    }

    @Test(
        "write and verify 200 MB from 4 producers",
        arguments: [ArchiveCompression.zstd(level: 1), .none], [false, true])
    func writeAndVerify(compression: ArchiveCompression, toFile: Bool) async throws {
        let block = testBytes(8 << 20, seed: 42, compressible: true)
        let perProducer = Self.totalBytes / Self.producers
        let directory = NSTemporaryDirectory() + "poolkit-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/bench.poolkit"
        let sink: any ArchiveSink =
            toFile
            ? try FileArchiveSink(path: path)
            : FileDescriptorArchiveSink(fileDescriptor: open("/dev/null", O_WRONLY), name: "/dev/null", closeWhenDone: true)
        let writer = try ArchiveWriter(
            sink: sink, manifest: testManifest(tables: Self.producers, chunksPerTable: 1),
            configuration: .init(compression: compression))
        var summary: ArchiveSummary?
        let writeTime = try await seconds {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for table in 1...Self.producers {
                    group.addTask {
                        let chunk = try writer.chunkWriter(table: UInt32(table), chunk: 0)
                        var written = 0
                        while written < perProducer {
                            let count = min(256 << 10, perProducer - written)
                            let start = written % (block.count - count)
                            try await chunk.write(block[start..<(start + count)])
                            written += count
                        }
                        try await chunk.finish(rowCount: 1)
                    }
                }
                try await group.waitForAll()
            }
            summary = try await writer.finish()
        }
        let archiveBytes = Int(summary?.totalBytes ?? 0)
        guard toFile else {
            print("""
                \(compression), \(Self.producers) producers, \(Self.totalBytes >> 20) MiB in, \(archiveBytes >> 20) MiB archive to /dev/null:
                  write   \(String(format: "%.2f s", writeTime))  \(rate(Self.totalBytes, writeTime)) of table data
                """)
            return
        }
        var report: ArchiveReport?
        let verifyTime = try await seconds { report = try await ArchiveVerifier().verify(path: path) }
        #expect(report?.digest == summary?.trailer.digest)
        print("""
            \(compression), \(Self.producers) producers, \(Self.totalBytes >> 20) MiB in, \(archiveBytes >> 20) MiB archive to a file (fsync'd, renamed):
              write   \(String(format: "%.2f s", writeTime))  \(rate(Self.totalBytes, writeTime)) of table data
              verify  \(String(format: "%.2f s", verifyTime))  \(rate(Self.totalBytes, verifyTime)) of table data (file in page cache)
            """)
    }
}
