import Foundation
import Logging
import PoolKitConformance
@testable import PoolKitPostgres
import Testing

/// The last guard of the post-data schedule: a deadlock with another session on the target is
/// retried and counted, never reported as a failed restore on the first try.
@Suite(
    "Postgres restore deadlock guard", .serialized,
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresDeadlockGuardTests {
    @Test("an object's statements that deadlock with another session run again, and the retry is counted")
    func deadlockWithAnotherSession() async throws {
        let database = try await ScratchDatabase.create("dlguard")
        defer { Task { await database.drop() } }
        try await database.execute(unsafeSQL: "CREATE TABLE a (x int); CREATE TABLE b (x int)")
        let logger = Logger(label: "test")
        let restorer = try #require(try await PostgresDriver().connect(to: database.url, logger: logger) as? PostgresConnection)
        let other = try await PostgresDriver().connect(to: database.url, logger: logger)
        let watcher = try await PostgresDriver().connect(to: database.url, logger: logger)
        defer {
            Task {
                await restorer.close()
                await other.close()
                await watcher.close()
            }
        }
        // Only the restorer's session looks for the deadlock; the other waits without checking.
        try await restorer.execute(unsafeSQL: "SET deadlock_timeout = '100ms'")
        try await other.execute(unsafeSQL: "SET deadlock_timeout = '60s'")
        let manifest = ArchiveManifest(engine: "postgres", serverVersion: "15", driver: "postgres", strategy: "copy")
        let session = PostgresCopyRestoreSession(
            manifest: manifest, options: RestoreOptions(), coordinator: restorer, superuser: true)
        // The gate (an advisory lock the watcher holds) stops the object between its two tables,
        // so the steps below happen in this order whatever the machine's load: no timing involved.
        let object = ArchiveObject(
            id: 1, kind: .constraint, name: "both", section: .postData,
            ddl: "ALTER TABLE a ADD COLUMN y int;\nSELECT pg_advisory_xact_lock(4242);\nALTER TABLE b ADD COLUMN y int;\n")

        try await other.execute(unsafeSQL: "BEGIN")
        try await other.execute(unsafeSQL: "ALTER TABLE b ADD COLUMN z int")  // the other session holds b
        try await watcher.execute(unsafeSQL: "SELECT pg_advisory_lock(4242)")
        async let applied: Void = session.apply(object, on: restorer)  // holds a, waits at the gate
        try await waitUntil(watcher, "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'advisory'")
        async let otherWantsA: Void = other.execute(unsafeSQL: "ALTER TABLE a ADD COLUMN z int")  // waits for a
        try await waitUntil(watcher, "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'a'::regclass")
        // Through the gate, the restorer asks for b: a cycle, which its own check finds.
        try await watcher.execute(unsafeSQL: "SELECT pg_advisory_unlock(4242)")
        try await otherWantsA
        try await other.execute(unsafeSQL: "COMMIT")
        try await applied
        #expect(session.deadlockRetries == 1)
        let columns = try await watcher.query(unsafeSQL:
            "SELECT attrelid::regclass::text || '.' || attname FROM pg_attribute WHERE attrelid IN ('a'::regclass, 'b'::regclass) AND attnum > 0 ORDER BY 1")
        #expect(columns.rows.map { $0[0] ?? "" } == ["a.x", "a.y", "a.z", "b.x", "b.y", "b.z"])
    }

    /// Polls `sql` (a count) on `connection` until it is 1.
    private func waitUntil(_ connection: any DatabaseConnection, _ sql: String) async throws {
        for _ in 0..<3000 {
            if try await connection.query(unsafeSQL: sql).rows.first?[0] == "1" { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("never true: \(sql)")
    }
}
