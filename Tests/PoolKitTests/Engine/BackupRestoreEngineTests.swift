import Foundation
import Logging
import Testing
@testable import PoolKit

/// The engine-independent half of backup and restore, on the in-memory driver.
@Suite("Backup and restore engine")
struct BackupRestoreEngineTests {
    let store = MemoryStore()

    func sourceDatabase() -> MemoryStore.Database {
        var database = MemoryStore.Database()
        database.tables["orders"] = (0..<1_000).map { "order \($0) \(String(repeating: "x", count: $0 % 17))" }
        database.tables["customers"] = (0..<230).map { "customer \($0)" }
        database.tables["empty"] = []
        database.tables["odd \"name\""] = ["tab\there", "unicode ✓ 東京", ""]
        return database
    }

    func registry(_ behaviour: MemoryBehaviour = MemoryBehaviour()) -> DriverRegistry {
        DriverRegistry([MemoryDriver(store: store, behaviour: behaviour)])
    }

    /// Backs `source` up into a temporary file; returns its path.
    func backup(
        _ behaviour: MemoryBehaviour = MemoryBehaviour(), jobs: Int = 3, options: (inout BackupOptions) -> Void = { _ in },
        to path: String = temporaryPath()
    ) async throws -> (path: String, summary: BackupSummary) {
        store.set("source", sourceDatabase())
        var backupOptions = BackupOptions()
        backupOptions.jobs = jobs
        options(&backupOptions)
        let summary = try await BackupEngine(registry: registry(behaviour)).backup(
            url: ConnectionURL("memory://h/source"), to: FileArchiveSink(path: path), options: backupOptions,
            archive: .init(compression: .default, frameSize: 4096, queueDepth: 2))
        return (path, summary)
    }

    func restore(
        _ path: String, into target: String = "target", _ behaviour: MemoryBehaviour = MemoryBehaviour(), jobs: Int = 3,
        options: (inout RestoreOptions) -> Void = { _ in }
    ) async throws -> RestoreSummary {
        var restoreOptions = RestoreOptions()
        restoreOptions.jobs = jobs
        options(&restoreOptions)
        return try await RestoreEngine(registry: registry(behaviour)).restore(
            from: FileArchiveSource(path: path), into: ConnectionURL("memory://h/\(target)"), options: restoreOptions)
    }

    /// The restored rows of each table in their original order (chunks are consecutive ranges).
    func restoredTables(_ name: String = "target") -> [String: [String]] {
        store.get(name).tables.mapValues { rows in
            rows.enumerated().sorted { lhs, rhs in
                let l = Int(lhs.element.prefix { $0 != ":" })!
                let r = Int(rhs.element.prefix { $0 != ":" })!
                return (l, lhs.offset) < (r, rhs.offset)
            }.map { String($0.element.drop { $0 != ":" }.dropFirst()) }
        }
    }

    @Test("backup with 3 jobs and restore with 3 jobs give back every row of every table, in order")
    func roundTrip() async throws {
        let (path, summary) = try await backup()
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(summary.archive.trailer.rows == 1_233)
        #expect(summary.manifest.tables.first { $0.name == "orders" }?.chunks == 20)
        let restored = try await restore(path)
        #expect(restored.rows == 1_233)
        #expect(restoredTables() == sourceDatabase().tables)
        #expect(store.get("target").appliedObjects.filter { $0.hasPrefix("INDEX") }.count == 4, "post-data applied")
        #expect(store.get("target").appliedObjects.filter { $0.hasPrefix("CHECK") }.count == 4, "post-data applied")
        let target = store.get("target")
        #expect((1...3).contains(target.workersPrepared), "each worker is prepared once and kept: \(target.workersPrepared)")
        #expect(target.workersFinished == target.workersPrepared)
        #expect(target.aborts == 0)
    }

    @Test("a restore with fewer jobs than the backup spills chunks to disk and still restores everything", arguments: [1, 2])
    func fewerJobsSpill(jobs: Int) async throws {
        let (path, _) = try await backup(jobs: 4)
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try await restore(path, jobs: jobs)
        #expect(restoredTables() == sourceDatabase().tables)
    }

