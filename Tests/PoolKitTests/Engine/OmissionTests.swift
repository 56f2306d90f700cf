import Foundation
import Logging
import Testing
@testable import PoolKit

/// What a backup does not carry: named in the log, listed in the manifest, refused by `strict`.
@Suite("Objects a backup cannot carry")
struct OmissionTests {
    let store = MemoryStore()

    func source() -> MemoryStore.Database {
        var database = MemoryStore.Database()
        database.tables["kept"] = (0..<120).map { "kept \($0)" }
        database.tables["exotic"] = (0..<80).map { "exotic \($0)" }
        return database
    }

    func backup(strict: Bool = false, log: CapturedLog = CapturedLog(), to path: String) async throws -> BackupSummary {
        store.set("source", source())
        var behaviour = MemoryBehaviour()
        behaviour.cannotCarry = ["exotic": "its storage engine is not supported"]
        var options = BackupOptions()
        options.jobs = 2
        options.strict = strict
        let engine = BackupEngine(
            registry: DriverRegistry([MemoryDriver(store: store, behaviour: behaviour)]), omissionLogger: log.logger())
        return try await engine.backup(url: ConnectionURL("memory://h/source"), to: FileArchiveSink(path: path), options: options)
    }

    @Test("an object left out takes every object that depends on it, transitively, with a reason naming what it needed")
    func omitCascades() {
        let catalog = BackupCatalog(
            engine: "e", serverVersion: "1",
            objects: [
                ArchiveObject(id: 1, kind: .type, name: "t", schema: "s", section: .preData),
                ArchiveObject(id: 2, kind: .table, name: "uses_t", schema: "s", section: .preData, dependencies: [1]),
                ArchiveObject(id: 3, kind: .view, name: "over_uses_t", schema: "s", section: .preData, dependencies: [2]),
                ArchiveObject(id: 4, kind: .table, name: "other", schema: "s", section: .preData),
                ArchiveObject(id: 5, kind: .index, name: "other_idx", schema: "s", section: .postData, dependencies: [4]),
            ],
            tables: [
                ArchiveTable(id: 2, schema: "s", name: "uses_t", columns: [], encoding: "x"),
                ArchiveTable(id: 4, schema: "s", name: "other", columns: [], encoding: "x"),
            ])
        var plan = BackupPlan(
            catalog: catalog, chunks: [BackupChunk(objectID: 2, chunkID: 0), BackupChunk(objectID: 4, chunkID: 0)])
        plan.omit([1: "C I/O functions are not carried"])
        #expect(plan.catalog.objects.map(\.id) == [4, 5])
        #expect(plan.catalog.tables.map(\.id) == [4])
        #expect(plan.chunks.map(\.objectID) == [4])
        #expect(
            plan.catalog.omitted == [
                ArchiveOmission(kind: .type, schema: "s", name: "t", reason: "C I/O functions are not carried"),
                ArchiveOmission(kind: .table, schema: "s", name: "uses_t", reason: "needs type s.t, which is not carried"),
                ArchiveOmission(kind: .view, schema: "s", name: "over_uses_t", reason: "needs table s.uses_t, which is not carried"),
            ])
    }

    @Test("a backup names each object it leaves out in a warning and in the manifest, and the archive restores without them")
    func warnedAndListed() async throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = CapturedLog()
        let summary = try await backup(log: log, to: path)
        let omitted = summary.manifest.omitted.map(\.name)
        #expect(omitted == ["exotic", "exotic_idx", "exotic_check"])
        #expect(!summary.manifest.objects.contains { $0.name.hasPrefix("exotic") })
        #expect(log.messages(at: .warning).count == 3)
        #expect(log.messages(at: .warning).first == "not carried: table exotic: its storage engine is not supported")

        let report = try await ArchiveVerifier().verify(FileArchiveSource(path: path))
        #expect(report.manifest.omitted == summary.manifest.omitted, "the list survives the archive")

        var options = RestoreOptions()
        options.jobs = 2
        _ = try await RestoreEngine(registry: DriverRegistry([MemoryDriver(store: store, behaviour: MemoryBehaviour())]))
            .restore(from: FileArchiveSource(path: path), into: ConnectionURL("memory://h/target"), options: options)
        #expect(store.get("target").tables.keys.sorted() == ["kept"])
    }

    @Test("--strict refuses a backup that would leave something out, naming it, and leaves no file behind")
    func strictRefuses() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("omission-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("strict.poolkit").path
        do {
            _ = try await backup(strict: true, to: path)
            Issue.record("a strict backup that leaves objects out succeeded")
        } catch let error as PoolKitError {
            #expect(error.code == .notCarried)
            #expect(error.message.contains("table exotic: its storage engine is not supported"))
            #expect(error.message.contains("3 objects"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "nothing is left behind")
    }

    @Test("--strict passes when nothing is left out")
    func strictPasses() async throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        store.set("source", source())
        var options = BackupOptions()
        options.strict = true
        let summary = try await BackupEngine(registry: DriverRegistry([MemoryDriver(store: store, behaviour: MemoryBehaviour())]))
            .backup(url: ConnectionURL("memory://h/source"), to: FileArchiveSink(path: path), options: options)
        #expect(summary.manifest.omitted.isEmpty)
    }

    @Test("the manifest stores the list only when it is not empty, and reads archives that have none")
    func manifestField() throws {
        var manifest = ArchiveManifest(
            engine: "e", serverVersion: "1", driver: "d", strategy: "s", createdAt: Date(timeIntervalSince1970: 1_700_000_000))
        #expect(!String(decoding: try manifest.encodedJSON(), as: UTF8.self).contains("omitted"))
        manifest.omitted = [ArchiveOmission(kind: "subscription", name: "sub", reason: "not carried")]
        let json = try manifest.encodedJSON()
        #expect(String(decoding: json, as: UTF8.self).contains(#""omitted":[{"kind":"subscription","name":"sub","reason":"not carried"}]"#))
        #expect(try ArchiveManifest.decodeJSON(json) == manifest)
        let older = #"{"engine":"e","serverVersion":"1","driver":"d","strategy":"s","createdAt":"2025-11-25T12:00:00Z","options":{},"objects":[],"tables":[],"blobs":[]}"#
        #expect(try ArchiveManifest.decodeJSON(Array(older.utf8)).omitted.isEmpty, "a format 1.0 manifest reads")
    }
}
