import Foundation
import PoolKit
import PoolKitConformance
import PoolKitMariaDB
import PoolKitPostgres
import PoolKitSQLite
import Testing

/// PostgreSQL enums, domains and partitioned tables restored into SQLite and MariaDB, which have
/// none of them: an enum as its labels (SQLite: text with a CHECK; MariaDB: ENUM), a domain as its
/// base type with its NOT NULL, default and translated CHECKs, a partitioned table as one table
/// holding every partition's rows.
@Suite(
    "PostgreSQL enums, domains and partitions into other engines", .serialized,
    .enabled(
        if: TestServers.shouldRun(.postgres) && TestServers.shouldRun(.mariadb),
        Comment(rawValue: TestServers.skipReason(.postgres) + TestServers.skipReason(.mariadb))))
struct PostgresTypesAndPartitionsTests {
    static let types = #"""
        CREATE TYPE mood AS ENUM ('sad', 'it''s ok', 'héllo wörld', '', 'tail ');
        CREATE SCHEMA other;
        CREATE TYPE other."Odd Mood" AS ENUM ('a b', 'c');
        CREATE DOMAIN year AS integer CONSTRAINT year_check CHECK (VALUE >= 1901 AND VALUE <= 2155);
        CREATE DOMAIN short_text AS varchar(10) NOT NULL DEFAULT 'x' CHECK (length(VALUE) > 0);
        CREATE DOMAIN year2 AS year CHECK (VALUE <> 2000);
        CREATE DOMAIN mood_d AS mood;
        CREATE DOMAIN odd_check AS text CHECK (VALUE ~ '^[a-z]+$');
        CREATE DOMAIN later AS integer;
        ALTER DOMAIN later ADD CONSTRAINT later_positive CHECK (VALUE > 0) NOT VALID;
        CREATE TABLE film (id serial PRIMARY KEY, m mood, o other."Odd Mood", y year, s short_text, y2 year2, md mood_d,
            oc odd_check, l later, moods mood[]);
        INSERT INTO film (m, o, y, s, y2, md, oc, l, moods) VALUES
            ('it''s ok', 'a b', 1999, 'hello', 2001, 'héllo wörld', 'abc', 5, '{sad,"it''s ok"}'),
            (NULL, NULL, NULL, 'h', NULL, '', NULL, NULL, NULL),
            ('', 'c', 2155, 'ten chars!', 1901, NULL, 'z', 7, '{}');
        -- An array of an enum makes the backup write the table as text COPY: money as '-$0.01' there.
        CREATE TABLE tagged (id int PRIMARY KEY, tags mood[], cash money, m mood);
        INSERT INTO tagged VALUES (1, '{sad}', '-0.01', 'tail '), (2, NULL, '1234.5', 'sad');
        CREATE TABLE base_note (id int, note text);
        CREATE TABLE child_note (extra int) INHERITS (base_note);
        INSERT INTO base_note VALUES (1, 'base');
        INSERT INTO child_note VALUES (2, 'child', 3);
        """#

    @Test("enums and domains arrive with their labels, base types, NOT NULL, defaults and CHECKs", arguments: ["sqlite", "mariadb"])
    func enumsAndDomains(_ engine: String) async throws {
        let source = try await Scratch.postgres("pgtypes")
        let target = engine == "sqlite" ? try Scratch.sqlite("pgtypes") : try await Scratch.mariadb("pgtypes")
        try await withScratch([source, target]) {
            try await source.execute(Self.types)
            let summary = try await migrate(source, into: target)
            let report = try #require(summary.migration)
            #expect(report.tables.first { $0.name == "film" }?.rowsWritten == 3)
            let rows = try await target.query("SELECT m, o, y, s, y2, md, oc, l, moods FROM film ORDER BY id")
            #expect(rows == [
                ["it's ok", "a b", "1999", "hello", "2001", "héllo wörld", "abc", "5", #"{sad,"it's ok"}"#],
                [nil, nil, nil, "h", nil, "", nil, nil, nil],
                ["", "c", "2155", "ten chars!", "1901", nil, "z", "7", "{}"],
            ])
            // The domains' CHECKs (both levels of year2) and the enum's labels hold in the target.
            for bad in ["y = 1900", "y2 = 2000", "y2 = 2156", "m = 'happy'", "o = 'A B'", "md = 'nope'", "s = ''"] {
                await #expect(throws: (any Error).self, "\(bad) must be refused") {
                    try await target.execute("UPDATE film SET \(bad) WHERE id = 1")
                }
            }
            // short_text is NOT NULL with DEFAULT 'x'.
            await #expect(throws: (any Error).self) { try await target.execute("UPDATE film SET s = NULL WHERE id = 1") }
            try await target.execute("INSERT INTO film (y) VALUES (2000)")
            #expect(try await target.scalar("SELECT s FROM film WHERE y = 2000") == "x")
            // What does not translate is said: a regular-expression CHECK, a NOT VALID domain constraint.
            let notCarried = report.notCarried.map { "\($0.kind) \($0.name)" }
            #expect(notCarried.contains("check film.oc_odd_check_check"), "\(notCarried)")
            #expect(notCarried.contains("check public.later_positive"), "\(notCarried)")
            #expect(!report.notCarried.contains { $0.kind == "type" }, "enums and domains are carried in their columns")
            #expect(report.translated.contains { $0.name.contains("y2_year_check") }, "\(report.translated)")
            // A label with a trailing space keeps it (MariaDB's ENUM would strip it); money from text COPY.
            #expect(try await target.query("SELECT m, length(m) FROM tagged ORDER BY id") == [["tail ", "5"], ["sad", "3"]])
            await #expect(throws: (any Error).self) { try await target.execute("UPDATE tagged SET m = 'tail' WHERE id = 1") }
            let cash = try await target.query("SELECT cash FROM tagged ORDER BY id").map { Double($0[0] ?? "") }
            #expect(cash == [-0.01, 1234.5])
            #expect(report.tables.first { $0.name == "tagged" }?.refused == 0)
            // Inheritance: separate tables, said.
            #expect(try await target.query("SELECT id, note FROM base_note") == [["1", "base"]])
            #expect(try await target.query("SELECT id, note, extra FROM child_note") == [["2", "child", "3"]])
            #expect(report.warnings.contains { $0.hasPrefix("child_note inherits from") && $0.contains("base_note") }, "\(report.warnings)")
        }
    }

    static let partitioned = #"""
        CREATE TABLE payment (id int NOT NULL, at timestamptz NOT NULL, amount numeric(6,2), note text,
            PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
        CREATE TABLE payment_2020 PARTITION OF payment FOR VALUES FROM ('2020-01-01') TO ('2021-01-01') PARTITION BY RANGE (id);
        CREATE TABLE payment_2020_a PARTITION OF payment_2020 FOR VALUES FROM (MINVALUE) TO (5000);
        CREATE TABLE payment_2020_rest PARTITION OF payment_2020 DEFAULT;
        -- Columns in another order than the parent's, attached afterwards.
        CREATE TABLE "payment 2021" (note text, amount numeric(6,2), at timestamptz NOT NULL, id int NOT NULL);
        ALTER TABLE payment ATTACH PARTITION "payment 2021" FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
        CREATE TABLE payment_other PARTITION OF payment DEFAULT;
        CREATE INDEX payment_amount ON payment (amount);
        CREATE INDEX only_2021_note ON "payment 2021" (note);
        -- As in Pagila: a foreign key and an index on every partition, none on the partitioned table.
        CREATE TABLE customer (id int PRIMARY KEY);
        INSERT INTO customer SELECT generate_series(0, 9);
        ALTER TABLE payment ADD COLUMN customer_id int;
        UPDATE payment SET customer_id = id % 10;
        DO $$ DECLARE p text; BEGIN
            FOR p IN SELECT c.oid::regclass::text FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid WHERE c.relkind = 'r' LOOP
                EXECUTE format('ALTER TABLE %s ADD FOREIGN KEY (customer_id) REFERENCES customer (id)', p);
                EXECUTE format('CREATE INDEX ON %s (customer_id DESC)', p);
            END LOOP;
        END $$;
        ALTER TABLE payment_other ADD CONSTRAINT other_only_positive CHECK (amount >= 0);
        CREATE TABLE refund (id serial PRIMARY KEY, payment_id int NOT NULL, at timestamptz NOT NULL,
            FOREIGN KEY (payment_id, at) REFERENCES payment (id, at));
        INSERT INTO payment SELECT i, timestamptz '2019-12-01' + i * interval '1 hour', i % 1000 / 10.0,
            (ARRAY['a', 'b', NULL])[i % 3 + 1] FROM generate_series(1, 30000) i;
        INSERT INTO refund (payment_id, at) SELECT id, at FROM payment WHERE id % 7 = 0;
        ANALYZE;
        """#

    @Test(
        "a partitioned table arrives as one table with every partition's rows; keys wait for all of them",
        arguments: [("sqlite", 1), ("sqlite", 4), ("mariadb", 1), ("mariadb", 2), ("mariadb", 4)])
    func partitions(_ engine: String, _ jobs: Int) async throws {
        let source = try await Scratch.postgres("pgparts")
        let target = engine == "sqlite" ? try Scratch.sqlite("pgparts") : try await Scratch.mariadb("pgparts")
        try await withScratch([source, target]) {
            try await source.execute(Self.partitioned)
            // Small chunks, so partitions load in several chunks each, in parallel.
            let summary = try await migrate(source, into: target, jobs: jobs, chunkBytes: 64 << 10)
            let report = try #require(summary.migration)
            #expect(report.tables.map(\.name).sorted() == ["customer", "payment", "refund"])
            #expect(report.tables.first { $0.name == "payment" }?.rowsWritten == 30000)
            let sums = "SELECT count(*), sum(id), sum(amount), count(note), sum(CASE WHEN note = 'a' THEN 1 ELSE 0 END) FROM payment"
            // Numbers compared as numbers: SQLite prints the sum of a NUMERIC column as a REAL.
            let numbers = { (rows: [[String?]]) in rows.map { $0.map { Double($0 ?? "") } } }
            let expected = try await source.query(sums)
            let got = try await target.query(sums)
            #expect(numbers(got) == numbers(expected), "\(got) against \(expected)")
            #expect(try await target.scalar("SELECT count(*) FROM refund") == "4285")
            // The key covers every partition's rows: a duplicate of a row of the last partition is refused.
            await #expect(throws: (any Error).self) {
                try await target.execute("INSERT INTO payment (id, at) SELECT id, at FROM payment WHERE id = 30000")
            }
            let notCarried = report.notCarried.map { "\($0.kind) \($0.name)" }
            #expect(notCarried.contains("index only_2021_note"), "\(notCarried)")
            #expect(notCarried.contains("check payment_other.other_only_positive"), "\(notCarried)")
            #expect(!notCarried.contains { $0.contains("customer_id") }, "every partition's key and index are the table's: \(notCarried)")
            // The foreign key every partition has is the table's.
            if engine == "sqlite" {
                #expect(try await target.query(#"SELECT "table", "from" FROM pragma_foreign_key_list('payment')"#) == [["customer", "customer_id"]])
            } else {
                await #expect(throws: (any Error).self, "a payment of an unknown customer is refused") {
                    try await target.execute("INSERT INTO payment (id, at, customer_id) VALUES (-1, '2020-05-05 00:00:00', 99)")
                }
            }
            #expect(!notCarried.contains { $0.contains("attach") }, "\(notCarried)")
            #expect(report.warnings.contains { $0.contains("payment: partitioned") && $0.contains("4 partitions") }, "\(report.warnings)")
            let indexQuery =
                engine == "sqlite"
                ? "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'payment' AND sql IS NOT NULL"
                : "SELECT DISTINCT index_name FROM information_schema.statistics WHERE table_schema = database() AND table_name = 'payment' AND index_name <> 'PRIMARY'"
            #expect(try await target.query(indexQuery).map { $0[0] ?? "" }.sorted() == ["payment_amount", "payment_customer_id_idx"])
        }
    }

    @Test("tables of one name in two schemas: an error naming both; --table chooses, a foreign key into a table left out is said")
    func schemasAndTableSelection() async throws {
        let source = try await Scratch.postgres("pgschemas")
        let target = try Scratch.sqlite("pgschemas")
        try await withScratch([source, target]) {
            try await source.execute(
                """
                CREATE SCHEMA sales;
                CREATE TABLE public.customer (id int PRIMARY KEY);
                CREATE TABLE public.orders (id int PRIMARY KEY, customer_id int REFERENCES public.customer);
                CREATE TABLE sales.orders (id int PRIMARY KEY, total numeric(8,2));
                INSERT INTO public.customer VALUES (1);
                INSERT INTO public.orders VALUES (1, 1), (2, NULL);
                INSERT INTO sales.orders VALUES (7, 70.5);
                """)
            await #expect(throws: PoolKitError.self) { _ = try await migrate(source, into: target) }
            do {
                _ = try await migrate(source, into: target)
            } catch let error as PoolKitError {
                #expect(error.message.contains("tables public.orders and sales.orders would both be 'orders'"), "\(error.message)")
            }
            var options = RestoreOptions()
            options.includeTables = ["public.orders"]
            let summary = try await migrate(source, into: target, options: options)
            #expect(try await target.query("SELECT id, customer_id FROM orders ORDER BY id") == [["1", "1"], ["2", nil]])
            #expect(try await target.scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'customer'") == "0")
            let report = try #require(summary.migration)
            #expect(report.notCarried.contains { $0.kind == "foreign-key" && $0.reason.contains("references table customer, which --table leaves out") })
            options.includeTables = ["sales.orders"]
            options.clean = true
            _ = try await migrate(source, into: target, options: options)
            #expect(try await target.query("SELECT id, total FROM orders") == [["7", "70.5"]])
            options.includeTables = ["sales.nothing"]
            await #expect(throws: PoolKitError.self, "a pattern that matches no table is refused") { _ = try await migrate(source, into: target, options: options) }
        }
    }
}