    @Test("a strategy with a single writer (maxParallelLoads 1) restores everything")
    func singleWriter() async throws {
        let (path, _) = try await backup(jobs: 3)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var behaviour = MemoryBehaviour()
        behaviour.maxParallelLoads = 1
        _ = try await restore(path, behaviour, jobs: 4)
        #expect(restoredTables() == sourceDatabase().tables)
    }

    @Test("post-data objects are created on several connections at once, each after the objects it depends on")
    func parallelPostData() async throws {
        let (path, _) = try await backup()
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try await restore(path, jobs: 3)
        let target = store.get("target")
        #expect(target.mostCreatingAtOnce > 1, "post-data objects were created one at a time")
        #expect(target.mostCreatingAtOnce <= 3)
        for name in sourceDatabase().tables.keys {
            let index = try #require(target.appliedObjects.firstIndex(of: "INDEX \(name)"))
            let check = try #require(target.appliedObjects.firstIndex(of: "CHECK \(name)"))
            #expect(index < check, "\(name): a dependent post-data object was created before its dependency")
        }
    }

    @Test("a strategy that allows one post-data object at a time gets them one at a time, in order")
    func sequentialPostData() async throws {
        let (path, _) = try await backup()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var behaviour = MemoryBehaviour()
        behaviour.maxParallelObjects = 1
        _ = try await restore(path, behaviour, jobs: 3)
        #expect(store.get("target").mostCreatingAtOnce == 1)
    }

    @Test("--single-transaction restores on one connection")
    func singleTransaction() async throws {
        let (path, _) = try await backup()
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try await restore(path) { $0.singleTransaction = true }
        #expect(restoredTables() == sourceDatabase().tables)
    }

    @Test("a target that already has a table is refused, naming it; --clean replaces it")
    func conflict() async throws {
        let (path, _) = try await backup()
        defer { try? FileManager.default.removeItem(atPath: path) }
        store.update("target") { $0.tables["customers"] = ["stale"] }
        do {
            _ = try await restore(path)
            Issue.record("restore over an existing table succeeded")
        } catch let error as PoolKitError {
            #expect(error.code == .restoreConflict)
            #expect(error.message.contains("customers"))
        }
        _ = try await restore(path) { $0.clean = true }
        #expect(restoredTables() == sourceDatabase().tables)
    }

    @Test("--table, --exclude-table and --schema-only shape the backup; --table and --schema-only shape the restore")
    func selection() async throws {
        let (onlyOrders, summary) = try await backup(options: { $0.includeTables = ["orders"] })
        defer { try? FileManager.default.removeItem(atPath: onlyOrders) }
        #expect(summary.manifest.tables.map(\.name) == ["orders"])
        let (withoutOrders, excluded) = try await backup(options: { $0.excludeTables = ["orders"] })
        defer { try? FileManager.default.removeItem(atPath: withoutOrders) }
        #expect(!excluded.manifest.tables.contains { $0.name == "orders" })

        let (full, _) = try await backup()
        defer { try? FileManager.default.removeItem(atPath: full) }
        _ = try await restore(full, into: "schema") { $0.schemaOnly = true }
        #expect(store.get("schema").tables.values.allSatisfy { $0.isEmpty })
        #expect(store.get("schema").tables.count == 4)
        _ = try await restore(full, into: "subset") { $0.includeTables = ["customers"] }
        #expect(Array(restoredTables("subset").keys) == ["customers"])
    }

    @Test("a chunk whose loaded row count differs from the archive fails the restore")
    func rowCountMismatch() async throws {
        let (path, _) = try await backup()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var behaviour = MemoryBehaviour()
        behaviour.miscountLoadOf = "customers"
        await #expect(throws: PoolKitError.self) { try await restore(path, behaviour) }
        #expect(store.get("target").aborts == 1, "the session's abort step ran")
        #expect(store.get("target").workersFinished == 0, "a failed restore does not finish its workers")
    }

