import Foundation
import Synchronization
import Testing

@testable import PoolKit

@Suite("Archive sinks")
struct ArchiveSinkTests {
    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "poolkit-archive-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func contents(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    @Test("a file archive appears under its name only when finished, with no temporary file left")
    func renameOnSuccess() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/shop.poolkit"
        let sink = try FileArchiveSink(path: path)
        #expect(sink.temporaryPath == nil, "Linux writes the archive into an unnamed file")
        let writer = try ArchiveWriter(sink: sink, manifest: testManifest(tables: 1, chunksPerTable: 1))
        let chunk = try writer.chunkWriter(table: 1, chunk: 0)
        try await chunk.write(testBytes(200_000, seed: 3, compressible: true))
        try await chunk.finish(rowCount: 10)
        #expect(!FileManager.default.fileExists(atPath: path))
        let summary = try await writer.finish()
        #expect(try contents(directory) == ["shop.poolkit"])
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.size] as? NSNumber)?.uint64Value == summary.totalBytes)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let report = try await ArchiveVerifier().verify(path: path)
        #expect(report.digest == summary.trailer.digest)
        #expect(report.tables.first?.rows == 10)
    }

    @Test("an aborted or abandoned file archive leaves no file behind")
    func noFileOnFailure() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let writer = try ArchiveWriter(
                sink: try FileArchiveSink(path: directory + "/aborted.poolkit"), manifest: testManifest(tables: 1))
            let chunk = try writer.chunkWriter(table: 1, chunk: 0)
            try await chunk.write(testBytes(100_000, seed: 1, compressible: false))
            #expect(try contents(directory).isEmpty, "the partial archive has no name a killed process could leave behind")
            await writer.abort()
            #expect(try contents(directory).isEmpty)
            await #expect(throws: PoolKitError.self) { try await chunk.finish(rowCount: 1) }
            await #expect(throws: PoolKitError.self) { try await writer.finish() }
        }
        do {
            // Dropped without finish or abort.
            let writer = try ArchiveWriter(
                sink: try FileArchiveSink(path: directory + "/dropped.poolkit"), manifest: testManifest(tables: 1))
            let chunk = try writer.chunkWriter(table: 1, chunk: 0)
            try await chunk.write([1, 2, 3])
            try await chunk.finish(rowCount: 1)
        }
        // The writer thread may still hold the writer for a moment after its last job.
        for _ in 0..<200 where try !contents(directory).isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try contents(directory).isEmpty)
        do {
            // Finishing with an unfinished chunk fails; abort then removes the file.
            let writer = try ArchiveWriter(
                sink: try FileArchiveSink(path: directory + "/open.poolkit"), manifest: testManifest(tables: 1))
            let chunk = try writer.chunkWriter(table: 1, chunk: 0)
            try await chunk.write([1, 2, 3])
            await #expect(throws: PoolKitError.self) { try await writer.finish() }
            await writer.abort()
            #expect(try contents(directory).isEmpty)
        }
    }

    @Test("an existing file is never replaced unless overwriting was asked for")
    func existingFile() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/kept.poolkit"
        try Data("precious".utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: PoolKitError.self) { try FileArchiveSink(path: path) }
        #expect(error?.message.contains("already exists") == true)

        // Created between start and finish: the new archive is discarded, the file kept.
        let other = directory + "/late.poolkit"
        let sink = try FileArchiveSink(path: other)
        try Data("late".utf8).write(to: URL(fileURLWithPath: other))
        let writer = try ArchiveWriter(sink: sink, manifest: testManifest(tables: 1))
        await #expect(throws: PoolKitError.self) { try await writer.finish() }
        #expect(try Data(contentsOf: URL(fileURLWithPath: other)) == Data("late".utf8))
        #expect(try contents(directory) == ["kept.poolkit", "late.poolkit"])

        let replacing = try ArchiveWriter(sink: try FileArchiveSink(path: path, overwrite: true), manifest: testManifest(tables: 1))
        _ = try await replacing.finish()
        _ = try await ArchiveVerifier().verify(path: path)
        #expect(try contents(directory) == ["kept.poolkit", "late.poolkit"])
    }

    @Test("an output that is a directory is refused when the sink is made, before any dump, also with overwrite")
    func directoryOutput() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let error = #expect(throws: PoolKitError.self) { try FileArchiveSink(path: directory, overwrite: true) }
        #expect(error?.code == .usage)
        #expect(error?.message.contains("is a directory") == true)
    }

    @Test("a named scratch file is locked while open; once its owner is gone the next run removes it")
    func staleNamedScratchFiles() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (fd, path) = try ScratchFile.createNamed(in: directory, prefix: ".a.db.", suffix: ".poolkit.partial")
        #expect(ScratchFile.removeStale(in: directory, prefix: ".a.db.", suffix: ".poolkit.partial").isEmpty)
        close(fd)  // as a killed process's descriptors are
        let unrelated = directory + "/.b.db.1.poolkit.partial"
        try Data("other".utf8).write(to: URL(fileURLWithPath: unrelated))
        #expect(ScratchFile.removeStale(in: directory, prefix: ".a.db.", suffix: ".poolkit.partial") == [path])
        #expect(try contents(directory) == [".b.db.1.poolkit.partial"])
    }

    @Test("a missing directory is a clear error")
    func missingDirectory() throws {
        let error = #expect(throws: PoolKitError.self) { try FileArchiveSink(path: "/nonexistent-\(UUID().uuidString)/a.poolkit") }
        #expect(error?.code == .io)
        #expect(error?.message.contains("does not exist") == true)
    }

    @Test("a full disk fails the backup with advice, and producers stop")
    func diskFull() async throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let fd = open("/dev/full", O_WRONLY | O_CLOEXEC)
        #expect(fd >= 0)
        let sink = FileDescriptorArchiveSink(fileDescriptor: fd, name: "/dev/full", closeWhenDone: true)
        let writer = try ArchiveWriter(
            sink: sink, manifest: testManifest(tables: 1), configuration: .init(frameSize: 4 << 10, queueDepth: 1))
        // The header write may already have failed when the chunk is opened; either way the error surfaces.
        let error = await #expect(throws: PoolKitError.self) {
            let chunk = try writer.chunkWriter(table: 1, chunk: 0)
            for _ in 0..<100 { try await chunk.write(testBytes(4 << 10, seed: 1, compressible: false)) }
        }
        #expect(error?.code == .io)
        #expect(error?.message.contains("disk full") == true)
        await #expect(throws: PoolKitError.self) { try await writer.finish() }
    }
}

