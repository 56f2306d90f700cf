import Foundation
import Logging
import PoolKitConformance
@testable import PoolKitPostgres
import Testing

/// PostgreSQL's built-in types without a portable counterpart (network, geometric, range, text
/// search, system types, money, arrays of them) restored from binary COPY into SQLite and MariaDB.
/// The oracle is the server itself: every value in the target must be the text PostgreSQL's output
/// function writes for it (`format('%s', c)`, which is `c::text` for every type but inet and cidr,
/// whose text cast always adds the prefix length) in a session with `TimeZone = 'UTC'`,
/// `DateStyle = 'ISO, YMD'`, `extra_float_digits = 1` and `IntervalStyle = postgres`; money is
/// compared with `money::numeric`.
@Suite(
    "PostgreSQL built-in types → SQLite, MariaDB", .serialized,
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresBuiltInTypesTests {
    static let network = #"""
        CREATE DOMAIN hardware AS macaddr8;
        CREATE TABLE net (id int PRIMARY KEY, host inet, net cidr, mac macaddr, mac8 macaddr8, hw hardware);
        INSERT INTO net (id, host, net, mac, mac8) VALUES
            (1, '1.2.3.4', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05'),
            (2, '::ffff:1.2.3.4', '::ffff:1.2.3.0/120', 'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00:00:00'),
            (3, '::1', '::/0', NULL, NULL),
            (4, '::', '2001:db8::/32', '00:00:00:00:00:00', 'ff:ee:dd:cc:bb:aa:99:88'),
            (5, '1:0:2:0:3:0:4:5', '1.2.3.4/32', NULL, NULL),
            (6, '1:0:0:2::3/64', '0.0.0.0/0', NULL, NULL),
            (7, '::1.2.3.4', '::1.2.3.4/128', NULL, NULL),
            (8, '1::', 'fe80::/10', NULL, NULL),
            (9, 'fe80::1:0:0:1', '1:2:3:4:5:6:7:8/128', NULL, NULL),
            (10, '1:0:0:1:0:0:1:1', '1:0:0:1:0:0:1:0/127', NULL, NULL),
            (11, '::2', '::ffff:0:0/96', NULL, NULL),
            (12, '::ffff:0:1.2.3.4', '192.168.0.0/16', NULL, NULL),
            (13, '192.168.1.5/24', '::0.0.1.0/128', NULL, NULL),
            (14, '0.0.0.0', '255.255.255.255/32', NULL, NULL),
            (15, 'abcd:ef01:2345:6789:abcd:ef01:2345:6789/0', '1:0:0:0:1::/80', NULL, NULL),
            (16, NULL, NULL, NULL, NULL);
        UPDATE net SET hw = mac8;
        """#

    static let system = #"""
        CREATE TABLE sys (id int PRIMARY KEY, cash money, tz timetz, ch "char", o oid, x xid, c cid, x8 xid8, lsn pg_lsn,
            t tid, doc xml, path jsonpath);
        INSERT INTO sys VALUES
            (1, '-12.34', '12:34:56.5+02', 'a', 4294967295, '4294967295', '0', '9223372036854775807', '16/B374D848', '(0,1)',
             '<a b="1">x &amp; y</a>', '$.a[*] ? (@ > 1)'),
            (2, '0', '01:02:03-05:30', '', 0, '0', '4294967295', '0', '0/0', '(4294967295,65535)', 'just text', 'strict $."k e y"'),
            (3, '92233720368547758.07', '00:00:00+05:45:10', '\', 1, '3', '1', '1', 'FFFFFFFF/FFFFFFFF', '(7,0)',
             '<?xml version="1.0"?><r/>', '$'),
            (4, '-92233720368547758.08', '24:00:00-15:59', '"', NULL, NULL, NULL, NULL, NULL, NULL, '', 'lax $.a.b[1 to last]'),
            (5, '-0.05', '23:59:59.999999+15:59', convert_from('\xc3a9', 'UTF8')::"char", NULL, NULL, NULL, NULL, NULL, NULL,
             '<ü>"q"</ü>', '$ ? (@ like_regex "a.*b" flag "i")'),
            (6, '1234567.891', '12:00:00-00:00:01', ' ', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
            (7, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        """#

    static let geometry = #"""
        CREATE TABLE geo (id int PRIMARY KEY, pt point, ln line, seg lseg, bx box, open_path path, closed_path path,
            poly polygon, circ circle, f8 float8, f4 real);
        INSERT INTO geo VALUES
            (1, '(1,2)', '{1,-1,0}', '[(0,0),(1,1)]', '(1,1),(0,0)', '[(0,0),(1,1),(2,0)]', '((0,0),(1,1))', '((0,0),(1,1),(1,0))',
             '<(0,0),1>', 0.1, 0.1),
            (2, '(1e20,-1.5e-7)', '{0.5,2,1e100}', '[(1e20,NaN),(-0,1)]', '((-1.5,2),(3,-4))', '[(1,2)]', '((1e-5,1e15))',
             '((1e20,-0))', '<(1e-7,NaN),Infinity>', 1e20, 1e20),
            (3, '(NaN,Infinity)', '{-Infinity,0,NaN}', '[(0.3333333333333333,2e-308),(5e-324,1.7976931348623157e308)]',
             '(Infinity,NaN),(-Infinity,-0)', '[(0.0001,0.00001),(123456789012345678,1e14)]', '((1e15,1e16),(-1e-4,-1e-5))',
             '((0.1,0.2),(0.3,0.4),(1e300,-1e-300))', '<(-0,-0),0>', 1.5e-7, 1e6),
            (4, '(-Infinity,-0)', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 123456.789, 100000),
            (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        """#

    static let ranges = #"""
        CREATE TABLE rng (id int PRIMARY KEY, i4 int4range, i8 int8range, num numrange, day daterange, ts tsrange, tz tstzrange,
            i4m int4multirange, i8m int8multirange, numm nummultirange, daym datemultirange, tsm tsmultirange, tzm tstzmultirange);
        INSERT INTO rng VALUES
            (1, 'empty', '[1,10)', '[1.50,2.5]', '[2020-01-01,infinity)', '["2020-01-01 00:00:00","2020-01-02 12:00:00.5")',
             '["2020-01-01 00:00:00+02",)', '{}', '{[1,3),[5,7)}', '{[1.0,2.0],(3,4)}', '{[2020-01-01,2020-02-01)}',
             '{[2020-01-01 00:00:00,infinity)}', '{(,"2020-01-01 00:00:00+00"],[2021-01-01 00:00:00+00,2022-01-01 00:00:00+00)}'),
            (2, '(,5]', '(,)', '(,)', '(-infinity,2020-01-01]', '[-infinity,infinity]', '[infinity,infinity]',
             '{(,0),[10,)}', '{(,)}', '{}', '{(,)}', '{}', '{}'),
            (3, '[3,3]', '[-9223372036854775808,9223372036854775807)', '(-0.0000000001,10000000000)', '[0044-03-15 BC,2020-01-01)',
             '(,"0044-03-15 12:00:00 BC")', 'empty', '{[1,2),[2,3)}', NULL, '{[-1,-1]}', NULL, NULL,
             '{["0044-03-15 12:00:00+00 BC",)}'),
            (4, '(,)', 'empty', 'empty', 'empty', 'empty', '[2024-10-27 02:30:00.125+02,2024-10-27 02:30:00.125+01]', NULL, NULL,
             NULL, NULL, NULL, NULL),
            (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        """#

    static let textSearch = #"""
        CREATE TABLE search (id int PRIMARY KEY, v tsvector, q tsquery);
        INSERT INTO search VALUES
            (1, $$'a':1A,2 'b c':3$$, $$'a' & ( 'b' | !'c' )$$),
            (2, $$'it''s' 'back\\slash':5B 'ünï':1C,2D 'q"q' '{x}'$$, $$'a' <-> 'b' <2> 'c'$$),
            (3, '', $$!( 'a' & 'b' )$$),
            (4, $$'x':16383$$, $$'pre':*AB & 'x':D$$),
            (5, to_tsvector('english', 'The quick brown foxes jumped over the lazy dogs'), $$('a' <-> 'b') <-> ('c' <-> 'd')$$),
            (6, 'word', ''),
            (7, NULL, $$'it''s' | 'back\\slash'$$),
            (8, NULL, $$!!'a'$$),
            (9, NULL, $$'a' | 'b' & 'c'$$),
            (10, NULL, $$('a' | 'b') & 'c' & !('d' <-> 'e')$$),
            (11, NULL, $$'a' <-> ('b' | 'c') <3> !'d'$$),
            (12, NULL, NULL);
        """#

    static let arrays = #"""
        CREATE TABLE arr (id int PRIMARY KEY, hosts inet[], nets cidr[], macs macaddr[], macs8 macaddr8[], cash money[],
            tzs timetz[], chs "char"[], oids oid[], xids xid[], cids cid[], xid8s xid8[], lsns pg_lsn[], tids tid[], docs xml[],
            paths jsonpath[], vs tsvector[], qs tsquery[], pts point[], lns line[], segs lseg[], bxs box[], pths path[],
            polys polygon[], circs circle[], i4r int4range[], i8r int8range[], nr numrange[], dr daterange[], tsr tsrange[],
            tzr tstzrange[], i4mr int4multirange[], dmr datemultirange[], f8s float8[], f4s real[], stamps timestamptz[]);
        INSERT INTO arr VALUES
            (1, '{1.2.3.4,::1,NULL,10.0.0.0/8}', '{10.0.0.0/8,::/0}', '{08:00:2b:01:02:03,NULL}', '{08:00:2b:01:02:03:04:05}',
             '{-12.34,0,NULL}', '{12:34:56.5+02,01:02:03-05:30}', '{a,"",NULL,"\\","\"",","," "}', '{0,4294967295,NULL}',
             '{1,2}', '{3}', '{9223372036854775807,NULL}', '{16/B374D848,0/0}', '{"(0,1)","(4294967295,65535)"}',
             ARRAY['<a b="1">x</a>'::xml, 'NULL'::xml, NULL, ''::xml], ARRAY['$.a'::jsonpath, '$ ? (@ > 1)'::jsonpath],
             ARRAY[$$'a':1A 'b c'$$::tsvector, ''::tsvector, NULL], ARRAY[$$'a' & 'b'$$::tsquery, ''::tsquery],
             '{"(1,2)","(NaN,-0)",NULL}', '{"{1,-1,0}"}', '{"[(0,0),(1,1e20)]"}', '{(1,1),(0,0);(2,2),(-1,-1);NULL}',
             '{"[(0,0),(1,1)]","((0,0),(1,1))"}', '{"((0,0),(1,1),(1,0))"}', '{"<(0,0),1>"}', '{empty,"[1,10)","(,5]",NULL}',
             '{"(,)"}', '{"[1.5,2.5)"}', '{"[2020-01-01,infinity)"}', ARRAY['["2020-01-01 00:00:00","2020-01-02 00:00:00")'::tsrange],
             ARRAY['["2020-01-01 00:00:00+00",)'::tstzrange, 'empty'], ARRAY['{[1,3),[5,7)}'::int4multirange, '{}'],
             ARRAY['{[2020-01-01,2020-02-01)}'::datemultirange], '{0.1,1e20,-0,NaN,Infinity,1.5e-7,NULL}', '{0.1,1e6,100000,-Infinity}',
             '{"2020-01-01 10:00:00+02","0044-03-15 12:00:00+00 BC",infinity}'),
            (2, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
             '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{{1.5,2},{NaN,-0}}', '[0:1]={1,2}', '{}'),
            (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
             NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        """#

    @Test("every network, system, geometric, range, text search and array value arrives in SQLite as PostgreSQL writes it")
    func intoSQLite() async throws {
        let source = try await Scratch.postgres("types")
        let target = try Scratch.sqlite("types")
        try await withScratch([source, target]) {
            try await Self.prepare(source, [Self.network, Self.system, Self.geometry, Self.ranges, Self.textSearch, Self.arrays])
            // Money beyond 15 significant digits has no exact SQLite form: NULL.
            var options = RestoreOptions()
            options.crossEngine.onBadValue = .null
            let summary = try await migrate(source, into: target, options: options)
            let report = try #require(summary.migration)
            let columns = Dictionary(uniqueKeysWithValues: report.tables.flatMap { table in table.columns.map { ("\(table.name).\($0.name)", $0.targetType) } })
            #expect(columns["sys.cash"] == "numeric(19,2)")
            #expect(columns["sys.o"] == "bigint" && columns["sys.x8"] == "bigint")
            #expect(columns["net.host"] == "text" && columns["rng.tz"] == "text")
            #expect(report.tables.first { $0.name == "sys" }?.refused == 2)
            #expect(report.warnings.contains { $0.hasPrefix("sys.cash: ") && $0.contains("2 fractional digits") }, "\(report.warnings)")
            #expect(report.warnings.contains { $0.hasPrefix("net.host: ") && $0.contains("carried as its text form") })
            for table in ["net", "sys", "geo", "rng", "search", "arr"] {
                try await Self.compare(table, source: source, target: target, skipping: table == "geo" ? ["f8", "f4"] : [])
            }
            // Real and double columns keep their portable form: numbers, not PostgreSQL's text.
            let floats = try await target.query("SELECT f8, f4, typeof(f8) FROM geo ORDER BY id")
            #expect(floats.map { $0[0].flatMap(Double.init) } == [0.1, 1e20, 1.5e-7, 123456.789, nil])
            #expect(floats.map { $0[1].flatMap(Double.init).map(Float.init) } == [0.1, 1e20, 1e6, 100000, nil])
            #expect(floats[0][2] == "real")
        }
    }

    @Test("network, system and range values arrive in MariaDB as PostgreSQL writes them; money as DECIMAL(19,2)")
    func intoMariaDB() async throws {
        let source = try await Scratch.postgres("types-m")
        let target = try await Scratch.mariadb("types")
        try await withScratch([source, target]) {
            try await Self.prepare(source, [Self.network, Self.system, Self.ranges, Self.textSearch])
            _ = try await migrate(source, into: target)
            for table in ["net", "sys", "rng", "search"] { try await Self.compare(table, source: source, target: target) }
            #expect(try await target.query("SELECT cash FROM sys ORDER BY id").map { $0[0] } == [
                "-12.34", "0.00", "92233720368547758.07", "-92233720368547758.08", "-0.05", "1234567.89", nil,
            ])
        }
    }

    @Test("a column of a type still unknown (pg_snapshot from the server, aclitem in an archive) stops the restore, naming table and column, or is marked unreadable")
    func unknownTypeStops() async throws {
        let source = try await Scratch.postgres("types-u")
        let target = try Scratch.sqlite("types-u")
        try await withScratch([source, target]) {
            try await source.execute("CREATE TABLE snap (id int, s pg_snapshot); INSERT INTO snap VALUES (1, pg_current_snapshot())")
            let error = await #expect(throws: PoolKitError.self) { _ = try await migrate(source, into: target) }
            #expect(error?.message.contains("column snap.s: its type pg_snapshot has no portable form") == true, "\(error?.message ?? "")")
        }
        let table = ArchiveTable(
            id: 1, schema: "public", name: "grants", columns: [ArchiveColumn(name: "id", type: "integer"), ArchiveColumn(name: "acl", type: "aclitem")],
            encoding: .postgresCopyBinary)
        let manifest = ArchiveManifest(
            engine: "postgres", serverVersion: "15", driver: "postgres", strategy: "copy",
            objects: [ArchiveObject(id: 1, kind: .table, name: "grants", schema: "public", section: .preData, ddl: "CREATE TABLE public.grants (\n    \"id\" integer,\n    \"acl\" aclitem\n);")],
            tables: [table])
        // The reader marks the column; its values are refused one by one (PostgresHostileSchemaTests).
        let schema = try await PostgresPortableReader().portableSchema(of: manifest, logger: quietLogger)
        #expect(schema.tables.first?.columns.map(\.unreadable) == [nil, "its type aclitem has no portable form"])
    }

    @Test("double precision and real are written as PostgreSQL writes them: shortest digits, exponent from 1e15 (1e6 for real) and below 1e-4")
    func floatText() {
        let doubles: [(Double, String)] = [
            (1, "1"), (0.1, "0.1"), (1e20, "1e+20"), (1.5e-7, "1.5e-07"), (-0.0, "-0"), (.infinity, "Infinity"), (-.infinity, "-Infinity"),
            (.nan, "NaN"), (1e15, "1e+15"), (1e14, "100000000000000"), (123456789012345.6, "123456789012345.6"), (0.0001, "0.0001"),
            (0.00001, "1e-05"), (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"), (-2.5e-100, "-2.5e-100"),
            (1.0 / 3, "0.3333333333333333"), (123456789012345678, "1.2345678901234568e+17"), (100, "100"), (-12.5, "-12.5"),
        ]
        for (value, text) in doubles { #expect(PostgresFloatText.double(value) == text, "\(value)") }
        let floats: [(Float, String)] = [(0.1, "0.1"), (1e6, "1e+06"), (100000, "100000"), (1.5e-7, "1.5e-07"), (3.4028235e38, "3.4028235e+38")]
        for (value, text) in floats { #expect(PostgresFloatText.float(value) == text, "\(value)") }
    }

    /// Creates the tables in `source`, with the session settings of the oracle for later connections.
    private static func prepare(_ source: Scratch, _ schemas: [String]) async throws {
        let database = "\"\(source.url.database ?? "")\""
        try await source.execute(
            """
            ALTER DATABASE \(database) SET TimeZone = 'UTC'; ALTER DATABASE \(database) SET DateStyle = 'ISO, YMD';
            ALTER DATABASE \(database) SET extra_float_digits = 1; ALTER DATABASE \(database) SET IntervalStyle = postgres;
            """)
        for schema in schemas { try await source.execute(schema) }
    }

    /// Each column of `table` in the target against the server's own text for it, row by row.
    private static func compare(_ table: String, source: Scratch, target: Scratch, skipping: Set<String> = []) async throws {
        let columns = try await source.query(
            "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = '\(table)'::regclass AND attnum > 1 AND NOT attisdropped ORDER BY attnum")
        for row in columns {
            guard let column = row[0], let type = row[1], !skipping.contains(column) else { continue }
            let text = type.hasPrefix("money") ? "\(column)::numeric\(type.hasSuffix("[]") ? "[]" : "")::text" : "format('%s', \(column))"
            let expected = try await source.query("SELECT CASE WHEN \(column) IS NULL THEN NULL ELSE \(text) END FROM \(table) ORDER BY id").map { $0[0] }
            let quoted = target.engine == .mariadb ? "`\(column)`" : "\"\(column)\""
            let actual = try await target.query("SELECT \(quoted) FROM \(table) ORDER BY id").map { $0[0] }
            if type == "money", target.engine == nil {
                // SQLite keeps a decimal as a number (0.00 reads back as 0), and refuses one of more
                // than 15 significant digits, which it would store as a REAL: NULL by onBadValue.
                let numbers = expected.map { text in text.flatMap { $0.filter(\.isNumber).drop { $0 == "0" }.count <= 15 ? Decimal(string: $0) : nil } }
                #expect(actual.map { $0.flatMap { Decimal(string: $0) } } == numbers, "\(table).\(column)")
            } else {
                #expect(actual == expected, "\(table).\(column) (\(type))")
            }
        }
    }
}
