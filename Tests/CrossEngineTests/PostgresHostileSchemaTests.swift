import Foundation
import PoolKit
import PoolKitConformance
@testable import PoolKitMariaDB
import PoolKitPostgres
import PoolKitSQLite
import Testing

/// What PostgreSQL's regression database taught the restore into other engines: columns of types
/// without a portable form, keys on columns that are not carried, tables without columns,
/// partitioned tables without partitions, PostgreSQL 15's numeric scales, several identity
/// columns, and values MariaDB's UUID type refuses — each either carried or said, never a failed
/// CREATE half-way through.
@Suite(
    "PostgreSQL's hostile schemas into other engines", .serialized,
    .enabled(
        if: TestServers.shouldRun(.postgres) && TestServers.shouldRun(.mariadb),
        Comment(rawValue: TestServers.skipReason(.postgres) + TestServers.skipReason(.mariadb))))
struct PostgresHostileSchemaTests {
    static let schema = #"""
        CREATE TYPE textrange AS RANGE (subtype = text, collation = "C");
        CREATE TABLE ranged (id int PRIMARY KEY, r textrange, note text);
        INSERT INTO ranged VALUES (1, '[a,b)', 'one'), (2, NULL, 'two'), (3, 'empty', 'three');
        CREATE TABLE gen_key (a int NOT NULL, b int GENERATED ALWAYS AS (a / 2) STORED NOT NULL, PRIMARY KEY (a, b));
        CREATE INDEX gen_key_b ON gen_key (b);
        INSERT INTO gen_key (a) VALUES (1), (4);
        CREATE TABLE no_columns ();
        INSERT INTO no_columns DEFAULT VALUES;
        CREATE TABLE empty_parted (id int, at date, r textrange) PARTITION BY RANGE (at);
        CREATE TABLE scales (id int PRIMARY KEY, hundreds numeric(3,-2), tiny numeric(3,5));
        INSERT INTO scales VALUES (1, 12300, 0.00123), (2, -99900, -0.00999);
        CREATE TABLE two_counters (d date NOT NULL, id serial, other int GENERATED ALWAYS AS IDENTITY, PRIMARY KEY (d, id));
        INSERT INTO two_counters (d) VALUES ('2024-01-01'), ('2024-01-02');
        CREATE TABLE uuids (id int PRIMARY KEY, u uuid);
        INSERT INTO uuids VALUES (1, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), (2, '80098009-8009-8009-8009-800980098009');
        CREATE TABLE wide_key (a int, b text, c numeric, d text);
        CREATE INDEX wide_key_abc ON wide_key (a, b, c);
        INSERT INTO wide_key VALUES (1, 'x', 1.5, 'y');
        """#

    @Test("a column whose type has no portable form stops the restore before it begins, naming it and the ways on", arguments: ["sqlite", "mariadb"])
    func unreadableColumnStops(_ engine: String) async throws {
        let source = try await Scratch.postgres("pghostile")
        let target = engine == "sqlite" ? try Scratch.sqlite("pghostile") : try await Scratch.mariadb("pghostile")
        try await withScratch([source, target]) {
            try await source.execute(Self.schema)
            do {
                _ = try await migrate(source, into: target)
                Issue.record("a textrange column must stop the restore under --on-bad-value error")
            } catch let error as PoolKitError {
                #expect(error.message.contains("column ranged.r: its type public.textrange has no portable form"), "\(error.message)")
                #expect(error.message.contains("--on-bad-value null"), "\(error.message)")
            }
            let tables = engine == "sqlite"
                ? try await target.query("SELECT count(*) FROM sqlite_schema")
                : try await target.query("SELECT count(*) FROM information_schema.tables WHERE table_schema = database()")
            #expect(tables == [["0"]], "nothing is created before the refusal")
        }
    }

    @Test("with --on-bad-value null or skip-row, everything else is carried and what is not is said", arguments: ["sqlite", "mariadb"])
    func carriedOrSaid(_ engine: String) async throws {
        let source = try await Scratch.postgres("pghostile2")
        let target = engine == "sqlite" ? try Scratch.sqlite("pghostile2") : try await Scratch.mariadb("pghostile2")
        try await withScratch([source, target]) {
            try await source.execute(Self.schema)
            var options = RestoreOptions()
            options.crossEngine.onBadValue = .null
            let summary = try await migrate(source, into: target, options: options)
            let report = try #require(summary.migration)
            // Each value of the textrange column is refused and loaded as NULL (NULL itself passes).
            #expect(report.tables.first { $0.name == "ranged" }?.refused == 2)
            #expect(try await target.query("SELECT id, r, note FROM ranged ORDER BY id") == [["1", nil, "one"], ["2", nil, "two"], ["3", nil, "three"]])
            // The generated column is not carried, nor are the key and index on it; the table is.
            let notCarried = report.notCarried.map { "\($0.kind) \($0.name)" }
            for expected in ["generated-column gen_key.b", "primary-key gen_key.primary key", "index gen_key.gen_key_b", "table no_columns"] {
                #expect(notCarried.contains(expected), "\(expected) in \(notCarried)")
            }
            #expect(try await target.query("SELECT a FROM gen_key ORDER BY a") == [["1"], ["4"]])
            #expect(try await target.query("SELECT count(*) FROM empty_parted") == [["0"]], "a partitioned table without partitions is created")
            let scales = try await target.query("SELECT hundreds, tiny FROM scales ORDER BY id").map { $0.map { Double($0 ?? "") } }
            #expect(scales == [[12300, 0.00123], [-99900, -0.00999]])
            #expect(try await target.query("SELECT count(*) FROM two_counters") == [["2"]])
            if engine == "mariadb" {
                try await target.execute("INSERT INTO two_counters (d, other) VALUES ('2024-01-03', 9)")
                #expect(try await target.scalar("SELECT id FROM two_counters WHERE d = '2024-01-03'") == "3", "the first counter continues")
            } else {
                #expect(report.warnings.contains { $0.contains("two_counters.id is counted in the source, but SQLite counts only") })
            }
            if engine == "mariadb" {
                #expect(report.warnings.contains { $0.contains("two_counters.other is counted in the source, but MariaDB counts one column") })
                #expect(report.tables.first { $0.name == "uuids" }?.refused == 1, "MariaDB's UUID type refuses the second value")
                #expect(try await target.query("SELECT u FROM uuids ORDER BY id") == [["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"], [nil]])
                #expect(
                    try await target.scalar("SELECT count(*) FROM information_schema.statistics WHERE table_schema = database() AND index_name = 'wide_key_abc'") == "3",
                    "a key of a text between an int and an unconstrained numeric fits InnoDB's 3072 bytes")
            }
            options.crossEngine.onBadValue = .skipRow
            options.clean = true
            _ = try await migrate(source, into: target, options: options)
            #expect(try await target.query("SELECT id FROM ranged ORDER BY id") == [["2"]], "skip-row leaves out the rows with a value")
        }
    }

    @Test("MariaDB's UUID type: which values it refuses")
    func mariadbUUIDRule() {
        #expect(MariaDBPortableWriter.uuidProblem("80098009-8009-8009-8009-800980098009") != nil)
        #expect(MariaDBPortableWriter.uuidProblem("80098009-8009-f009-1009-800980098009") != nil)
        #expect(MariaDBPortableWriter.uuidProblem("80098009-8009-f009-f009-800980098009") == nil)
        #expect(MariaDBPortableWriter.uuidProblem("80098009-8009-8009-0009-800980098009") == nil)
        #expect(MariaDBPortableWriter.uuidProblem("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11") == nil)
    }
}
