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

    /// Found by scripts/check-migrations.sh on the Sakila-like and Northwind-like SQLite databases:
    /// InnoDB refused their foreign keys, whose columns had other types than the keys they reference.
    @Test("a foreign key whose column has another type than the key it references (INT → numeric, TEXT → a key's TEXT) is created, its column taking the referenced type")
    func foreignKeyAcrossTypes() async throws {
        let source = try Scratch.sqlite("s2m-fk")
        let target = try await Scratch.mariadb("s2m-fk")
        try await withScratch([source, target]) {
            try await source.execute(
                """
                CREATE TABLE actor (actor_id numeric NOT NULL PRIMARY KEY, name TEXT);
                CREATE TABLE film_actor (actor_id INT NOT NULL REFERENCES actor (actor_id), film INT NOT NULL, PRIMARY KEY (actor_id, film));
                CREATE TABLE customers (id TEXT PRIMARY KEY, name TEXT);
                CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT REFERENCES customers (id));
                CREATE TABLE managers (emp INT NOT NULL, customer TEXT NOT NULL REFERENCES customers (id), PRIMARY KEY (emp, customer));
                INSERT INTO actor VALUES (1, 'a'), (2, 'b');
                INSERT INTO film_actor VALUES (1, 10), (2, 10), (2, 11);
                INSERT INTO customers VALUES ('ALFKI', 'x'), ('BONAP', 'y');
                INSERT INTO orders VALUES (1, 'ALFKI'), (2, NULL);
                INSERT INTO managers VALUES (7, 'BONAP');
                """)
            let summary = try await migrate(source, into: target)
            let report = try #require(summary.migration)
            #expect(report.warnings.contains { $0.contains("film_actor.actor_id becomes numeric (was bigint)") })
            #expect(report.warnings.contains { $0.contains("orders.customer becomes varchar(768) (was text)") })
            // A key column narrowed to fit InnoDB's key limit (764) may reference a longer one (768): kept, so the key still fits.
            #expect(!report.warnings.contains { $0.contains("managers.customer") })
            #expect(try await target.scalar("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'managers' AND COLUMN_NAME = 'customer'") == "varchar(764)")
            #expect(try await target.scalar("SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()") == "3")
            #expect(try await target.query("SELECT CAST(actor_id AS SIGNED), film FROM film_actor ORDER BY 2, 1") == [["1", "10"], ["2", "10"], ["2", "11"]])
            #expect(try await target.query("SELECT customer FROM orders ORDER BY id") == [["ALFKI"], [nil]])
            await #expect(throws: (any Error).self) { try await target.execute("INSERT INTO film_actor VALUES (3, 12)") }
            await #expect(throws: (any Error).self) { try await target.execute("INSERT INTO orders VALUES (3, 'NOONE', NULL)") }
        }
    }
}
