/// A database with every column type and schema object kind the snapshot strategy must carry.
enum SnapshotFixture {
    /// The bytes 0…255 as a hex literal.
    static let allBytes = "X'" + (0...255).map { String(format: "%02X", $0) }.joined() + "'"

    static let statements: [String] = [
        "ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
        """
        CREATE TABLE ints (id INT PRIMARY KEY, ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED,
          mi MEDIUMINT, miu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED)
        """,
        """
        INSERT INTO ints VALUES
          (1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0),
          (2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615),
          (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
        """,
        """
        CREATE TABLE nums (id INT AUTO_INCREMENT PRIMARY KEY, d DECIMAL(65,30), f FLOAT, fu FLOAT UNSIGNED, dbl DOUBLE,
          b1 BIT(1), b64 BIT(64), y YEAR, CHECK (d IS NULL OR d > -1e30)) AUTO_INCREMENT = 1000
        """,
        """
        INSERT INTO nums (d, f, fu, dbl, b1, b64, y) VALUES
          ('12345678901234567890123456789012345.123456789012345678901234567891', 0.123456789, 16777215.5, 2.2250738585072014e-308,
           b'1', b'1111111111111111111111111111111111111111111111111111111111111111', 2155),
          ('-0.000000000000000000000000000001', -3.4028234e38, 1.17549435e-38, -1.7976931348623157e308, b'0', 0, 1901),
          (0, 0.1, 0, 0.1, NULL, b'1000000000000000000000000000000000000000000000000000000000000001', 0),
          (NULL, NULL, NULL, 5e-324, NULL, NULL, NULL)
        """,
        """
        CREATE TABLE times (id INT PRIMARY KEY, d DATE, t TIME(6), dt DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, zd DATE, zdt DATETIME)
        """,
        "SET SESSION sql_mode = ''",
        """
        INSERT INTO times VALUES
          (1, '1000-01-01', '-838:59:59.000000', '1000-01-01 00:00:00.000000', '1970-01-01 00:00:01.000000', '0000-00-00', '0000-00-00 00:00:00'),
          (2, '9999-12-31', '838:59:59.000000', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999', '2024-02-00', NULL),
          (3, '2024-02-29', '-00:00:00.000001', '2024-03-31 02:30:00.5', '2024-03-31 01:30:00.123456', NULL, '2024-00-00 00:00:00'),
          (4, NULL, '100:00:00.5', NULL, NULL, NULL, NULL)
        """,
        "SET SESSION sql_mode = DEFAULT",
        """
        CREATE TABLE texts (id INT PRIMARY KEY,
          l1 VARCHAR(50) CHARACTER SET latin1, u3 VARCHAR(50) CHARACTER SET utf8mb3, u4 VARCHAR(50) CHARACTER SET utf8mb4,
          c CHAR(10) CHARACTER SET utf8mb4, t TEXT CHARACTER SET latin1 COLLATE latin1_german2_ci, lt LONGTEXT,
          e ENUM('a', 'b', 'c d'), s SET('x', 'y', 'z'), j JSON, ip INET6, u UUID) DEFAULT CHARSET = latin1
        """,
        """
        INSERT INTO texts VALUES
          (1, 'café ÿ', 'naïve ☃', 'emoji 😀 and 𝄞 ', 'pad  ', 'Größe', 'tab\\there\\nnewline\\rcr \\\\ back\\\\slash \\\\N \\\\0',
           'c d', 'x,z', '{"a": [1, 2.5, "x\\\\u0000y"], "b": null}', '2001:db8::1', '123e4567-e89b-12d3-a456-426614174000'),
          (2, 'NULL', '\\\\N', '\\\\', '', '', 'NULL', 'a', '', '[]', '::ffff:1.2.3.4', '00000000-0000-0000-0000-000000000000'),
          (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
          (4, '  lead and trail  ', 'x\\ty', CONCAT('nul', CHAR(0), 'byte'), 'a', 'a\\n', CONCAT(CHAR(26), CHAR(8), '\\\\b\\\\Z'), 'b', 'y', '"s"', '::', 'ffffffff-ffff-ffff-ffff-ffffffffffff')
        """,
        """
        CREATE TABLE bins (id INT PRIMARY KEY, b BINARY(16), vb VARBINARY(300), bl BLOB, lb LONGBLOB)
        """,
        "INSERT INTO bins VALUES (1, X'00FF00FF0A0D095C4E000000000000', \(allBytes), \(allBytes), REPEAT(\(allBytes), 1000)), (2, NULL, '', '', NULL)",
        """
        CREATE TABLE geo (id INT PRIMARY KEY, g GEOMETRY NOT NULL, p POINT, ls LINESTRING, pg POLYGON, SPATIAL INDEX (g)) ENGINE = InnoDB
        """,
        """
        INSERT INTO geo VALUES (1, ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('POINT(-1.5 1e-10)'),
          ST_GeomFromText('LINESTRING(0 0, 1 1, 2 0)'), ST_GeomFromText('POLYGON((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 2 1, 2 2, 1 1))')),
          (2, ST_GeomFromText('MULTIPOINT(1 1, 2 2)'), NULL, NULL, NULL)
        """,
        """
        CREATE TABLE gen (id INT PRIMARY KEY, a INT, v INT AS (a * 2) VIRTUAL, st VARCHAR(20) AS (CONCAT('n', a)) STORED,
          hidden INT INVISIBLE DEFAULT 7, INDEX (st))
        """,
        "INSERT INTO gen (id, a, hidden) VALUES (1, 1, 1), (2, 2, NULL), (3, NULL, 3)",
        "CREATE TABLE empty_table (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, x TEXT) AUTO_INCREMENT = 42",
        "CREATE TABLE `odd ``name`` é ☃` (`select` INT PRIMARY KEY, `co``l` VARCHAR(10), `spa ce` INT, `ü` TEXT)",
        "INSERT INTO `odd ``name`` é ☃` VALUES (1, 'a', 2, 'ü'), (2, NULL, NULL, NULL)",
        "CREATE TABLE no_key (a INT, b TEXT)",
        "INSERT INTO no_key VALUES (1, 'x'), (1, 'x'), (NULL, NULL)",
        "CREATE TABLE my_isam (id INT PRIMARY KEY, v VARCHAR(20), FULLTEXT (v)) ENGINE = MyISAM",
        "INSERT INTO my_isam VALUES (1, 'hello world'), (2, NULL)",
        "CREATE TABLE an_aria (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE = Aria",
        "INSERT INTO an_aria VALUES (1, 'aria')",
        "CREATE TABLE docs (id INT PRIMARY KEY, body TEXT, FULLTEXT KEY ft (body)) ENGINE = InnoDB",
        "INSERT INTO docs VALUES (1, 'the quick brown fox'), (2, 'lazy dog')",
        """
        CREATE TABLE parted (id INT NOT NULL, k INT NOT NULL, v VARCHAR(10), PRIMARY KEY (id, k))
          PARTITION BY RANGE (k) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN (100), PARTITION pmax VALUES LESS THAN MAXVALUE)
        """,
        "INSERT INTO parted VALUES (1, 5, 'a'), (2, 50, 'b'), (3, 500, 'c')",
        "CREATE TABLE versioned (id INT PRIMARY KEY, v INT) WITH SYSTEM VERSIONING",
        "INSERT INTO versioned VALUES (1, 1), (2, 2), (3, 3)",
        "UPDATE versioned SET v = 10 WHERE id = 1",
        "DELETE FROM versioned WHERE id = 2",
        // A foreign-key cycle: a → b → a.
        "CREATE TABLE fk_a (id INT PRIMARY KEY, b_id INT, KEY (b_id))",
        "CREATE TABLE fk_b (id INT PRIMARY KEY, a_id INT, CONSTRAINT fk_b_a FOREIGN KEY (a_id) REFERENCES fk_a (id) ON DELETE CASCADE)",
        "ALTER TABLE fk_a ADD CONSTRAINT fk_a_b FOREIGN KEY (b_id) REFERENCES fk_b (id)",
        "SET foreign_key_checks = 0",
        "INSERT INTO fk_a VALUES (1, 1), (2, NULL)",
        "INSERT INTO fk_b VALUES (1, 1), (2, 2)",
        "SET foreign_key_checks = 1",
        // Secondary keys of every kind, which the restore adds after the load; SHOW CREATE TABLE
        // must list them in the same order.
        """
        CREATE TABLE keyed (id INT PRIMARY KEY, a INT, b INT NOT NULL, c VARCHAR(100), d TEXT, g POINT NOT NULL,
          KEY ka (a), UNIQUE KEY ub (b), KEY kc (c(10)), UNIQUE KEY ua (a, c), SPATIAL KEY sg (g), UNIQUE KEY ud (d),
          KEY kb (b) COMMENT 'a comment, with (parentheses)', FULLTEXT KEY fd (d), KEY `odd ``key`` ☃` (c, a DESC), KEY ki (a, b) IGNORED)
        """,
        """
        INSERT INTO keyed SELECT seq, IF(seq % 5 = 0, NULL, seq), seq, CONCAT('c', seq % 11), CONCAT('doc ', seq),
          ST_GeomFromText(CONCAT('POINT(', seq, ' ', seq % 3, ')')) FROM seq_1_to_300
        """,
        // No primary key: the first UNIQUE NOT NULL key is InnoDB's clustered index and stays in CREATE TABLE.
        "CREATE TABLE no_pk (u INT NOT NULL, v INT, w INT, UNIQUE KEY uu (u), KEY kv (v), UNIQUE KEY uw (w))",
        "INSERT INTO no_pk VALUES (1, 1, 1), (2, 1, NULL), (3, NULL, NULL)",
        // The AUTO_INCREMENT column leads a secondary key only: that key (and the one before it) stays.
        """
        CREATE TABLE ai_second (k INT NOT NULL, n INT NOT NULL AUTO_INCREMENT, x INT, PRIMARY KEY (k), KEY kx (x), KEY kn (n),
          KEY kxn (x, n)) AUTO_INCREMENT = 50
        """,
        "INSERT INTO ai_second (k, x) VALUES (1, 10), (2, NULL), (3, 10)",
        """
        CREATE TABLE parted_keys (id INT NOT NULL, k INT NOT NULL, v INT, PRIMARY KEY (id, k), KEY kv (v), UNIQUE KEY uk (k, v, id))
          PARTITION BY HASH (k) PARTITIONS 3
        """,
        "INSERT INTO parted_keys SELECT seq, seq % 10, seq % 4 FROM seq_1_to_50",
        "CREATE TABLE versioned_keys (id INT PRIMARY KEY, v INT, KEY kv (v), UNIQUE KEY uv (v, id)) WITH SYSTEM VERSIONING",
        "INSERT INTO versioned_keys VALUES (1, 1), (2, 2)",
        "UPDATE versioned_keys SET v = 5 WHERE id = 2",
        // A composite foreign key with actions, to a unique key that is added after the load too.
        "CREATE TABLE fk_parent (id INT PRIMARY KEY, x INT NOT NULL, y INT NOT NULL, UNIQUE KEY uxy (x, y))",
        """
        CREATE TABLE fk_child (id INT PRIMARY KEY, px INT, py INT, up INT, KEY other (id, px),
          CONSTRAINT `fk child ``xy``` FOREIGN KEY (px, py) REFERENCES fk_parent (x, y) ON DELETE SET NULL ON UPDATE CASCADE,
          CONSTRAINT fk_child_self FOREIGN KEY (up) REFERENCES fk_child (id))
        """,
        "INSERT INTO fk_parent VALUES (1, 1, 1), (2, 1, 2)",
        "INSERT INTO fk_child VALUES (1, 1, 1, NULL), (2, 1, 2, 1), (3, NULL, NULL, 2)",
        "CREATE SEQUENCE seq_orders START WITH 100 INCREMENT BY 5",
        "SELECT NEXTVAL(seq_orders), NEXTVAL(seq_orders)",
        "CREATE VIEW v_base AS SELECT id, a FROM gen WHERE a IS NOT NULL",
        "CREATE VIEW v_top AS SELECT id, a * 10 AS a10 FROM v_base",
        "CREATE VIEW v_joined AS SELECT t.id, t.l1, v.a10 FROM texts t JOIN v_top v ON v.id = t.id",
        """
        CREATE DEFINER = CURRENT_USER FUNCTION add_one(x INT) RETURNS INT DETERMINISTIC COMMENT 'adds one'
        BEGIN
          RETURN x + 1;
        END
        """,
        "CREATE VIEW v_func AS SELECT id, add_one(id) AS next_id FROM ints",
        "SET SESSION sql_mode = 'ANSI_QUOTES,NO_ZERO_DATE'",
        """
        CREATE PROCEDURE bump(IN amount INT) SQL SECURITY INVOKER
        BEGIN
          UPDATE gen SET a = a + amount WHERE "id" > 0;
          SELECT COUNT(*) FROM gen;
        END
        """,
        "SET SESSION sql_mode = DEFAULT",
        """
        CREATE TRIGGER gen_before_insert BEFORE INSERT ON gen FOR EACH ROW
        BEGIN
          IF NEW.a IS NULL THEN SET NEW.a = -1; END IF;
        END
        """,
        "CREATE TRIGGER gen_before_insert_2 BEFORE INSERT ON gen FOR EACH ROW FOLLOWS gen_before_insert SET NEW.hidden = 9",
        "CREATE TRIGGER texts_audit AFTER UPDATE ON texts FOR EACH ROW INSERT INTO no_key VALUES (OLD.id, 'updated')",
        "CREATE EVENT ev_enabled ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DO DELETE FROM no_key WHERE a < 0",
        "CREATE EVENT ev_comment ON SCHEDULE EVERY 1 HOUR STARTS '2030-01-01 00:00:00' DO DELETE FROM no_key WHERE a < -100 -- a trailing comment",
        "CREATE EVENT ev_disabled ON SCHEDULE AT '2031-01-01 00:00:00' ON COMPLETION PRESERVE DISABLE COMMENT 'off' DO UPDATE gen SET a = 0",
    ]

