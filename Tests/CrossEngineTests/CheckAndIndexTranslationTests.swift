import Foundation
import PoolKitConformance
import PoolKitMariaDB
import PoolKitPostgres
import PoolKitSQLite
import Testing

/// CHECK constraints and expression and partial indexes carried between the real engines: the
/// target accepts the DDL, refuses a row its CHECK forbids, lets NULL through as the source did,
/// and its catalog shows each index with its expression and predicate; what does not translate is
/// listed with its definition and reason.
@Suite(
    "CHECK and index translation", .serialized,
    .enabled(
        if: TestServers.shouldRun(.postgres) && TestServers.shouldRun(.mariadb),
        Comment(rawValue: TestServers.skipReason(.postgres) + " " + TestServers.skipReason(.mariadb))))
struct CheckAndIndexTranslationTests {
    static let sqliteSchema = #"""
        CREATE TABLE item (
            id INTEGER PRIMARY KEY,
            "Odd ""Col""" INTEGER CHECK ("Odd ""Col""" >= 0),
            qty INTEGER NOT NULL CONSTRAINT qty_range CHECK (qty BETWEEN 1 AND 100),
            code TEXT CHECK (length(code) = 3),
            email TEXT,
            active BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            name TEXT COLLATE NOCASE CHECK (name IN ('a', 'b')),
            kind TEXT CHECK (typeof(kind) IN ('text', 'null')),
            tag TEXT CHECK (tag LIKE 'x%'),
            note TEXT CHECK (note <> 'it''s \ here'),
            CONSTRAINT sane CHECK (qty * 2 < 1000 AND coalesce(code, 'abc') <> 'zzz')
        );
        CREATE INDEX item_lower_email ON item (lower(email));
        CREATE UNIQUE INDEX item_code_active ON item (code) WHERE active = 1;
        CREATE INDEX item_upper_partial ON item (upper(name) DESC) WHERE qty > 10;
        CREATE UNIQUE INDEX item_lower_unique ON item (lower(email));
        INSERT INTO item ("Odd ""Col""", qty, code, email, active, name, kind, tag, note) VALUES
            (1, 5, 'abc', 'A@x', 1, 'A', 'k', 'x1', 'fine'),
            (NULL, 50, 'abc', 'b@x', 0, NULL, NULL, NULL, NULL),
            (0, 11, NULL, NULL, 1, 'b', 'k', 'xx', 'it''s \ here ');
        """#

    static let mariadbSchema = #"""
        CREATE TABLE acct (
            id int PRIMARY KEY,
            price decimal(10,2) CHECK (price >= 0),
            qty int,
            flag tinyint(1) NOT NULL DEFAULT 0,
            status varchar(10),
            code varchar(10) COLLATE utf8mb4_nopad_bin,
            j json,
            d date,
            CONSTRAINT qty_range CHECK (qty BETWEEN 1 AND 100),
            CONSTRAINT flag_bool CHECK (flag IN (0, 1)),
            CONSTRAINT status_set CHECK (status IN ('open', 'closed')),
            CONSTRAINT code_exact CHECK (code IN ('A', 'it''s', 'b\\c')),
            CONSTRAINT code_bytes CHECK (length(code) <= 8),
            CONSTRAINT recent CHECK (d >= '2000-01-01'),
            CONSTRAINT odd CHECK (qty MOD 2 = 1 OR qty IS NULL)
        ) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
        INSERT INTO acct VALUES (1, 2.5, 3, 1, 'OPEN', 'A', '{"a": 1}', '2020-01-01'), (2, NULL, NULL, 0, NULL, 'b\\c', NULL, NULL);
        """#

    static let postgresSchema = #"""
        CREATE TABLE person (id int PRIMARY KEY, name varchar(40) NOT NULL, email text, age int CHECK (age >= 0 AND age < 200),
            status text CHECK (status IN ('new', 'done')), nick text CHECK (nick LIKE 'n%'), born date CHECK (born > '1900-01-01'),
            score numeric(5,2) CHECK (round(score) = score), active boolean NOT NULL DEFAULT true,
            CONSTRAINT name_len CHECK (char_length(name) BETWEEN 1 AND 40));
        CREATE INDEX person_lower_name ON person (lower(name));
        CREATE UNIQUE INDEX person_email_active ON person (email) WHERE active;
        CREATE INDEX person_age_partial ON person (age DESC) WHERE age IS NOT NULL AND status <> 'done';
        CREATE INDEX person_hash ON person USING hash (email);
        INSERT INTO person VALUES (1, 'Ann', 'a@x', 30, 'new', 'n1', '1990-05-01', 2, true), (2, 'Bob', 'a@x', NULL, NULL, NULL, NULL, NULL, false);
        """#

    /// The error a statement gets, or nil when it succeeds.
    private func refusal(_ database: Scratch, _ sql: String) async -> String? {
        do {
            try await database.execute(sql)
            return nil
        } catch {
            return "\(error)"
        }
    }

    private func notCarried(_ report: MigrationReport) -> [String: PortableNotCarried] {
        Dictionary(report.notCarried.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    @Test("SQLite → PostgreSQL: CHECKs, an expression index and a unique partial index arrive and hold; collation, typeof and LIKE do not")
    func sqliteToPostgres() async throws {
        let source = try Scratch.sqlite("ck-s2p")
        let target = try await Scratch.postgres("ck_s2p")
        try await withScratch([source, target]) {
            try await source.execute(Self.sqliteSchema)
            let report = try #require(try await migrate(source, into: target).migration)
            let checks = try await target.query("SELECT conname FROM pg_constraint WHERE contype = 'c' AND conrelid = 'item'::regclass ORDER BY 1")
            #expect(checks.map { $0[0] ?? "" } == ["item_Odd \"Col\"_check", "item_active_check", "item_code_check", "item_note_check", "qty_range", "sane"])
            #expect(await refusal(target, "INSERT INTO item (qty) VALUES (0)")?.contains("qty_range") == true)
            #expect(await refusal(target, #"INSERT INTO item (qty, "Odd ""Col""") VALUES (1, -1)"#)?.contains("Odd") == true)
            #expect(await refusal(target, "INSERT INTO item (qty, code) VALUES (1, 'abcd')")?.contains("item_code_check") == true)
            #expect(await refusal(target, #"INSERT INTO item (qty, note) VALUES (1, 'it''s \ here')"#)?.contains("item_note_check") == true)
            #expect(await refusal(target, "INSERT INTO item (qty, code) VALUES (1, 'zzz')")?.contains("sane") == true)
            // NULL makes a CHECK unknown, which passes, as in SQLite.
            #expect(await refusal(target, "INSERT INTO item (qty, code, note) VALUES (1, NULL, NULL)") == nil)

            let indexes = Dictionary(
                try await target.query("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'item'").map { ($0[0] ?? "", $0[1] ?? "") },
                uniquingKeysWith: { first, _ in first })
            #expect(indexes["item_lower_email"]?.hasSuffix("(lower(email))") == true)
            #expect(indexes["item_upper_partial"]?.hasSuffix("(upper(name) DESC) WHERE (qty > 10)") == true)
            #expect(indexes["item_lower_unique"] == nil)
            #expect(try await target.scalar("SELECT pg_get_expr(indpred, indrelid) FROM pg_index WHERE indexrelid = 'item_code_active'::regclass") == "(active = true)")
            // The unique partial index holds where its predicate does, and only there.
            #expect(await refusal(target, "INSERT INTO item (qty, code, active) VALUES (1, 'abc', true)") != nil)
            #expect(await refusal(target, "INSERT INTO item (qty, code, active) VALUES (1, 'abc', false)") == nil)

            let skipped = notCarried(report)
            #expect(skipped["item.item_name_check"]?.reason.contains("collation") == true)
            #expect(skipped["item.item_name_check"]?.definition == "CHECK (name IN ('a', 'b'))")
            #expect(skipped["item.item_kind_check"]?.reason.contains("typeof()") == true)
            #expect(skipped["item.item_tag_check"]?.reason.contains("LIKE") == true)
            #expect(skipped["item_lower_unique"]?.definition == "CREATE UNIQUE INDEX item_lower_unique ON item (lower(email));")
            #expect(report.translated.contains { $0.name == "item_code_active" && $0.target == #"("code") WHERE ("active" = true)"# })
            #expect(report.summary.contains("translated:") && report.summary.contains("not carried"))
        }
    }

    @Test("SQLite → MariaDB: CHECKs compare text by code point (trailing spaces count); expression and partial indexes are listed as not carried")
    func sqliteToMariaDB() async throws {
        let source = try Scratch.sqlite("ck-s2m")
        let target = try await Scratch.mariadb("ck_s2m")
        try await withScratch([source, target]) {
            try await source.execute(Self.sqliteSchema)
            let report = try #require(try await migrate(source, into: target).migration)
            let checks = try await target.query(
                "SELECT CONSTRAINT_NAME FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'item' ORDER BY 1")
            #expect(checks.map { $0[0] ?? "" } == ["item_active_check", "item_code_check", "item_note_check", "item_Odd \"Col\"_check", "qty_range", "sane"])
            #expect(await refusal(target, "INSERT INTO item (qty) VALUES (101)")?.contains("qty_range") == true)
            #expect(await refusal(target, #"INSERT INTO item (qty, note) VALUES (1, 'it\'s \\ here')"#)?.contains("item_note_check") == true)
            // utf8mb4_bin alone would take 'it''s \ here ' for 'it''s \ here'; SQLite did not, and neither does the target.
            #expect(await refusal(target, #"INSERT INTO item (qty, note) VALUES (1, 'it\'s \\ here ')"#) == nil)
            #expect(await refusal(target, "INSERT INTO item (qty, code) VALUES (1, NULL)") == nil)
            let skipped = notCarried(report)
            for name in ["item_lower_email", "item_upper_partial", "item_lower_unique"] {
                #expect(skipped[name]?.reason.contains("MariaDB has no index on an expression") == true || skipped[name]?.reason.contains("maps case") == true, "\(name)")
            }
            #expect(skipped["item_code_active"]?.reason.contains("MariaDB has no partial index") == true)
            #expect(skipped["item_code_active"]?.definition?.contains("WHERE active = 1") == true)
            #expect(try await target.scalar("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'item'") == "1")
        }
    }

    @Test("CHECK names longer than MariaDB's 64 characters are cut, and stay distinct")
    func longNamesIntoMariaDB() async throws {
        let source = try Scratch.sqlite("ck-long")
        let target = try await Scratch.mariadb("ck_long")
        try await withScratch([source, target]) {
            let table = String(repeating: "t", count: 62)
            try await source.execute("CREATE TABLE \(table) (a INT CHECK (a > 0), ab INT CHECK (ab > 0)); INSERT INTO \(table) VALUES (1, 2);")
            _ = try await migrate(source, into: target)
            let names = try await target.query(
                "SELECT CONSTRAINT_NAME FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY 1").map { $0[0] ?? "" }
            // Both names cut to 64 characters would be `tt…t_a`: the second is numbered.
            #expect(names == [table + "_2", table + "_a"])
            #expect(await refusal(target, "INSERT INTO \(table) VALUES (1, 0)") != nil)
        }
    }

    @Test("MariaDB → PostgreSQL and SQLite: CHECKs carried where the collation compares by code point; a _ci one is not carried")
    func mariadbToOthers() async throws {
        let source = try await Scratch.mariadb("ck_m")
        let postgres = try await Scratch.postgres("ck_m2p")
        let sqlite = try Scratch.sqlite("ck-m2s")
        try await withScratch([source, postgres, sqlite]) {
            try await source.execute(Self.mariadbSchema)
            let report = try #require(try await migrate(source, into: postgres).migration)
            let checks = try await postgres.query("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'c' AND conrelid = 'acct'::regclass")
            let definitions = Dictionary(checks.map { ($0[0] ?? "", $0[1] ?? "") }, uniquingKeysWith: { first, _ in first })
            #expect(Set(definitions.keys) == ["acct_price_check", "qty_range", "flag_bool", "code_exact", "code_bytes", "recent", "odd"])
            #expect(definitions["code_bytes"] == "CHECK ((octet_length((code)::text) <= 8))")
            #expect(definitions["flag_bool"] == "CHECK ((flag = ANY (ARRAY[false, true])))")
            #expect(await refusal(postgres, "INSERT INTO acct (id, qty) VALUES (3, 2)")?.contains("odd") == true)
            #expect(await refusal(postgres, "INSERT INTO acct (id, code) VALUES (3, 'a')")?.contains("code_exact") == true)
            #expect(await refusal(postgres, #"INSERT INTO acct (id, code) VALUES (3, 'b\c')"#) == nil)
            #expect(await refusal(postgres, "INSERT INTO acct (id, d) VALUES (4, '1999-12-31')")?.contains("recent") == true)
            let skipped = notCarried(report)
            #expect(skipped["acct.status_set"]?.reason.contains("ignores case or trailing spaces") == true)
            #expect(skipped["acct.status_set"]?.definition == "CHECK (`status` in ('open','closed'))")
            #expect(report.warnings.contains { $0.contains("json_valid") })
            #expect(try await postgres.scalar("SELECT data_type FROM information_schema.columns WHERE table_name = 'acct' AND column_name = 'j'") == "json")

            _ = try await migrate(source, into: sqlite)
            #expect(await refusal(sqlite, "INSERT INTO acct (id, price) VALUES (3, -1)")?.contains("acct_price_check") == true)
            #expect(await refusal(sqlite, "INSERT INTO acct (id, code) VALUES (3, 'a')")?.contains("code_exact") == true)
            #expect(await refusal(sqlite, "INSERT INTO acct (id, flag) VALUES (3, 2)")?.contains("flag_bool") == true)
            #expect(await refusal(sqlite, "INSERT INTO acct (id, code) VALUES (3, 'A')") == nil)
        }
    }

    @Test("PostgreSQL → SQLite and MariaDB: CHECKs, expression and partial indexes; round(), a hash index and (into SQLite) LIKE are not carried")
    func postgresToOthers() async throws {
        let source = try await Scratch.postgres("ck_p")
        let sqlite = try Scratch.sqlite("ck-p2s")
        let mariadb = try await Scratch.mariadb("ck_p2m")
        try await withScratch([source, sqlite, mariadb]) {
            try await source.execute(Self.postgresSchema)
            let report = try #require(try await migrate(source, into: sqlite).migration)
            #expect(await refusal(sqlite, "INSERT INTO person (id, name, age) VALUES (3, 'C', -1)")?.contains("person_age_check") == true)
            #expect(await refusal(sqlite, "INSERT INTO person (id, name) VALUES (3, '')")?.contains("name_len") == true)
            #expect(await refusal(sqlite, "INSERT INTO person (id, name, born) VALUES (3, 'C', '1899-01-01')")?.contains("person_born_check") == true)
            #expect(await refusal(sqlite, "INSERT INTO person (id, name, status, age) VALUES (3, 'C', NULL, NULL)") == nil)
            let partial = try await sqlite.query("SELECT name, \"unique\", partial FROM pragma_index_list('person') ORDER BY name")
            #expect(partial.contains(["person_email_active", "1", "1"]) && partial.contains(["person_age_partial", "0", "1"]))
            #expect(try await sqlite.scalar("SELECT sql FROM sqlite_schema WHERE name = 'person_email_active'")?.hasSuffix(#"("email") WHERE "active""#) == true)
            let plan = try await sqlite.query("EXPLAIN QUERY PLAN SELECT id FROM person WHERE lower(name) = 'ann'").map { $0.last ?? nil }
            #expect(plan.contains { $0?.contains("person_lower_name") == true }, "\(plan)")
            #expect(await refusal(sqlite, "INSERT INTO person (id, name, email, active) VALUES (4, 'D', 'a@x', 1)") != nil)
            let skipped = notCarried(report)
            #expect(skipped["person.person_score_check"]?.reason.contains("round()") == true)
            #expect(skipped["person.person_nick_check"]?.reason.contains("SQLite's LIKE ignores the case") == true)
            #expect(skipped["person_hash"]?.reason.contains("hash index") == true)

            let intoMariaDB = try #require(try await migrate(source, into: mariadb).migration)
            #expect(await refusal(mariadb, "INSERT INTO person (id, name, nick) VALUES (3, 'C', 'N1')")?.contains("person_nick_check") == true)
            #expect(await refusal(mariadb, "INSERT INTO person (id, name, nick) VALUES (3, 'C', 'n1')") == nil)
            #expect(await refusal(mariadb, "INSERT INTO person (id, name, status) VALUES (4, 'D', 'NEW')")?.contains("person_status_check") == true)
            let mariadbSkipped = notCarried(intoMariaDB)
            #expect(mariadbSkipped["person_email_active"]?.reason.contains("MariaDB has no partial index") == true)
            #expect(mariadbSkipped["person_lower_name"]?.reason.contains("MariaDB has no index on an expression") == true)
        }
    }
}
