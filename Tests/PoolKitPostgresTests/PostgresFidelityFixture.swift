/// A source database with every built-in type PostgreSQL 15 has, the values that trip up dumps
/// (extremes, NaN, infinities, -0, every byte, duplicate json keys, odd array bounds), NULLs, an
/// empty table, a 50 MB value, odd identifiers and several schemas.
enum PostgresFidelityFixture {
    static let schema = #"""
        CREATE SCHEMA "Odd ""Schema"" ü";
        CREATE SCHEMA other;
        CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');
        CREATE TYPE public.pair AS (a integer, b text);
        CREATE DOMAIN public.positive AS integer CHECK (VALUE > 0);

        -- Built-in types only: copied in binary.
        CREATE TABLE public.builtin (
            id integer PRIMARY KEY,
            n numeric, f4 real, f8 double precision, i2 smallint, i4 integer, i8 bigint,
            b boolean, t text, vc varchar(10), c char(3), by bytea,
            d date, ts timestamp, tstz timestamptz, tm time, tmtz timetz, iv interval,
            j json, jb jsonb, ia integer[], ta text[], ma integer[],
            r int4range, tr tstzrange, mr int4multirange, nr nummultirange, u uuid,
            ip inet, cd cidr, mac macaddr, mac8 macaddr8, m money, bt bit(8), vb varbit,
            tv tsvector, tq tsquery, pt point, ln line, ls lseg, bx box, pa path, pg polygon, ci circle,
            x xml, o oid, ch "char", nm name, pl pg_lsn, js jsonpath
        );

        -- User-defined types: copied as text.
        CREATE TABLE public.custom (
            id integer PRIMARY KEY, mo public.mood, dom public.positive, comp public.pair,
            moods public.mood[], pairs public.pair[]
        );

        CREATE TABLE "Odd ""Schema"" ü"."Table With ""Quotes"" And Spaces" (
            "Select" integer, "MiXeD Case" text, "ü€" text, "col""quote" text
        );
        CREATE TABLE other.empty (id integer, note text);
        CREATE TABLE other.big_value (id integer, payload text);
        CREATE SEQUENCE other.counter START 5 INCREMENT 7;
        CREATE TABLE other.serials (id bigserial PRIMARY KEY, note text);
        """#

    static let data = #"""
        INSERT INTO public.builtin VALUES
        (1, 'NaN', 'Infinity', '-0', -32768, 2147483647, -9223372036854775808,
         true, E'tab\there\nnewline\\backslash \r ü€😀', 'short', 'ab', (SELECT decode(string_agg(lpad(to_hex(g), 2, '0'), ''), 'hex') FROM generate_series(0, 255) g),
         'infinity', 'infinity', '-infinity', '24:00:00', '23:59:59.999999+14', '1 year 2 months 3 days 04:05:06.789',
         '{"b": 1, "a": 2, "a": 3}', '{"z": [1, 2, {"y": null}], "a": "x"}', '[0:1]={1,2}', '{"a,b","c\"d",NULL,"NULL",""}', '{{1,2},{3,NULL}}',
         '[1,10)', '[2020-01-01 00:00+00,infinity)', '{[1,3),[5,8)}', '{[1.5,2.5]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
         '2001:db8::1/64', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05', '-92233720368547758.08', B'10101010', B'1',
         'a fat cat sat on a mat', 'fat & (rat | cat)', '(1.5,-2)', '{1,-1,0}', '[(0,0),(1,1)]', '(1,1),(0,0)', '((0,0),(1,1),(2,0))', '((0,0),(1,1),(1,0))', '<(0,0),1.5>',
         '<a b="c">text &amp; more</a>', 4294967295, 'x', 'a name', '16/B374D848', '$.a[*] ? (@ > 1)'),
        (2, '123456789012345678901234567890.123456789012345678901234567890', 'NaN', '-Infinity', 0, -2147483648, 9223372036854775807,
         false, '', '', '', '', '-infinity', '-infinity', 'infinity', '00:00', '00:00+00', '-178000000 years',
         '[]', '{}', '{}', '{}', '[-2:-1][3:4]={{1,2},{3,4}}',
         'empty', '(,)', '{}', '{}', '00000000-0000-0000-0000-000000000000',
         '0.0.0.0', '::/0', '00:00:00:00:00:00', '00:00:00:00:00:00:00:00', '0', B'00000000', B'',
         '', '!x', '(0,0)', '{0,1,0}', '[(0,0),(0,0)]', '(0,0),(0,0)', '[(0,0)]', '((0,0))', '<(0,0),0>',
         'just content', 0, E'\\001', '', '0/0', '$'),
        (3, '-1e-1000', '1.17549435e-38', '2.2250738585072014e-308', 1, 1, 1,
         NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         NULL, NULL, NULL, NULL, NULL, NULL);
        INSERT INTO public.builtin (id) VALUES (4);

        INSERT INTO public.custom VALUES
        (1, 'happy', 42, ROW(1, 'one'), '{sad,NULL,happy}', ARRAY[ROW(1, 'a'), ROW(NULL, NULL), NULL]::public.pair[]),
        (2, NULL, NULL, NULL, NULL, NULL),
        (3, 'sad', 1, ROW(NULL, E'quote " and \\ backslash'), '{}', '{}');

        INSERT INTO "Odd ""Schema"" ü"."Table With ""Quotes"" And Spaces"
        SELECT g, 'Row ' || g, repeat('ü', g % 7), E'q"\t' || g FROM generate_series(1, 1000) g;

        INSERT INTO other.big_value
        SELECT 1, string_agg(md5(g::text), '') FROM generate_series(1, 1638400) g;

        SELECT nextval('other.counter'), nextval('other.counter'), nextval('other.counter');
        INSERT INTO other.serials (note) SELECT 'n' || g FROM generate_series(1, 50) g;

        SELECT lo_from_bytea(424242, (SELECT string_agg(decode(md5(g::text), 'hex'), ''::bytea) FROM generate_series(1, 200000) g));
        SELECT lo_create(424243);
        COMMENT ON LARGE OBJECT 424242 IS 'three MB of md5';
        """#
}