    /// A table of about 3 MB with a composite, non-integer primary key, and one with an integer key,
    /// so 1 MiB chunks split them into several ranges.
    static let bigTables: [String] = [
        """
        CREATE TABLE big_composite (region VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,
          n INT NOT NULL, day DATE NOT NULL, payload VARCHAR(200), PRIMARY KEY (region, n, day))
        """,
        """
        INSERT INTO big_composite
          SELECT ELT(1 + seq % 7, 'north', 'South', 'éast', 'west', 'ZED', 'mid dle', 'a''b'), seq DIV 7,
            DATE_ADD('2020-01-01', INTERVAL seq % 1000 DAY), REPEAT(CHAR(65 + seq % 26), 100 + seq % 100)
          FROM seq_1_to_20000
        """,
        "CREATE TABLE big_int (id BIGINT UNSIGNED PRIMARY KEY, v VARCHAR(200))",
        "INSERT INTO big_int SELECT seq * 3 + 18446744073709000000, REPEAT('v', seq % 200) FROM seq_1_to_30000",
        // One value of 52 MiB (91 MiB once escaped), far larger than a dump buffer (the test server
        // allows packets of 256 MiB, as a server holding such values must).
        "CREATE TABLE huge_value (id INT PRIMARY KEY, v LONGBLOB)",
        "INSERT INTO huge_value SELECT 1, REPEAT(X'00FF5C0A', 13 << 20)",
        // Binary keys with every byte value (NUL, tab, newline, backslash, 0xFF) in them.
        "CREATE TABLE big_binary (k VARBINARY(20) PRIMARY KEY, v VARCHAR(200))",
        "INSERT INTO big_binary SELECT UNHEX(MD5(seq)), REPEAT(CHAR(97 + seq % 26), 100 + seq % 100) FROM seq_1_to_20000",
        // A text and unsigned composite key, and rows whose reload warns in every chunk (an ENUM
        // error value, a FLOAT(10,8) at its range limit): the read-back spans the table's chunks.
        "SET SESSION sql_mode = ''",
        """
        CREATE TABLE big_warnings (code CHAR(6) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL, n INT UNSIGNED NOT NULL,
          e ENUM('a', 'b'), f FLOAT(10,8), pad VARCHAR(200), PRIMARY KEY (code, n))
        """,
        """
        INSERT INTO big_warnings SELECT CONCAT(CHAR(65 + seq % 26), 'é'), 4294967295 - seq, IF(seq % 97 = 0, 'zz', 'a'),
          IF(seq % 89 = 0, 99.99999999, seq / 1000), REPEAT('w', 100 + seq % 100) FROM seq_1_to_20000
        """,
        "SET SESSION sql_mode = DEFAULT",
        "ANALYZE TABLE big_composite, big_int, big_binary, big_warnings",
    ]

