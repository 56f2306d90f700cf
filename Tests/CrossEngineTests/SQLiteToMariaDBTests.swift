import Foundation
import PoolKitConformance
import PoolKitMariaDB
import PoolKitSQLite
import Testing

/// SQLite `logical` archives restored into the real MariaDB test server.
@Suite(
    "SQLite → MariaDB", .serialized,
    .enabled(if: TestServers.shouldRun(.mariadb), Comment(rawValue: TestServers.skipReason(.mariadb))))
struct SQLiteToMariaDBTests {
    @Test("the hostile SQLite fixture arrives with its values, keys, counter and foreign key, through LOAD DATA in parallel chunks")
    func hostileFixture() async throws {
        let source = try Scratch.sqlite("s2m")
        let target = try await Scratch.mariadb("s2m")
        try await withScratch([source, target]) {
            try await source.execute(SQLiteToPostgresTests.schema)
            let summary = try await migrate(source, into: target, chunkBytes: 64 << 10)
            #expect(summary.chunks > 3)
            #expect(try await target.scalar("SELECT CONCAT(COUNT(*), '/', SUM(x)) FROM plain") == "20000/200010000")
            let rows = try await target.query(
                "SELECT id, `select`, `Ünïcode`, flag, born, seen, price, ratio, HEX(payload), anything FROM `Odd \"Table\"` ORDER BY id")
            #expect(rows[0] == ["1", "tab\tand\nnewline \\ backslash", "ééééé", "1", "2020-01-02", "2021-03-04 05:06:07.000000", "12.50", "0.1", "00FF0A", "42"])
            #expect(rows[1] == ["2", "two", nil, "1", "2020-05-31", "2021-03-04 05:06:07.000000", "3.00", "-1e300", "", "text"])
            #expect(rows[2] == ["3", "three", "", "0", nil, "2020-05-31 06:00:00.000000", nil, nil, nil, "A"])
            // The AUTOINCREMENT counter (10) carries over; the default is kept.
            try await target.execute("INSERT INTO `Odd \"Table\"` () VALUES ()")
            #expect(try await target.scalar("SELECT CONCAT(MAX(id), ':', MAX(`select`) = 'it''s') FROM `Odd \"Table\"` WHERE id > 3") == "11:1")
            // A text key column is narrowed to fit InnoDB's key limit; a UNIQUE key on text compares bytes.
            #expect(try await target.scalar("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'pairs' AND COLUMN_NAME = 'a'") == "varchar(764)")
            try await target.execute("INSERT INTO plain (x, y) VALUES (0, 'ROW 1')")
            #expect(try await target.scalar("SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()") == "1")
            await #expect(throws: (any Error).self) { try await target.execute("INSERT INTO plain (x, ref) VALUES (0, 999)") }
        }
    }
}
