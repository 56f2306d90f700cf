import Foundation
import PoolKitConformance
@testable import PoolKitPostgres
import Testing

/// Partition-heavy schemas restored again and again at several job counts, from a file and from a
/// pipe: every restore succeeds without a deadlock retry, and `pg_dump --schema-only` of the
/// target equals the source's. `POOLKIT_STRESS_ROUNDS` sets the rounds per case (default 2, as
/// in CI; the full run is 20).
@Suite(
    "Postgres partitioned restore stress", .serialized,
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresPartitionStressTests {
    static let rounds = ProcessInfo.processInfo.environment["POOLKIT_STRESS_ROUNDS"].flatMap { Int($0) } ?? 2

    @Test("partition-heavy schemas restore with no deadlock and no race", arguments: [2, 4, 8], Transport.allCases)
    func repeatedRestores(jobs: Int, transport: Transport) async throws {
        let source = try await ScratchDatabase.create("pstress_src")
        defer { Task { await source.drop() } }
        try await source.execute(unsafeSQL: PostgresPartitionFixture.schema())
        let expected = try await DatabaseFingerprint.read(source)
        let sourceSchema = try schemaDump(source)
        var backupOptions = BackupOptions()
        backupOptions.jobs = jobs
        var restoreOptions = RestoreOptions()
        restoreOptions.jobs = jobs
        for round in 1...Self.rounds {
            let target = try await ScratchDatabase.create("pstress_dst")
            do {
                let (_, restored) = try await copyDatabase(
                    from: source.url, to: target.url, via: transport, backupOptions: backupOptions,
                    restoreOptions: restoreOptions)
                #expect(restored.deadlockRetries == 0, "round \(round): \(restored.deadlockRetries) deadlocks retried")
                #expect(try await DatabaseFingerprint.read(target) == expected, "round \(round)")
                if let sourceSchema {
                    let targetSchema = try schemaDump(target) ?? ""
                    #expect(targetSchema == sourceSchema, "round \(round): \(firstDifference(sourceSchema, targetSchema))")
                }
            } catch {
                Issue.record("round \(round) at --jobs \(jobs) via \(transport): \(error)")
            }
            await target.drop()
        }
    }

    @Test("the archive records what each post-data statement locks: a partitioned table's foreign key locks every partition and the referenced table")
    func recordedLocks() async throws {
        let source = try await ScratchDatabase.create("plocks_src")
        defer { Task { await source.drop() } }
        try await source.execute(unsafeSQL: PostgresPartitionFixture.schema(copies: 1))
        let path = temporaryArchivePath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let manifest = try await backup(source.url, to: path).manifest
        let ids = Dictionary(
            manifest.objects.filter { $0.kind == .table }.map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a })
        func locks(_ name: String, _ kind: ArchiveObject.Kind = .constraint) throws -> ArchiveObjectLocks {
            try #require(
                manifest.objects.first { $0.name == name && $0.kind == kind && $0.section == .postData }?.locks,
                "\(name) has no locks")
        }
        let partitions = Set((1...12).map { ids["fk_\($0)"]! })
        let parentKey = try locks("fk_a_fkey")
        #expect(Set(parentKey.exclusive) == partitions.union([ids["fk"]!, ids["pk"]!]))
        #expect(Set(try locks("fk_3_own").exclusive) == [ids["fk_3"]!, ids["pk"]!])
        #expect(try locks("tp2_3_pkey") == ArchiveObjectLocks(exclusive: [ids["tp2_3"]!]), "a partition's key with ONLY locks the partition alone")
        #expect(try locks("ev_r", .index) == ArchiveObjectLocks(shared: [ids["ev"]!]), "CREATE INDEX ON ONLY locks its table alone")
        // A plain table's keys: their unique indexes build side by side (shared), then each becomes
        // the key in a statement of its own.
        #expect(try locks("ref_pkey", .index) == ArchiveObjectLocks(shared: [ids["ref"]!]))
        #expect(try locks("ref_k_key", .index) == ArchiveObjectLocks(shared: [ids["ref"]!]))
        let key = try #require(manifest.objects.first { $0.name == "ref_pkey" && $0.kind == .constraint })
        #expect(key.ddl == "ALTER TABLE ONLY \"p1\".\"ref\" ADD CONSTRAINT \"ref_pkey\" PRIMARY KEY USING INDEX \"ref_pkey\";\n")
        #expect(key.locks == ArchiveObjectLocks(exclusive: [ids["ref"]!]))
        // The partition's own trigger state comes after its parent's, which reaches it.
        let order = manifest.objects.map(\.name)
        let parentState = try #require(
            manifest.objects.firstIndex { $0.kind == .trigger && $0.ddl?.contains("ALTER TABLE \"p1\".\"tp2\" DISABLE TRIGGER") == true })
        let childState = try #require(
            manifest.objects.firstIndex { $0.kind == .trigger && $0.ddl?.contains("ALTER TABLE \"p1\".\"tp2_1\" ") == true })
        #expect(parentState < childState, "\(order)")
        let parentStateLocks = Set(manifest.objects[parentState].locks?.exclusive ?? [])
        #expect(parentStateLocks.isSuperset(of: (1...10).map { ids["tp2_\($0)"]! }))
        #expect(manifest.objects.firstIndex { $0.name == "fk_a_fkey" }! < manifest.objects.firstIndex { $0.name == "fk_1_own" }!)
    }

    @Test("a domain constraint added after the data locks every table with a column of the domain, shared")
    func domainConstraintLocks() async throws {
        let source = try await ScratchDatabase.create("pdomain_src")
        defer { Task { await source.drop() } }
        try await source.execute(unsafeSQL:
            """
            CREATE DOMAIN d AS int;
            CREATE TABLE t1 (a d); CREATE TABLE t2 (b d, c int); CREATE TABLE t3 (c int);
            ALTER DOMAIN d ADD CONSTRAINT d_pos CHECK (VALUE > 0) NOT VALID;
            """)
        let path = temporaryArchivePath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let manifest = try await backup(source.url, to: path).manifest
        let ids = Dictionary(manifest.objects.filter { $0.kind == .table }.map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a })
        let constraint = try #require(manifest.objects.first { $0.name == "d_pos" })
        #expect(constraint.locks == ArchiveObjectLocks(shared: [ids["t1"]!, ids["t2"]!]))
    }
}