    @Test("--no-owner and --no-privileges leave out owner and acl objects; --data-only keeps data-section objects")
    func ownerAndPrivilegeObjects() {
        let objects = [
            ArchiveObject(id: 1, kind: .table, name: "t", section: .preData, ddl: "CREATE t"),
            ArchiveObject(id: 2, kind: .owner, name: "t", section: .preData, dependencies: [1], ddl: "OWNER t"),
            ArchiveObject(id: 3, kind: .acl, name: "t", section: .preData, dependencies: [1], ddl: "GRANT t"),
            ArchiveObject(id: 4, kind: .sequence, name: "s", section: .data, ddl: "SETVAL s"),
            ArchiveObject(id: 5, kind: .index, name: "i", section: .postData, dependencies: [1], ddl: "INDEX t"),
            ArchiveObject(id: 6, kind: .comment, name: "i", section: .postData, dependencies: [5], ddl: "COMMENT i"),
        ]
        let manifest = ArchiveManifest(
            engine: "memory", serverVersion: "1", driver: "memory", strategy: "rows", objects: objects,
            tables: [ArchiveTable(id: 1, name: "t", columns: [], encoding: "memory-lines"),
                     ArchiveTable(id: 7, name: "u", columns: [], encoding: "memory-lines")])
        func ids(_ configure: (inout RestoreOptions) -> Void) -> [UInt32] {
            var options = RestoreOptions()
            configure(&options)
            let selection = RestoreSelection(manifest: manifest, options: options)
            return (selection.preData + selection.postData).map(\.id)
        }
        #expect(ids { _ in } == [1, 2, 3, 4, 5, 6])
        #expect(ids { $0.noOwner = true } == [1, 3, 4, 5, 6])
        #expect(ids { $0.noPrivileges = true } == [1, 2, 4, 5, 6])
        #expect(ids { $0.dataOnly = true } == [4])
        #expect(ids { $0.schemaOnly = true } == [1, 2, 3, 5, 6])
        #expect(ids { $0.includeTables = ["u"] } == [4], "a table left out takes its owner, grants, index and the index's comment along")
    }

    @Test("a damaged or truncated archive never restores successfully, and the error says how far it got")
    func damagedArchive() async throws {
        let (path, _) = try await backup()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        for damage in ["flip", "truncate"] {
            var bytes = [UInt8](original)
            if damage == "flip" { bytes[bytes.count / 2] ^= 0x10 } else { bytes.removeLast(bytes.count / 3) }
            let damaged = temporaryPath()
            defer { try? FileManager.default.removeItem(atPath: damaged) }
            try Data(bytes).write(to: URL(fileURLWithPath: damaged))
            do {
                _ = try await restore(damaged, into: "damaged-\(damage)")
                Issue.record("restore of a \(damage)d archive reported success")
            } catch let error as PoolKitError {
                #expect([.archiveCorrupt, .archiveTruncated].contains(error.code), "\(error)")
                #expect(error.message.contains("restore failed"))
                #expect(error.message.contains("progress"))
            }
            await #expect(throws: PoolKitError.self) { try await ArchiveVerifier().verify(path: damaged) }
        }
    }

    @Test("a backup that fails midway names the table and leaves no archive file behind")
    func failedBackupLeavesNothing() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("poolkit-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var behaviour = MemoryBehaviour()
        behaviour.failDumpOf = "orders"
        let error = await #expect(throws: PoolKitError.self) {
            _ = try await backup(behaviour, to: directory.appendingPathComponent("out.poolkit").path)
        }
        #expect(error?.message.hasPrefix("backing up table orders: dump of orders failed on purpose") == true, "the error names the table")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("cancelling a backup discards the archive")
    func cancelledBackup() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("poolkit-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("out.poolkit").path
        let task = Task { try await backup(to: path) }
        task.cancel()
        _ = try? await task.value
        #expect(!FileManager.default.fileExists(atPath: path) || (try? ArchiveVerifier().verifySynchronously(FileArchiveSource(path: path))) != nil)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".partial") }
        #expect(leftovers.isEmpty)
    }

    @Test("an archive of one driver is refused by another")
    func wrongDriver() async throws {
        let (path, _) = try await backup()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let other = DriverRegistry([OtherDriver()])
        await #expect(throws: PoolKitError.self) {
            _ = try await RestoreEngine(registry: other).restore(
                from: FileArchiveSource(path: path), into: ConnectionURL("other://h/x"))
        }
    }
}

struct OtherDriver: Driver {
    var name: String { "other" }
    var schemes: [String] { ["other"] }
    var supportedOptions: [DriverOption] { [] }
    func connect(to url: ConnectionURL, logger: Logger) async throws -> MemoryConnection { MemoryConnection(database: "x") }
}

func temporaryPath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("poolkit-engine-\(UUID().uuidString).poolkit").path
}
