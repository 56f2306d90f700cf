import Foundation
import PoolKitConformance
import PoolKitMariaDB
import PoolKitPostgres
import PoolKitSQLite
import Testing

/// MariaDB → SQLite and PostgreSQL → MariaDB: the same readers and writers as the other directions,
/// checked on the hard-case fixtures.
@Suite(
    "MariaDB → SQLite and PostgreSQL → MariaDB", .serialized,
    .enabled(
        if: TestServers.shouldRun(.postgres) && TestServers.shouldRun(.mariadb),
        Comment(rawValue: TestServers.skipReason(.postgres) + " " + TestServers.skipReason(.mariadb))))
struct RemainingDirectionsTests {
    @Test("MariaDB's hard cases into SQLite: values, labels, zero dates; a bigint unsigned SQLite would round is refused")
    func mariadbToSQLite() async throws {
        let source = try await Scratch.mariadb("m2s")
        let target = try Scratch.sqlite("m2s")
        try await withScratch([source, target]) {
            try await source.execute(MariaDBToPostgresTests.schema)
            var options = RestoreOptions()
            options.crossEngine.onBadValue = .null
            let summary = try await migrate(source, into: target, options: options)
            let table = try #require(summary.migration?.tables.first { $0.name == "Odd `Name`" })
            #expect(table.refused == 1 && table.converted["zero-date"] == 2)
            let rows = try await target.query("SELECT id, flag, level, big, e, s, d, dt, ts, y, b, j, price, hex(bin) FROM \"Odd `Name`\" ORDER BY id")
            #expect(rows[0] == [
                "1", "0", "255", nil, "b", "x,z", nil, "2020-01-02 03:04:05.678", "2021-06-01 12:00:00+00:00", "2024", "10101",
                #"{"a": [1, 2]}"#, "12.5", "00FF0A09",
            ])
            await #expect(throws: (any Error).self) { try await target.execute("INSERT INTO \"Odd `Name`\" (flag, e) VALUES (1, 'nope')") }
            #expect(try await target.scalar("SELECT seq FROM sqlite_sequence WHERE name = 'owner'") == "101")
        }
    }

    @Test("PostgreSQL into MariaDB: values, counters, keys; NaN and infinity refused")
    func postgresToMariaDB() async throws {
        let source = try await Scratch.postgres("p2m")
        let target = try await Scratch.mariadb("p2m")
        try await withScratch([source, target]) {
            try await source.execute(PostgresToSQLiteTests.schema)
            var options = RestoreOptions()
            options.crossEngine.onBadValue = .null
            let summary = try await migrate(source, into: target, options: options)
            #expect(summary.migration?.tables.first { $0.name == "a" }?.refused == 2)
            let rows = try await target.query("SELECT id, name, n, f, b, huge, d, ts, t, u, HEX(raw), arr, big, tm FROM a ORDER BY id")
            #expect(rows[0] == [
                "1", "one", "1.50", "0.25", "1", "123456789.250000000000000000000000000000", "2020-01-01", "2020-01-01 08:00:00.000000",
                "2020-01-01 10:00:00.123456", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "00FF", "{1,NULL,3}", "9223372036854775807", "10:11:12.000000",
            ])
            #expect(rows[1][3] == nil && rows[1][6] == nil)
            try await target.execute("INSERT INTO a (name) VALUES ('new')")
            #expect(try await target.scalar("SELECT MAX(id) FROM a") == "42")
            #expect(try await target.scalar("SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()") == "1")
        }
    }

    /// Found by scripts/check-migrations.sh on scripts/fixtures/hostile-postgres.sql: a BC date
    /// arrived in SQLite as '-0043-03-15' (a form SQLite's date functions do not read) and made
    /// MariaDB's LOAD DATA truncate it, failing the restore; SQLite and MariaDB turned -0.0 into 0.
    @Test("dates outside the years 1–9999 and -0.0 are refused (named in the report), not changed, into SQLite and MariaDB")
    func outOfRangeDatesAndNegativeZero() async throws {
        let source = try await Scratch.postgres("p2x-range")
        let sqlite = try Scratch.sqlite("p2x-range")
        let mariadb = try await Scratch.mariadb("p2x-range")
        try await withScratch([source, sqlite, mariadb]) {
            try await source.execute(
                """
                CREATE TABLE days (id int PRIMARY KEY, day date, at timestamp, r real, d double precision);
                INSERT INTO days VALUES (1, '0044-03-15 BC', '0044-03-15 12:00:00 BC', '-0', '-0'), (2, '12345-01-01', '12345-01-01 00:00:00', 0, 0),
                    (3, '0001-01-01', '9999-12-31 23:59:59.999999', -1.5, -1.5);
                """)
            var options = RestoreOptions()
            options.crossEngine.onBadValue = .null
            let intoSQLite = try #require(try await migrate(source, into: sqlite, options: options).migration?.tables.first)
            #expect(intoSQLite.refused == 6, "\(intoSQLite.refusedExamples)")
            #expect(intoSQLite.refusedExamples.contains { $0.contains("column day") && $0.contains("0044-03-15 BC") })
            #expect(intoSQLite.refusedExamples.contains { $0.contains("SQLite stores -0.0 as 0") })
            #expect(try await sqlite.query("SELECT day, at, r, d FROM days ORDER BY id") == [
                [nil, nil, nil, nil], [nil, nil, "0.0", "0.0"], ["0001-01-01", "9999-12-31 23:59:59.999999", "-1.5", "-1.5"],
            ])
            let intoMariaDB = try #require(try await migrate(source, into: mariadb, options: options).migration?.tables.first)
            #expect(intoMariaDB.refused == 6, "\(intoMariaDB.refusedExamples)")
            #expect(intoMariaDB.refusedExamples.contains { $0.contains("MariaDB stores -0.0 as 0") })
            #expect(try await mariadb.query("SELECT day, at, r, d FROM days ORDER BY id") == [
                [nil, nil, nil, nil], [nil, nil, "0", "0"], ["0001-01-01", "9999-12-31 23:59:59.999999", "-1.5", "-1.5"],
            ])
        }
    }
}
