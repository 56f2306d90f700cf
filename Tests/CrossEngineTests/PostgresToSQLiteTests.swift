import Foundation
import PoolKitConformance
import PoolKitPostgres
import PoolKitSQLite
import Testing

/// PostgreSQL `copy` archives restored into SQLite files, and the round trip SQLite → PostgreSQL → SQLite.
@Suite(
    "PostgreSQL → SQLite", .serialized,
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresToSQLiteTests {
    static let schema = #"""
        CREATE TABLE a (id serial PRIMARY KEY, name varchar(20) NOT NULL DEFAULT 'x', n numeric(10,2), f float8, b boolean, huge numeric,
            d date, ts timestamptz, t timestamp, j jsonb, u uuid, raw bytea, arr int[], big bigint UNIQUE, tm time, iv interval);
        CREATE TABLE "B b" (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, a_id int REFERENCES a(id) ON DELETE SET NULL,
            note text CHECK (length(note) < 100));
        CREATE INDEX a_n ON a (n DESC);
        CREATE INDEX a_lower ON a (lower(name));
        CREATE VIEW v AS SELECT id FROM a;
        COMMENT ON TABLE a IS 'the a';
        INSERT INTO a (name, n, f, b, huge, d, ts, t, j, u, raw, arr, big, tm, iv) VALUES
            ('one', 1.5, 0.25, true, 123456789.25, '2020-01-01', '2020-01-01 10:00:00+02', '2020-01-01 10:00:00.123456', '{"k": 1}',
             'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\x00ff', ARRAY[1, NULL, 3], 9223372036854775807, '10:11:12', '1 year 2 days 03:04:05'),
            ('two', -12345678.9, 'NaN', false, 18446744073709551615, 'infinity', NULL, NULL, NULL, NULL, NULL, '{}', NULL, NULL, NULL);
        INSERT INTO "B b" (a_id, note) VALUES (1, 'hi'), (NULL, NULL);
        SELECT setval(pg_get_serial_sequence('a', 'id'), 41);
        """#

    @Test("binary COPY values, keys, counters and refused values (NaN, infinity) arrive as documented")
    func values() async throws {
        let source = try await Scratch.postgres("p2s")
        let target = try Scratch.sqlite("p2s")
        try await withScratch([source, target]) {
            try await source.execute(Self.schema)
            do {
                _ = try await migrate(source, into: target)
                Issue.record("'infinity' has no SQLite date: the restore must stop")
            } catch let error as PoolKitError {
                #expect(error.message.contains("table a, column"), "\(error.message)")
            }
            var options = RestoreOptions()
            options.crossEngine.onBadValue = .null
            options.clean = true
            let summary = try await migrate(source, into: target, options: options)
            let report = try #require(summary.migration)
            // NaN, 'infinity' and a numeric SQLite would store as a REAL with fewer digits.
            #expect(report.tables.first { $0.name == "a" }?.refused == 3)
            #expect(try await target.query("SELECT huge, typeof(huge) FROM a ORDER BY id").map { $0 } == [["123456789.25", "real"], [nil, "null"]])

            let rows = try await target.query("SELECT id, name, n, f, b, d, ts, t, j, u, hex(raw), arr, big, tm, iv FROM a ORDER BY id")
            #expect(rows[0] == [
                "1", "one", "1.5", "0.25", "1", "2020-01-01", "2020-01-01 08:00:00+00:00", "2020-01-01 10:00:00.123456", #"{"k": 1}"#,
                "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "00FF", "{1,NULL,3}", "9223372036854775807", "10:11:12", "1 year 2 days 03:04:05",
            ])
            #expect(rows[1] == ["2", "two", "-12345678.9", nil, "0", nil, nil, nil, nil, nil, "", "{}", nil, nil, nil])
            #expect(try await target.scalar(#"SELECT count(*) FROM "B b" WHERE a_id = 1"#) == "1")
            // The serial's counter (41) and the identity's (2) carry over.
            try await target.execute(#"INSERT INTO a (name) VALUES ('new'); INSERT INTO "B b" (note) VALUES ('n')"#)
            #expect(try await target.scalar("SELECT max(id) FROM a") == "42")
            #expect(try await target.scalar(#"SELECT max(id) FROM "B b""#) == "3")
            #expect(try await target.scalar("SELECT name FROM a WHERE id = 42") == "new")
            let indexes = try await target.query("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").map { $0[0] }
            #expect(indexes == ["a_big_key", "a_lower", "a_n"])
            #expect(try await target.scalar(#"SELECT "table" || '.' || "to" || '/' || on_delete FROM pragma_foreign_key_list('B b')"#) == "a.id/SET NULL")
            #expect(Set(report.notCarried.map(\.kind)) == ["view"])
            // CHECK (length(note) < 100) is translated: SQLite refuses a longer note.
            await #expect(throws: (any Error).self) { try await target.execute(#"INSERT INTO "B b" (note) VALUES (replace(hex(zeroblob(100)), '00', 'x'))"#) }
        }
    }

    @Test("SQLite → PostgreSQL → SQLite gives back the same rows and the same schema shape")
    func roundTrip() async throws {
        let original = try Scratch.sqlite("rt1")
        let middle = try await Scratch.postgres("rt")
        let back = try Scratch.sqlite("rt2")
        try await withScratch([original, middle, back]) {
            try await original.execute(
                #"""
                CREATE TABLE "Odd ""T""" (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL DEFAULT 'it''s', n NUMERIC(10,2),
                    r REAL, flag BOOLEAN, day DATE, at DATETIME, data BLOB, "Ü" TEXT);
                CREATE TABLE child (a TEXT NOT NULL, b INTEGER NOT NULL, parent INTEGER REFERENCES "Odd ""T"""(id) ON DELETE CASCADE,
                    PRIMARY KEY (a, b)) WITHOUT ROWID;
                CREATE UNIQUE INDEX odd_name ON "Odd ""T""" (name);
                CREATE INDEX child_parent ON child (parent DESC);
                INSERT INTO "Odd ""T""" (name, n, r, flag, day, at, data, "Ü") VALUES
                    ('a', 12.5, 0.1, 1, '2020-01-02', '2021-03-04 05:06:07', x'00ff', 'ünï'),
                    ('b', NULL, -1e300, 0, NULL, '2021-03-04 05:06:07.5', x'', ''),
                    ('c	d', 3, NULL, NULL, '1999-12-31', NULL, NULL, NULL);
                INSERT INTO child VALUES ('x', 1, 1), ('x', 2, NULL), ('y', 1, 3);
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
                INSERT INTO child SELECT 'z', i, 2 FROM n;
                """#)
            _ = try await migrate(original, into: middle, chunkBytes: 16 << 10)
            _ = try await migrate(middle, into: back)
            for table in ["\"Odd \"\"T\"\"\"", "child"] {
                let select = "SELECT * FROM \(table) ORDER BY 1, 2"
                let typed = "SELECT *, \(try await Self.typeofList(original, table)) FROM \(table) ORDER BY 1, 2"
                let (rows, rowsBack) = (try await original.query(select), try await back.query(select))
                #expect(rowsBack == rows, "rows of \(table)")
                let (classes, classesBack) = (try await original.query(typed), try await back.query(typed))
                #expect(classesBack == classes, "storage classes of \(table)")
            }
            #expect(try await back.query("SELECT * FROM sqlite_sequence") == original.query("SELECT * FROM sqlite_sequence"))
            for table in ["Odd \"T\"", "child"] {
                let shape = "SELECT name, \"notnull\", pk FROM pragma_table_info('\(table.replacingOccurrences(of: "'", with: "''"))') ORDER BY cid"
                #expect(try await back.query(shape) == original.query(shape), "columns of \(table)")
                let keys = "SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list('\(table)')"
                #expect(try await back.query(keys) == original.query(keys), "foreign keys of \(table)")
                let indexes = "SELECT \"unique\", origin FROM pragma_index_list('\(table)') ORDER BY 1, 2"
                #expect(try await back.query(indexes) == original.query(indexes), "indexes of \(table)")
            }
        }
    }

    /// `typeof(c1), typeof(c2), …` for every column of `table`.
    private static func typeofList(_ database: Scratch, _ table: String) async throws -> String {
        let name = table.hasPrefix("\"") ? String(table.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"") : table
        let columns = try await database.query("SELECT name FROM pragma_table_info('\(name)') ORDER BY cid").compactMap { $0[0] }
        return columns.map { "typeof(\"\($0.replacingOccurrences(of: "\"", with: "\"\""))\")" }.joined(separator: ", ")
    }

    /// Found by scripts/check-migrations.sh on scripts/fixtures/hostile-postgres.sql: a type with a
    /// modifier in the middle of its name (`timestamp(6) without time zone`) had "no portable form",
    /// and the whole restore stopped before it began.
    @Test("times and timestamps with a precision (timestamp(3), time(0), timestamptz(2)) arrive with their values")
    func precisionModifiers() async throws {
        let source = try await Scratch.postgres("p2s-prec")
        let target = try Scratch.sqlite("p2s-prec")
        try await withScratch([source, target]) {
            try await source.execute(
                """
                CREATE TABLE stamps (id int PRIMARY KEY, at timestamp(3), clock time(0), instant timestamptz(2), span interval(2));
                INSERT INTO stamps VALUES (1, '2024-03-31 02:30:00.1234', '23:59:59', '2024-10-27 02:30:00.125+02', '1 day 00:00:01.25'),
                    (2, NULL, NULL, NULL, NULL);
                """)
            let summary = try await migrate(source, into: target)
            let report = try #require(summary.migration)
            let columns = try #require(report.tables.first).columns.map { "\($0.name): \($0.targetType)" }
            #expect(columns == ["id: integer", "at: timestamp", "clock: time", "instant: timestamptz", "span: text"])
            #expect(try await target.query("SELECT at, clock, instant, span FROM stamps ORDER BY id") == [
                ["2024-03-31 02:30:00.123", "23:59:59", "2024-10-27 00:30:00.13+00:00", "1 day 00:00:01.25"], [nil, nil, nil, nil],
            ])
        }
    }

    /// Found by scripts/check-migrations.sh on scripts/fixtures/hostile-postgres.sql: `-1 days`
    /// arrived as `-1 day`. PostgreSQL's own text output is the oracle.
    @Test("an interval from binary COPY is written as PostgreSQL writes it: plural unless exactly 1, '+' after a negative part")
    func intervalText() async throws {
        let source = try await Scratch.postgres("p2s-iv")
        let target = try Scratch.sqlite("p2s-iv")
        try await withScratch([source, target]) {
            try await source.execute(
                """
                CREATE TABLE spans (id int PRIMARY KEY, span interval);
                INSERT INTO spans VALUES (1, '-1 days'), (2, '1 day'), (3, '-1 years +2 mons -3 days +04:05:06'), (4, '-1 mons'),
                    (5, '2 years -1 mons'), (6, '-00:00:01.5'), (7, '0'), (8, '1 year -00:00:01'), (9, '-2 days +1 second'), (10, '14 mons');
                """)
            _ = try await migrate(source, into: target)
            let expected = try await source.query("SELECT span::text FROM spans ORDER BY id")
            #expect(try await target.query("SELECT span FROM spans ORDER BY id") == expected)
        }
    }
}
