import Foundation

/// The fixture's cases of issue 18 — what `mariadb-dump` carries and a restore must not change or
/// drop silently — modelled on the cases MariaDB's own `mysql-test/main/mysqldump*.test` checks.
extension SnapshotFixture {
    static let fidelityStatements: [String] = [
        // Oracle-mode packages (specification and body), and a procedure of that mode.
        "SET SESSION sql_mode = 'ORACLE'",
        """
        CREATE PACKAGE pkg_counter AS
          FUNCTION next_value RETURN INT;
          PROCEDURE clear_counter;
        END
        """,
        """
        CREATE PACKAGE BODY pkg_counter AS
          counter_value INT := 0;
          FUNCTION next_value RETURN INT AS BEGIN counter_value := counter_value + 1; RETURN counter_value; END;
          PROCEDURE clear_counter AS BEGIN counter_value := 0; END;
        END
        """,
        "CREATE PROCEDURE oracle_proc (a IN INT) AS BEGIN NULL; END",
        "SET SESSION sql_mode = DEFAULT",
        // Tables whose engine shows other tables' rows (MERGE) or keeps none (BLACKHOLE): their
        // definitions are carried, never rows (loading them would double the MyISAM rows, or fail
        // with INSERT_METHOD=NO).
        "CREATE TABLE merged_a (a INT, b VARCHAR(10)) ENGINE = MyISAM",
        "CREATE TABLE merged_b (a INT, b VARCHAR(10)) ENGINE = MyISAM",
        "INSERT INTO merged_a VALUES (1, 'one'), (2, 'two')",
        "INSERT INTO merged_b VALUES (3, 'three')",
        "CREATE TABLE merge_last (a INT, b VARCHAR(10)) ENGINE = MERGE UNION = (merged_a, merged_b) INSERT_METHOD = LAST",
        "CREATE TABLE merge_none (a INT, b VARCHAR(10)) ENGINE = MERGE UNION = (merged_a) INSERT_METHOD = NO",
        "CREATE TABLE black_hole (id INT PRIMARY KEY, v TEXT) ENGINE = BLACKHOLE",
        "INSERT INTO black_hole VALUES (1, 'gone')",
        // System versioning by transaction id: only the current rows can be carried.
        """
        CREATE TABLE trx_versioned (id INT PRIMARY KEY, x INT,
          trx_start BIGINT UNSIGNED GENERATED ALWAYS AS ROW START INVISIBLE,
          trx_end BIGINT UNSIGNED GENERATED ALWAYS AS ROW END INVISIBLE,
          PERIOD FOR SYSTEM_TIME (trx_start, trx_end)) WITH SYSTEM VERSIONING ENGINE = InnoDB
        """,
        "INSERT INTO trx_versioned VALUES (1, 1), (2, 2), (3, 3)",
        "UPDATE trx_versioned SET x = 10 WHERE id = 1",
        "DELETE FROM trx_versioned WHERE id = 2",
        // Values stored under a non-strict SQL mode whose reload warns although nothing changes:
        // ENUM error values (beside a '' member and a '0' member too), FLOAT(M,D) at its range
        // limit, invalid dates of ALLOW_INVALID_DATES, a STORED generated column that warns, and a
        // CHECK constraint whose evaluation would warn (the load does not evaluate it).
        "SET SESSION sql_mode = 'ALLOW_INVALID_DATES'",
        """
        CREATE TABLE load_warnings (id INT PRIMARY KEY, e ENUM('a', 'b'), e2 ENUM('', 'x', '0'), f FLOAT(10,8),
          fu FLOAT(4,2) UNSIGNED, d DATE, dt DATETIME(3), s VARCHAR(10), g INT AS (CAST(s AS INT)) STORED,
          e3 ENUM('', 'é', 'ü') CHARACTER SET latin1, CONSTRAINT check_warns CHECK (s IS NULL OR CAST(s AS INT) >= -1))
        """,
        """
        INSERT INTO load_warnings (id, e, e2, f, fu, d, dt, s, e3) VALUES
          (1, 'nope', 0, 99.99999999, 99.99, '2001-02-29', '2001-02-31 10:00:00.125', 'abc', 0),
          (2, 'a', '', -1000, -1, '2004-04-31', '0000-00-00 00:00:00', '12x', 'é'),
          (3, 'b', '0', 0.5, 1.25, '2024-02-29', '2024-11-31 23:59:59.999', '7', ''),
          (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
        """,
        "SET SESSION sql_mode = DEFAULT",
        // Rows that break a CHECK constraint, stored while check_constraint_checks was 0.
        "CREATE TABLE checked (id INT PRIMARY KEY, v INT, CONSTRAINT positive CHECK (v > 0))",
        "SET check_constraint_checks = 0",
        "INSERT INTO checked VALUES (1, -5), (2, 5)",
        "SET check_constraint_checks = 1",
        // Every column generated: the rows carry nothing but their count.
        "CREATE TABLE all_generated (a INT AS (1) VIRTUAL, b VARCHAR(5) AS ('x') STORED)",
        "INSERT INTO all_generated () VALUES (), (), ()",
        // A foreign key whose referenced column lost its index while the checks were off (the
        // referenced table sorts first, so the restore must create the other one before it).
        "CREATE TABLE fk_gone_a_parent (id INT, v INT, KEY kid (id))",
        "CREATE TABLE fk_gone_b_child (pid INT, CONSTRAINT fk_lost FOREIGN KEY (pid) REFERENCES fk_gone_a_parent (id))",
        "INSERT INTO fk_gone_a_parent VALUES (1, 1)",
        "INSERT INTO fk_gone_b_child VALUES (1), (NULL)",
        "SET foreign_key_checks = 0",
        "ALTER TABLE fk_gone_a_parent DROP KEY kid",
        "SET foreign_key_checks = 1",
        // Routines, a trigger and an event created while the database's default was latin1: their
        // variables are latin1 (mysql.proc.db_collation), after the default went back to utf8mb4.
        "ALTER DATABASE CHARACTER SET latin1 COLLATE latin1_german1_ci",
        """
        CREATE FUNCTION db_collation_func() RETURNS VARCHAR(100) DETERMINISTIC
        BEGIN
          DECLARE v VARCHAR(10) DEFAULT 'x';
          RETURN CONCAT(CHARSET(v), '/', COLLATION(v));
        END
        """,
        "CREATE PROCEDURE db_collation_proc() BEGIN DECLARE v VARCHAR(10) DEFAULT 'x'; SELECT COLLATION(v); END",
        "CREATE TRIGGER db_collation_trig BEFORE INSERT ON fk_gone_a_parent FOR EACH ROW SET NEW.v = COALESCE(NEW.v, 0)",
        "CREATE EVENT db_collation_event ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO DELETE FROM no_key WHERE a < -5",
        "ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    ]

    /// Objects created by a cp1251 client, with Cyrillic names, literals and comments: the event's
    /// name is printed wrongly by SHOW CREATE EVENT, like its comment.
    static let cp1251Script: [UInt8] = Array(
        """
        CREATE TABLE cp1251_t (id INT PRIMARY KEY, s VARCHAR(40)) DEFAULT CHARSET = cp1251;
        INSERT INTO cp1251_t VALUES (1, 'привет');
        CREATE PROCEDURE `процедура`() COMMENT 'комментарий' SELECT 'привет' AS s;
        CREATE EVENT `событие` ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE COMMENT 'коммент'
          DO UPDATE cp1251_t SET s = 'мир' WHERE id = 0;

        """.data(using: .windowsCP1251)!)

    /// Loads the engines the fixture needs that the server may not have loaded yet (BLACKHOLE).
    static func installEngines(in database: ScratchDatabase) async throws {
        try await database.withConnection { connection in
            let loaded = try await connection.query(unsafeSQL:
                "SELECT COUNT(*) FROM information_schema.ENGINES WHERE ENGINE = 'BLACKHOLE' AND SUPPORT IN ('YES', 'DEFAULT')"
            ).scalar
            if loaded == "0" { try await connection.execute(unsafeSQL: "INSTALL SONAME 'ha_blackhole'") }
        }
    }
}