    /// Objects created by a client whose character set is latin1, with accented literals and
    /// comments: their text is stored in latin1 bytes and must be created again from the same
    /// bytes (0x96 is cp1252's en dash, which MariaDB's latin1 is).
    static let latin1Script: [UInt8] = Array(
        """
        CREATE TABLE latin1_t (id INT PRIMARY KEY, s VARCHAR(40)) DEFAULT CHARSET = latin1;
        INSERT INTO latin1_t VALUES (1, 'caf\u{E9}'), (2, NULL);
        CREATE PROCEDURE latin1_proc() COMMENT 'commentaire \u{E9}t\u{E9}' SELECT 'caf\u{E9} \u{FF} \u{A3} \u{AB}\u{BB}' AS s;
        CREATE FUNCTION latin1_func(x VARCHAR(10)) RETURNS VARCHAR(20) CHARACTER SET latin1 DETERMINISTIC RETURN CONCAT(x, '\u{E9}');
        CREATE TRIGGER latin1_trig BEFORE INSERT ON latin1_t FOR EACH ROW SET NEW.s = CONCAT(NEW.s, ' \u{2013} \u{FC}');
        CREATE EVENT latin1_event ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE COMMENT '\u{E9}v\u{E9}nement'
          DO UPDATE latin1_t SET s = '\u{E0}\u{E9}\u{EE}' WHERE id = 0;
        CREATE VIEW latin1_view AS SELECT id, CONCAT(s, ' \u{F1}') AS s FROM latin1_t;

        """.unicodeScalars.map { $0.value == 0x2013 ? 0x96 : UInt8($0.value) })

    static func create(in database: ScratchDatabase, big: Bool = false) async throws {
        try await installEngines(in: database)
        try await database.withConnection { connection in
            for statement in statements + fidelityStatements + (big ? bigTables : []) {
                try await connection.execute(unsafeSQL: statement)
            }
        }
        try await database.runClient(latin1Script, characterSet: "latin1")
        try await database.runClient(cp1251Script, characterSet: "cp1251")
    }
}

import Foundation
