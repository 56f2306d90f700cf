import Foundation
import PoolKitConformance
import PoolKitMariaDB
import PoolKitPostgres
import Testing

/// MariaDB `snapshot` archives restored into the real PostgreSQL test server: pgloader's hard cases.
@Suite(
    "MariaDB → PostgreSQL", .serialized,
    .enabled(
        if: TestServers.shouldRun(.postgres) && TestServers.shouldRun(.mariadb),
        Comment(rawValue: TestServers.skipReason(.postgres) + " " + TestServers.skipReason(.mariadb))))
struct MariaDBToPostgresTests {
    static let schema = #"""
        SET SESSION sql_mode = '';
        CREATE TABLE owner (id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(40) NOT NULL UNIQUE COMMENT 'who') COMMENT 'owners' AUTO_INCREMENT = 100;
        CREATE TABLE `Odd ``Name``` (
            id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
            owner_id int unsigned,
            flag tinyint(1) NOT NULL DEFAULT 1,
            level tinyint unsigned,
            big bigint unsigned,
            e enum('a','b','c') DEFAULT 'a',
            s set('x','y','z'),
            d date,
            dt datetime(3),
            ts timestamp NULL DEFAULT NULL,
            y year,
            b bit(5),
            j json,
            g geometry,
            price decimal(10,2) DEFAULT 0.00,
            bin varbinary(10),
            t text,
            KEY idx_e_d (e, d),
            CONSTRAINT fk_owner FOREIGN KEY (owner_id) REFERENCES owner (id) ON DELETE CASCADE,
            CONSTRAINT positive CHECK (price >= 0)
        );
        INSERT INTO owner (name) VALUES ('tom'), ('kit');
        INSERT INTO `Odd ``Name``` (owner_id, flag, level, big, e, s, d, dt, ts, y, b, j, g, price, bin, t) VALUES
            (100, 0, 255, 18446744073709551615, 'b', 'x,z', '0000-00-00', '2020-01-02 03:04:05.678', '2021-06-01 12:00:00', 2024,
             b'10101', '{"a": [1, 2]}', ST_GeomFromText('POINT(1 2)'), 12.5, x'00ff0a09', 'tab\tnew\nline é'),
            (101, 1, 0, 0, NULL, '', NULL, '0000-00-00 00:00:00', NULL, NULL, NULL, NULL, NULL, 3, NULL, NULL);
        CREATE VIEW odd_view AS SELECT id FROM `Odd ``Name```;
        CREATE TABLE genre (id int PRIMARY KEY);
        CREATE TABLE track (id int PRIMARY KEY, genre_id int, owner_id int unsigned,
            FOREIGN KEY (genre_id) REFERENCES genre (id), FOREIGN KEY (owner_id) REFERENCES owner (id));
        """#

    @Test("tinyint(1), unsigned, ENUM, SET, zero dates, DATETIME/TIMESTAMP, YEAR, BIT, JSON, spatial, keys and counters")
    func hardCases() async throws {
        let source = try await Scratch.mariadb("m2p")
        let target = try await Scratch.postgres("m2p")
        try await withScratch([source, target]) {
            try await source.execute(Self.schema)
            let summary = try await migrate(source, into: target)
            let report = try #require(summary.migration)

            let columns = try await target.query(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'Odd `Name`' ORDER BY ordinal_position")
            #expect(columns.map { $0[1] ?? "" } == [
                "bigint", "bigint", "boolean", "smallint", "numeric", "text", "ARRAY", "date", "timestamp without time zone",
                "timestamp with time zone", "smallint", "bit", "json", "bytea", "numeric", "bytea", "text",
            ])
            let rows = try await target.query(
                #"SELECT id, owner_id, flag, level, big, e, s::text, d, dt, ts AT TIME ZONE 'UTC', y, b, j::text, length(g), price, encode(bin, 'hex'), t FROM "Odd `Name`" ORDER BY id"#)
            #expect(rows[0] == [
                "1", "100", "f", "255", "18446744073709551615", "b", "{x,z}", nil, "2020-01-02 03:04:05.678", "2021-06-01 12:00:00", "2024",
                "10101", #"{"a": [1, 2]}"#, "25", "12.50", "00ff0a09", "tab\tnew\nline é",
            ])
            #expect(rows[1] == ["2", "101", "t", "0", "0", nil, "{}", nil, nil, nil, nil, nil, nil, nil, "3.00", nil, nil])

            let table = try #require(report.tables.first { $0.name == "Odd `Name`" })
            #expect(table.converted["zero-date"] == 2)
            #expect(table.refused == 0)
            #expect(report.warnings.contains { $0.contains("spatial") })
            #expect(report.notCarried.contains { $0.kind == "view" && $0.name == "odd_view" })
            // CHECK (price >= 0) is translated: the target refuses a negative price.
            #expect(report.translated.contains { $0.kind == "check" && $0.name == "positive" && $0.target == #"("price" >= 0)"# })

            // Labels stay checked, the counters carry over, the foreign key holds.
            #expect(try await target.scalar("INSERT INTO owner (name) VALUES ('new') RETURNING id") == "102")
            #expect(try await target.scalar(#"INSERT INTO "Odd `Name`"(flag) VALUES (true) RETURNING id"#) == "3")
            await #expect(throws: (any Error).self) { try await target.execute(#"INSERT INTO "Odd `Name`"(flag, price) VALUES (true, -1)"#) }
            await #expect(throws: (any Error).self) { try await target.execute(#"INSERT INTO "Odd `Name`"(e) VALUES ('nope')"#) }
            await #expect(throws: (any Error).self) { try await target.execute(#"INSERT INTO "Odd `Name`"(owner_id) VALUES (5)"#) }
            // Foreign keys go on the table that has them, whatever the order of their dependencies.
            #expect(try await target.scalar("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'track'::regclass") == "2")
            #expect(try await target.scalar("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid IN ('genre'::regclass, 'owner'::regclass)") == "0")
            #expect(try await target.scalar("SELECT obj_description('owner'::regclass) || '/' || col_description('owner'::regclass, 2)") == "owners/who")
        }
    }

    @Test("--fold-identifiers: two tables whose names differ only in case are an error naming both")
    func foldingCollision() async throws {
        let source = try await Scratch.mariadb("fold")
        let target = try await Scratch.postgres("fold")
        try await withScratch([source, target]) {
            try await source.execute("CREATE TABLE `Users` (id int PRIMARY KEY); CREATE TABLE `users` (id int PRIMARY KEY);")
            var options = RestoreOptions()
            options.crossEngine.foldIdentifiers = true
            do {
                _ = try await migrate(source, into: target, options: options)
                Issue.record("two tables folding to one name must fail")
            } catch let error as PoolKitError {
                #expect(error.message.contains("'Users'") && error.message.contains("'users'"), "\(error.message)")
            }
            // Without folding both arrive, names kept exactly.
            _ = try await migrate(source, into: target)
            #expect(try await target.scalar(#"SELECT count(*) FROM pg_tables WHERE tablename IN ('Users', 'users')"#) == "2")
        }
    }
}
