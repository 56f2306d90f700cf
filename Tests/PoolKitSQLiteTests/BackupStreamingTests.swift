import Foundation
import PoolKitSQLite
import Testing

/// A sink that fails on its `failAt`-th write, or waits forever (until cancelled) when `failAt` is nil.
final class FailingSink: ChunkSink {
    private let failAt: Int?
    private(set) var writes = 0
    init(failAt: Int?) { self.failAt = failAt }
    func write(_ bytes: [UInt8]) async throws {
        writes += 1
        guard let failAt else {
            try await Task.sleep(for: .seconds(3600))
            return
        }
        if writes == failAt { throw PoolKitError(.io, "the test sink failed") }
    }
}

/// A source whose second payload is an error.
final class BrokenSource: ChunkSource {
    private var payloads: [[UInt8]]
    init(_ bytes: [UInt8]) { payloads = [Array(bytes.prefix(bytes.count / 2))] }
    func next() async throws -> [UInt8]? {
        guard !payloads.isEmpty else { throw PoolKitError(.archiveTruncated, "the test archive ends here") }
        return payloads.removeFirst()
    }
}

@Suite("SQLite dumps and loads stop cleanly")
struct BackupStreamingTests {
    private static let bigTable = """
        CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
        INSERT INTO t SELECT i, randomblob(20000) FROM n;
        """

    @Test("a sink error stops the dump at once; the worker's statement is finalized and the connection usable", arguments: ["logical", "pages"])
    func sinkFailure(strategy: String) async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            try await BackupFixture.create(source, Self.bigTable, journalMode: "wal")
            let coordinator = try await connect(source)
            let worker = try await connect(source)
            let session = try await SQLiteDriver().backupStrategy(named: strategy, on: SQLiteConnection.self).begin(on: coordinator, options: BackupOptions())
            try await session.join(worker)
            try await session.workersJoined()
            let chunk = try #require(try await session.plan().chunks.first)
            let sink = FailingSink(failAt: 2)
            let error = await #expect(throws: PoolKitError.self) { try await session.dump(chunk, on: worker, into: sink) }
            #expect(error?.message == "the test sink failed")
            #expect(sink.writes == 2)
            await session.end()
            #expect(try await worker.query(unsafeSQL: "SELECT count(*) FROM t").scalar == "400")
            await worker.close()
            await coordinator.close()
        }
    }

    @Test("cancelling a dump blocked on a slow sink ends it with .cancelled; the connection stays usable", arguments: ["logical", "pages"])
    func cancelledDump(strategy: String) async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            try await BackupFixture.create(source, Self.bigTable, journalMode: "wal")
            let coordinator = try await connect(source)
            let worker = try await connect(source)
            let session = try await SQLiteDriver().backupStrategy(named: strategy, on: SQLiteConnection.self).begin(on: coordinator, options: BackupOptions())
            try await session.join(worker)
            try await session.workersJoined()
            let chunk = try #require(try await session.plan().chunks.first)
            let dumping = Task { try await session.dump(chunk, on: worker, into: FailingSink(failAt: nil)) }
            try await Task.sleep(for: .milliseconds(100))
            dumping.cancel()
            let result = await dumping.result
            #expect(throws: (any Error).self) { try result.get() }
            if case .failure(let error as PoolKitError) = result { #expect(error.code == .cancelled) }
            await session.end()
            #expect(try await worker.query(unsafeSQL: "SELECT count(*) FROM t").scalar == "400")
            await worker.close()
            await coordinator.close()
        }
    }

    @Test("a load whose archive breaks off rolls its chunk back and leaves no transaction open")
    func brokenLoad() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/source.db"
            let target = directory + "/target.db"
            try await BackupFixture.create(source, Self.bigTable)
            let archive = try await runBackup(source, strategy: "logical", jobs: 1)
            let coordinator = try await connect(target)
            let worker = try await connect(target, "foreign_keys=on")
            let session = try await SQLiteDriver().restoreStrategy(named: "logical", on: SQLiteConnection.self).begin(
                manifest: archive.manifest, on: coordinator, options: RestoreOptions())
            for object in archive.manifest.objects where object.section == .preData {
                try await session.apply(object, on: coordinator)
            }
            let table = try #require(archive.catalog.tables.first { $0.name == "t" })
            let bytes = try #require(archive.data[ChunkKey(objectID: table.id, chunkID: 0)])
            let error = await #expect(throws: PoolKitError.self) {
                try await session.load(objectID: table.id, chunkID: 0, from: BrokenSource(bytes), on: worker)
            }
            #expect(error?.code == .archiveTruncated)
            #expect(try await worker.query(unsafeSQL: "SELECT count(*) FROM t").scalar == "0")
            #expect(try await worker.query(unsafeSQL: "PRAGMA foreign_keys").scalar == "1", "the loader's settings are set back")
            try await coordinator.execute(unsafeSQL: "BEGIN IMMEDIATE; INSERT INTO t VALUES (1, x'00'); COMMIT")  // no lock left behind
            await worker.close()
            await coordinator.close()
        }
    }
}
