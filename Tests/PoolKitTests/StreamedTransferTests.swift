import Foundation
import Synchronization
import Testing
@testable import PoolKit

/// The byte bridges between a connection's thread and the archive's tasks.
@Suite("Streamed dumps and loads between a connection thread and the archive")
struct StreamedTransferTests {
    /// Payloads handed out one by one, then nil — or an error at `failAt`.
    final class ListSource: ChunkSource, @unchecked Sendable {
        // @unchecked Sendable: only the one task that runs StreamedLoad calls next().
        private var payloads: [[UInt8]]
        private let failAt: Int?
        private(set) var handedOut = 0
        init(_ payloads: [[UInt8]], failAt: Int? = nil) {
            self.payloads = payloads
            self.failAt = failAt
        }
        func next() async throws -> [UInt8]? {
            if handedOut == failAt { throw PoolKitError(.archiveTruncated, "the chunk breaks off") }
            guard !payloads.isEmpty else { return nil }
            handedOut += 1
            return payloads.removeFirst()
        }
    }

    @Test("a load on a connection thread receives every payload in order, then nil")
    func loadReceivesEverything() async throws {
        let thread = ConnectionThread(name: "test-load")
        defer { thread.stop() }
        let payloads = (0..<200).map { index in [UInt8](repeating: UInt8(index % 256), count: 1 + index * 37 % 5000) }
        let received = try await StreamedLoad.run(from: ListSource(payloads)) { reader in
            try await thread.run {
                var all: [[UInt8]] = []
                while let payload = try reader.next() { all.append(payload) }
                return all
            }
        }
        #expect(received == payloads)
    }

    @Test("a chunk that breaks off makes the blocked load throw the archive's error, so it cannot commit")
    func damagedChunkReachesTheLoad() async throws {
        let thread = ConnectionThread(name: "test-load")
        defer { thread.stop() }
        let committed = Mutex(false)
        let error = await #expect(throws: PoolKitError.self) {
            _ = try await StreamedLoad.run(from: ListSource([[1], [2], [3]], failAt: 2)) { reader in
                try await thread.run {
                    while try reader.next() != nil {}
                    committed.withLock { $0 = true }
                    return 0
                }
            }
        }
        #expect(error?.code == .archiveTruncated)
        #expect(!committed.withLock { $0 })
    }

    @Test("a load that fails early stops the reading task and its error is the one thrown")
    func loadFailureStopsReading() async throws {
        let thread = ConnectionThread(name: "test-load")
        defer { thread.stop() }
        let source = ListSource((0..<1_000).map { _ in [0] })
        let error = await #expect(throws: PoolKitError.self) {
            _ = try await StreamedLoad.run(from: source, capacity: 2) { reader in
                try await thread.run { () -> Int in
                    _ = try reader.next()
                    throw PoolKitError(.statementFailed, "duplicate key")
                }
            }
        }
        #expect(error?.message == "duplicate key")
        #expect(source.handedOut < 10, "reading stopped once the load failed (read \(source.handedOut))")
    }

    @Test("a dump's buffers reach the sink in order and its row count is returned")
    func dumpDeliversBuffers() async throws {
        final class Collecting: ChunkSink, @unchecked Sendable {
            // @unchecked Sendable: only the task running StreamedDump writes.
            var buffers: [[UInt8]] = []
            func write(_ bytes: [UInt8]) async throws { buffers.append(bytes) }
        }
        let thread = ConnectionThread(name: "test-dump")
        defer { thread.stop() }
        let sink = Collecting()
        let rows = try await StreamedDump.run(into: sink) { channel in
            try await thread.run {
                for index in 0..<50 { try channel.send([UInt8](repeating: UInt8(index), count: 1000)) }
                return 4242
            }
        }
        #expect(rows == 4242)
        #expect(sink.buffers == (0..<50).map { [UInt8](repeating: UInt8($0), count: 1000) })
    }
}
