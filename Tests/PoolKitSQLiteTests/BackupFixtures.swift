import Foundation
import PoolKitSQLite

/// Databases built with SQL for the backup round trips.
enum BackupFixture {
    /// Everything a round trip must carry: every storage class and odd REALs, NULLs, an empty table,
    /// (optionally) a 10 MB TEXT and a 10 MB BLOB, WITHOUT ROWID and STRICT tables, generated columns,
    /// AUTOINCREMENT with deleted rows, rowid gaps, views on views, triggers, partial and expression
    /// indexes, FTS5 tables (with content, external content, contentless), foreign keys in a deferred
    /// cycle, odd identifiers, a column named rowid, user_version, application_id, a page size of 8192,
    /// incremental auto-vacuum, and planner statistics.
    static func full(bigValues: Bool = true) -> String {
        var sql = """
            PRAGMA page_size = 8192;
            PRAGMA auto_vacuum = INCREMENTAL;
            PRAGMA user_version = 42;
            PRAGMA application_id = 1347373899;
            PRAGMA foreign_keys = ON;

            CREATE TABLE "every class"(id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b BLOB, n NUMERIC, anything);
            INSERT INTO "every class" VALUES
              (1, 42, 3.5, 'hello', x'00ff10', 12.5, NULL),
              (2, NULL, NULL, NULL, NULL, NULL, NULL),
              (3, -9223372036854775808, 1.0, '', x'', '1e3', 9223372036854775807),
              (4, 0, -0.0, 'naïve — ünïcödé 🎉 日本語', zeroblob(10), NULL, 1.5),
              (5, 'not a number', 1e308, 'x' || char(0) || 'y', NULL, '12abc', -0.0),
              (6, 7, 2.0, 'real looks like int', NULL, 3.0, 3.0),
              (7, 1, 9e999, '-inf next', NULL, NULL, -9e999),
              (8, 2, (9e999) - (9e999), 'NaN is stored as NULL', NULL, NULL, 5e-324),
              (9, 3, 0.1, 'x', x'00', 100, 'text in an untyped column'),
              (100, 4, 2.2250738585072014e-308, 'rowid gap', NULL, NULL, x'');

            CREATE TABLE empty(a, b);

            CREATE TABLE wr(k TEXT, n INTEGER, v, PRIMARY KEY (k, n DESC)) WITHOUT ROWID;
            INSERT INTO wr VALUES ('a', 1, 1.5), ('a', 2, NULL), ('b', -1, x'ff'), ('ü', 0, 'zz');

            CREATE TABLE strict_t(id INTEGER PRIMARY KEY, i INT, r REAL, t TEXT, b BLOB, a ANY) STRICT;
            INSERT INTO strict_t VALUES (1, 1, 1.0, 'one', x'01', 1), (2, NULL, 2.5, NULL, NULL, 'two'), (3, -3, NULL, '', x'', 3.25);

            CREATE TABLE gen(a INTEGER, b INTEGER,
              c INTEGER GENERATED ALWAYS AS (a + b) VIRTUAL,
              d TEXT GENERATED ALWAYS AS (a || '-' || b) STORED);
            INSERT INTO gen(a, b) VALUES (1, 2), (10, 20), (NULL, 5);

            CREATE TABLE auto(id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);
            INSERT INTO auto(v) VALUES ('a'), ('b'), ('c'), ('d'), ('e');
            DELETE FROM auto WHERE id > 3;

            CREATE TABLE log(msg TEXT);
            CREATE TABLE plain(x, y);
            CREATE TRIGGER plain_log AFTER INSERT ON plain BEGIN INSERT INTO log VALUES ('inserted ' || new.x); END;
            INSERT INTO plain VALUES ('A', 1), ('b', NULL), ('C', 3);
            INSERT INTO plain(rowid, x, y) VALUES (1000, 'far', 4), (-5, 'negative', NULL);
            DELETE FROM plain WHERE x = 'b';
            CREATE INDEX plain_partial ON plain(y) WHERE y IS NOT NULL;
            CREATE INDEX plain_expression ON plain(lower(x));
            CREATE UNIQUE INDEX plain_unique ON plain(x);

            CREATE VIEW v1 AS SELECT x, y FROM plain WHERE y IS NOT NULL;
            CREATE VIEW v2 AS SELECT x FROM v1 WHERE y > 1;
            CREATE TRIGGER v2_insert INSTEAD OF INSERT ON v2 BEGIN INSERT INTO plain(x, y) VALUES (new.x, 2); END;

            CREATE VIRTUAL TABLE docs USING fts5(title, body);
            INSERT INTO docs(rowid, title, body) VALUES
              (1, 'quick fox', 'the quick brown fox jumps'), (5, 'lazy dog', 'over the lazy dog'), (9, 'ünïcödé', 'naïve café');

            CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT);
            CREATE VIRTUAL TABLE notes_fts USING fts5(body, content='notes', content_rowid='id');
            INSERT INTO notes VALUES (1, 'apples and pears'), (2, 'pears only'), (7, 'plums');
            INSERT INTO notes_fts(notes_fts) VALUES ('rebuild');

            CREATE VIRTUAL TABLE tags USING fts5(tag, content='');
            INSERT INTO tags(rowid, tag) VALUES (1, 'alpha beta'), (2, 'gamma'), (3, 'beta delta');

            CREATE TABLE parent(id INTEGER PRIMARY KEY, child_id INTEGER REFERENCES child(id) DEFERRABLE INITIALLY DEFERRED);
            CREATE TABLE child(id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
            BEGIN;
            INSERT INTO parent VALUES (1, 10), (2, 20);
            INSERT INTO child VALUES (10, 1), (20, 2);
            COMMIT;

            CREATE TABLE "we""ird table" ("sel ect" TEXT, "order" INTEGER, "ünï" REAL, [rowid] TEXT, "group" BLOB);
            INSERT INTO "we""ird table" VALUES ('a', 1, 1.5, 'not the rowid', x'01'), ('b', 2, NULL, NULL, NULL);
            CREATE INDEX "idx ""q"" ü" ON "we""ird table"("order", "sel ect");
            CREATE TABLE "select"("from" INTEGER PRIMARY KEY, "where" TEXT);
            INSERT INTO "select" VALUES (1, 'keyword'), (2, 'names');
            CREATE TABLE ipk_rowid("rowid" INTEGER PRIMARY KEY, v TEXT);
            INSERT INTO ipk_rowid VALUES (3, 'three'), (17, 'seventeen');
            CREATE TABLE shadowed(rowid, _rowid_, oid);
            INSERT INTO shadowed VALUES (1, 2, 3), ('x', 'y', 'z');
            CREATE TABLE "日本"("列" TEXT);
            INSERT INTO "日本" VALUES ('値');
            """
        if bigValues {
            sql += """

                CREATE TABLE big(id INTEGER PRIMARY KEY, t TEXT, b BLOB);
                INSERT INTO big VALUES (1, hex(randomblob(5242880)), randomblob(10485760)), (2, 'small', x'01');
                """
        }
        sql += "\nANALYZE;"
        return sql
    }