@Suite("Archive writer back-pressure")
struct ArchiveBackPressureTests {
    /// Counts frames a producer managed to hand over.
    final class Progress: Sendable {
        private let count = Mutex(0)
        func add() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    @Test("a producer is held back while the sink is stuck, and cancelling it while it waits works")
    func heldBackAndCancellable() async throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let readEnd = fds[0]
        let frameSize = 4 << 10
        // Nobody reads the pipe yet: once its buffer is full, the writer thread blocks.
        let sink = FileDescriptorArchiveSink(fileDescriptor: fds[1], name: "a stuck pipe", closeWhenDone: true)
        let writer = try ArchiveWriter(
            sink: sink, manifest: testManifest(tables: 1),
            configuration: .init(compression: .none, frameSize: frameSize, queueDepth: 2))
        let progress = Progress()
        let producer = Task {
            let chunk = try writer.chunkWriter(table: 1, chunk: 0)
            let frame = testBytes(frameSize, seed: 5, compressible: false)
            for _ in 0..<1_000 {
                try await chunk.write(frame)
                progress.add()
            }
        }
        // Let the producer run into the full queue.
        var previous = -1
        while progress.value != previous {
            previous = progress.value
            try await Task.sleep(for: .milliseconds(100))
        }
        // Pipe buffer (64 KiB on Linux, up to 1 MiB if raised) + queue depth + the frame in hand.
        let bound = (1 << 20) / frameSize + 2 + 2
        #expect(progress.value < bound)
        #expect(progress.value < 1_000)

        producer.cancel()
        let result = await producer.result
        #expect(throws: CancellationError.self) { try result.get() }

        // Unblock the writer thread by draining the pipe, then abort.
        let drained = Task.detached { () -> Int in
            var total = 0
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                total += count
            }
            close(readEnd)
            return total
        }
        await writer.abort()
        let total = await drained.value
        #expect(total > 0)
        await #expect(throws: PoolKitError.self) { try await writer.finish() }
    }
}
