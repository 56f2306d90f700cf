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
        try await database.execute("CREATE TABLE a (x int); CREATE TABLE b (x int)")
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
        // The restorer's session finds the deadlock (its check runs first), the other waits.
        try await restorer.execute("SET deadlock_timeout = '2s'")
        try await other.execute("SET deadlock_timeout = '60s'")
        let manifest = ArchiveManifest(engine: "postgres", serverVersion: "15", driver: "postgres", strategy: "copy")
        let session = PostgresCopyRestoreSession(
            manifest: manifest, options: RestoreOptions(), coordinator: restorer, superuser: true)
        let object = ArchiveObject(
            id: 1, kind: .constraint, name: "both", section: .postData,
            ddl: "ALTER TABLE a ADD COLUMN y int;\nALTER TABLE b ADD COLUMN y int;\n")

        try await other.execute("BEGIN")
        try await other.execute("ALTER TABLE b ADD COLUMN z int")
        async let applied: Void = session.apply(object, on: restorer)
        // Once the restorer holds a and waits for b, the other session asks for a: a cycle.
        var waiting = false
        for _ in 0..<500 where !waiting {
            let result = try await watcher.query("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'b'::regclass")
            waiting = result.rows.first?[0] == "1"
            if !waiting { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(waiting, "the restorer never waited for b")
        try await other.execute("ALTER TABLE a ADD COLUMN z int")
        try await other.execute("COMMIT")
        try await applied
        #expect(session.deadlockRetries == 1)
        let columns = try await watcher.query(
            "SELECT attrelid::regclass::text || '.' || attname FROM pg_attribute WHERE attrelid IN ('a'::regclass, 'b'::regclass) AND attnum > 0 ORDER BY 1")
        #expect(columns.rows.map { $0[0] ?? "" } == ["a.x", "a.y", "a.z", "b.x", "b.y", "b.z"])
    }
}