    /// A UTF-16le database with non-ASCII text.
    static let utf16 = """
        PRAGMA encoding = 'UTF-16le';
        CREATE TABLE words(id INTEGER PRIMARY KEY, word TEXT, note);
        INSERT INTO words VALUES (1, 'naïve', 'ünïcödé'), (2, '日本語のテキスト', NULL), (3, '🎉 emoji', 1.5), (4, '', x'00ff');
        CREATE INDEX words_word ON words(word);
        CREATE VIEW short_words AS SELECT word FROM words WHERE length(word) < 8;
        PRAGMA user_version = 7;
        """

    /// Creates `path` from `sql`, then switches it to `journalMode`.
    static func create(_ path: String, _ sql: String, journalMode: String = "delete") async throws {
        let connection = try await connect(path)
        try await connection.execute(unsafeSQL: sql)
        try await connection.execute(unsafeSQL: "PRAGMA journal_mode = \(journalMode)")
        await connection.close()
    }
}

/// FTS queries whose results must survive a round trip.
let ftsQueries = [
    "SELECT rowid FROM docs WHERE docs MATCH 'quick' ORDER BY rowid",
    "SELECT rowid FROM docs WHERE docs MATCH 'café' ORDER BY rowid",
    "SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'pears' ORDER BY rowid",
    "SELECT rowid FROM tags WHERE tags MATCH 'beta' ORDER BY rowid",
]
