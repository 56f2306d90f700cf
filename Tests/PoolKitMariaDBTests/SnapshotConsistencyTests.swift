import Foundation
import PoolKitConformance
import PoolKitMariaDB
import Synchronization
import Testing

/// The workers of a `snapshot` backup see one instant: money moved between tables while the
/// backup runs is never counted twice or lost in the restored copy.
@Suite(
    "MariaDB snapshot consistency", .serialized,
    .enabled(if: TestServers.shouldRun(.mariadb), Comment(rawValue: TestServers.skipReason(.mariadb))))
struct SnapshotConsistencyTests {
    static let tables = 4
    static let accountsPerTable = 500
    static let opening = 1000

    @Test(
        "concurrent transfers during a --jobs 4 backup: the restored total is the invariant",
        arguments: ["backup_stage", "ftwrl"])
    func transfersDuringBackup(lock: String) async throws {
        guard lock == "ftwrl" else {
            let created = try await ScratchDatabase.create("pk_cons_src")
            let source = ScratchDatabase(
                name: created.name, url: try ConnectionURL(created.urlText + "?lock=\(lock)"), urlText: created.urlText + "?lock=\(lock)")
            let target = try await ScratchDatabase.create("pk_cons_dst")
            do {
                try await transfers(source, target, lock: lock)
            } catch {
                await source.drop()
                await target.drop()
                throw error
            }
            await source.drop()
            await target.drop()
            return
        }
        // FLUSH TABLES WITH READ LOCK locks the whole server: on the shared one, MariaDB's
        // metadata-lock deadlock detector ends other tests' CREATE INDEX or ALTER TABLE … ADD KEY,
        // running beside it, with error 1213. It gets a server of its own.
        let server = try await PrivateTestServer.start(.mariadb)
        do {
            let base = try ConnectionURL(server.url)
            func database(_ name: String, options: String = "") throws -> ScratchDatabase {
                let text = server.url.replacingOccurrences(of: "/\(base.database ?? "")", with: "/\(name)") + options
                return ScratchDatabase(name: name, url: try ConnectionURL(text), urlText: text)
            }
            try await database(base.database ?? "").withConnection { connection in
                try await connection.execute(unsafeSQL: "CREATE DATABASE pk_cons_src; CREATE DATABASE pk_cons_dst; SET GLOBAL local_infile = 1")
            }
            try await transfers(try database("pk_cons_src", options: "?lock=ftwrl"), try database("pk_cons_dst"), lock: lock)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    private func transfers(_ source: ScratchDatabase, _ target: ScratchDatabase, lock: String) async throws {
        try await source.withConnection { connection in
            for table in 0..<Self.tables {
                try await connection.execute(unsafeSQL:
                    """
                    CREATE TABLE acc_\(table) (id INT PRIMARY KEY, balance BIGINT NOT NULL, pad VARCHAR(500)) ENGINE = InnoDB;
                    INSERT INTO acc_\(table) SELECT seq, \(Self.opening), REPEAT('p', 400) FROM seq_1_to_\(Self.accountsPerTable)
                    """)
            }
        }
        let total = Self.tables * Self.accountsPerTable * Self.opening
        let stop = Atomic<Bool>(false)
        let transfers = Atomic<Int>(0)
        let mover = Task {
            try await source.withConnection { connection in
                var generator = SystemRandomNumberGenerator()
                while !stop.load(ordering: .relaxed) {
                    let from = Int.random(in: 0..<Self.tables, using: &generator)
                    let to = (from + Int.random(in: 1..<Self.tables, using: &generator)) % Self.tables
                    let fromID = Int.random(in: 1...Self.accountsPerTable, using: &generator)
                    let toID = Int.random(in: 1...Self.accountsPerTable, using: &generator)
                    let amount = Int.random(in: 1...50, using: &generator)
                    try await connection.execute(unsafeSQL:
                        """
                        START TRANSACTION;
                        UPDATE acc_\(from) SET balance = balance - \(amount) WHERE id = \(fromID);
                        UPDATE acc_\(to) SET balance = balance + \(amount) WHERE id = \(toID);
                        COMMIT
                        """)
                    transfers.add(1, ordering: .relaxed)
                }
            }
        }
        // Let transfers run before the backup starts, so they overlap its lock and its dumps.
        while transfers.load(ordering: .relaxed) < 50 { try await Task.sleep(for: .milliseconds(5)) }
        let before = transfers.load(ordering: .relaxed)
        let result: Result<Void, any Error>
        do {
            let (backup, _) = try await roundTripThroughFile(source, target, jobs: 4)
            #expect(
                backup.manifest.options["lock"] == (lock == "ftwrl" ? "FLUSH TABLES WITH READ LOCK" : "BACKUP STAGE BLOCK_COMMIT"))
            result = .success(())
        } catch {
            result = .failure(error)
        }
        let during = transfers.load(ordering: .relaxed) - before
        stop.store(true, ordering: .relaxed)
        try await mover.value
        try result.get()

        let restored = try await target.withConnection { connection in
            try await connection.query(unsafeSQL:
                (0..<Self.tables).map { "SELECT SUM(balance) AS s FROM acc_\($0)" }.joined(separator: " UNION ALL ")
            ).rows.compactMap { $0[0].flatMap { Int($0) } }.reduce(0, +)
        }
        #expect(restored == total, "\(during) transfers ran while the backup did")
        let source_total = try await source.withConnection { connection in
            try await connection.query(unsafeSQL:
                (0..<Self.tables).map { "SELECT SUM(balance) AS s FROM acc_\($0)" }.joined(separator: " UNION ALL ")
            ).rows.compactMap { $0[0].flatMap { Int($0) } }.reduce(0, +)
        }
        #expect(source_total == total)
    }
}
