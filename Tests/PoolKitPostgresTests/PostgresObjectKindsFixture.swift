/// The object kinds of pg_dump's own test suite (src/bin/pg_dump/t/002_pg_dump.pl) that the rich
/// schema fixture does not have, each in its smallest form: a column type without binary I/O,
/// a base type with its shell and I/O functions (and a range, a multirange, an operator class and
/// a table over it), a shell type alone, a text search parser and template, an access method and tables using it, a transform, a
/// procedural language that is not an extension, a generated column both local and inherited,
/// CHECK constraints in dependency loops (over the table's row type, reading the table, on a
/// domain), the per-column and per-relation settings `ALTER … SET` gives, identity sequences
/// whose persistence differs from their table's, a subscription, and privileges changed on system
/// objects (`pg_init_privs`).
enum PostgresObjectKindsFixture {
    static let schema = #"""
        CREATE TABLE public.privs (who text, acl aclitem, acls aclitem[]);
        -- OID alias types: binary COPY would carry the source's OIDs, which name other objects here.
        CREATE TABLE public.refs (r regclass, t regtype, p regprocedure, n regnamespace, rs regclass[]);

        CREATE TYPE public.myint;
        CREATE FUNCTION public.myint_in(cstring) RETURNS public.myint LANGUAGE internal IMMUTABLE STRICT AS 'int4in';
        CREATE FUNCTION public.myint_out(public.myint) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'int4out';
        CREATE FUNCTION public.myint_recv(internal) RETURNS public.myint LANGUAGE internal IMMUTABLE STRICT AS 'int4recv';
        CREATE FUNCTION public.myint_send(public.myint) RETURNS bytea LANGUAGE internal IMMUTABLE STRICT AS 'int4send';
        CREATE TYPE public.myint (INPUT = public.myint_in, OUTPUT = public.myint_out, RECEIVE = public.myint_recv,
            SEND = public.myint_send, LIKE = pg_catalog.int4, CATEGORY = 'N', DEFAULT = '7');
        COMMENT ON TYPE public.myint IS 'an integer of our own';
        CREATE FUNCTION public.myint_lt(public.myint, public.myint) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT AS 'int4lt';
        CREATE FUNCTION public.myint_le(public.myint, public.myint) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT AS 'int4le';
        CREATE FUNCTION public.myint_eq(public.myint, public.myint) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT AS 'int4eq';
        CREATE FUNCTION public.myint_ge(public.myint, public.myint) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT AS 'int4ge';
        CREATE FUNCTION public.myint_gt(public.myint, public.myint) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT AS 'int4gt';
        CREATE FUNCTION public.myint_cmp(public.myint, public.myint) RETURNS integer LANGUAGE internal IMMUTABLE STRICT AS 'btint4cmp';
        CREATE OPERATOR public.< (LEFTARG = public.myint, RIGHTARG = public.myint, FUNCTION = public.myint_lt);
        CREATE OPERATOR public.<= (LEFTARG = public.myint, RIGHTARG = public.myint, FUNCTION = public.myint_le);
        CREATE OPERATOR public.= (LEFTARG = public.myint, RIGHTARG = public.myint, FUNCTION = public.myint_eq);
        CREATE OPERATOR public.>= (LEFTARG = public.myint, RIGHTARG = public.myint, FUNCTION = public.myint_ge);
        CREATE OPERATOR public.> (LEFTARG = public.myint, RIGHTARG = public.myint, FUNCTION = public.myint_gt);
        CREATE OPERATOR CLASS public.myint_ops DEFAULT FOR TYPE public.myint USING btree AS
            OPERATOR 1 public.<, OPERATOR 2 public.<=, OPERATOR 3 public.=, OPERATOR 4 public.>=, OPERATOR 5 public.>,
            FUNCTION 1 public.myint_cmp(public.myint, public.myint);
        CREATE TYPE public.myint_range AS RANGE (subtype = public.myint, multirange_type_name = public.myint_multirange);
        CREATE TABLE public.uses_myint (v public.myint, vs public.myint[], r public.myint_range, mr public.myint_multirange);
        CREATE INDEX uses_myint_v ON public.uses_myint (v);
        CREATE TYPE public.only_shell;

        CREATE ACCESS METHOD heap2 TYPE TABLE HANDLER heap_tableam_handler;
        COMMENT ON ACCESS METHOD heap2 IS 'a copy of heap';
        CREATE TABLE public.in_heap2 (id integer, note text) USING heap2;
        CREATE MATERIALIZED VIEW public.mv_heap2 USING heap2 AS SELECT id FROM public.in_heap2;

        CREATE TRANSFORM FOR integer LANGUAGE sql (FROM SQL WITH FUNCTION prsd_lextype(internal),
            TO SQL WITH FUNCTION int4recv(internal));
        CREATE FUNCTION public.pltest_call_handler() RETURNS language_handler LANGUAGE c
            AS '$libdir/plpgsql', 'plpgsql_call_handler';
        CREATE LANGUAGE pltest HANDLER public.pltest_call_handler;
        COMMENT ON LANGUAGE pltest IS 'a language of our own';

        CREATE TEXT SEARCH PARSER public.my_parser (START = prsd_start, GETTOKEN = prsd_nexttoken, END = prsd_end,
            LEXTYPES = prsd_lextype, HEADLINE = prsd_headline);
        CREATE TEXT SEARCH TEMPLATE public.my_template (INIT = dsimple_init, LEXIZE = dsimple_lexize);
        COMMENT ON TEXT SEARCH TEMPLATE public.my_template IS 'simple, again';
        CREATE TEXT SEARCH DICTIONARY public.my_dict (TEMPLATE = public.my_template);
        CREATE TEXT SEARCH CONFIGURATION public.my_config (PARSER = public.my_parser);
        ALTER TEXT SEARCH CONFIGURATION public.my_config ADD MAPPING FOR word WITH public.my_dict;

        CREATE TABLE public.gp (a integer, b integer GENERATED ALWAYS AS (a * 2) STORED);
        CREATE TABLE public.gc (a integer NOT NULL, b integer GENERATED ALWAYS AS (a * 2) STORED);
        ALTER TABLE public.gc INHERIT public.gp;

        CREATE TABLE public.t (a integer);
        CREATE FUNCTION public.t_ok(public.t) RETURNS boolean LANGUAGE sql AS 'SELECT $1.a > 0';
        ALTER TABLE public.t ADD CONSTRAINT t_ok CHECK (public.t_ok(t.*));
        CREATE TABLE public.tr (id integer, c integer);
        CREATE FUNCTION public.tr_max() RETURNS integer LANGUAGE sql STABLE
            BEGIN ATOMIC SELECT coalesce(max(id), 0) FROM public.tr; END;
        ALTER TABLE public.tr ADD CONSTRAINT tr_c CHECK (c <= public.tr_max() + 100);
        CREATE TABLE public.pp (a integer) PARTITION BY LIST (a);
        CREATE TABLE public.pp1 PARTITION OF public.pp FOR VALUES IN (1);
        CREATE FUNCTION public.pp_max() RETURNS integer LANGUAGE sql STABLE
            BEGIN ATOMIC SELECT coalesce(max(a), 0) FROM public.pp; END;
        ALTER TABLE public.pp ADD CONSTRAINT pp_ok CHECK (a <= public.pp_max() + 10);
        CREATE TABLE public.ip (a integer);
        CREATE TABLE public.ic (b integer) INHERITS (public.ip);
        CREATE FUNCTION public.ip_max() RETURNS integer LANGUAGE sql STABLE
            BEGIN ATOMIC SELECT coalesce(max(a), 0) FROM public.ip; END;
        ALTER TABLE public.ip ADD CONSTRAINT ip_ok CHECK (a <= public.ip_max() + 10);
        CREATE DOMAIN public.dd AS integer;
        -- Takes the domain's array type (a dd argument would check the domain again, without end).
        CREATE FUNCTION public.dd_ok(public.dd[], integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $2 > 0';
        ALTER DOMAIN public.dd ADD CONSTRAINT dd_ok CHECK (public.dd_ok('{}'::public.dd[], VALUE));
        CREATE TABLE public.uses_dd (v public.dd);

        CREATE MATERIALIZED VIEW public.mv WITH (fillfactor = 60) AS SELECT who FROM public.privs;
        ALTER MATERIALIZED VIEW public.mv ALTER COLUMN who SET COMPRESSION lz4;
        ALTER MATERIALIZED VIEW public.mv ALTER COLUMN who SET STATISTICS 77;
        ALTER MATERIALIZED VIEW public.mv ALTER COLUMN who SET STORAGE MAIN;
        ALTER MATERIALIZED VIEW public.mv ALTER COLUMN who SET (n_distinct = 5);
        ALTER MATERIALIZED VIEW public.mv SET (toast.autovacuum_enabled = false, autovacuum_enabled = false);
        CREATE UNIQUE INDEX mv_who ON public.mv (who);
        ALTER MATERIALIZED VIEW public.mv CLUSTER ON mv_who;
        CREATE TABLE public.idt (id integer GENERATED ALWAYS AS IDENTITY, v text);
        ALTER SEQUENCE public.idt_id_seq SET UNLOGGED;
        CREATE UNLOGGED TABLE public.uidt (id integer GENERATED BY DEFAULT AS IDENTITY, v text);
        ALTER SEQUENCE public.uidt_id_seq SET LOGGED;
        CREATE TABLE public.settings (a integer, b text, c text);
        ALTER TABLE public.settings ALTER COLUMN b SET STORAGE EXTERNAL, ALTER COLUMN c SET COMPRESSION lz4,
            ALTER COLUMN a SET (n_distinct_inherited = -0.5), SET (autovacuum_vacuum_scale_factor = 0.01),
            REPLICA IDENTITY FULL;
        CREATE UNLOGGED TABLE public.unlogged_t (x integer);

        -- More of pg_dump's test suite: an index access method, a cast between built-in types, a
        -- function with a support function, an operator class with storage only, a range over a
        -- custom operator class, a default conversion, a table of no columns, generated columns
        -- inherited without and with local columns, an inheritance child with its own CHECK,
        -- statistics on an expression, privileges on a base type and on a system table's columns.
        CREATE ACCESS METHOD gist2 TYPE INDEX HANDLER gisthandler;
        CREATE CAST (timestamptz AS interval) WITH FUNCTION age(timestamptz) AS ASSIGNMENT;
        CREATE FUNCTION public.func_with_support() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$ SUPPORT varchar_support;
        CREATE OPERATOR FAMILY public.op_family USING btree;
        CREATE OPERATOR CLASS public.op_class_empty FOR TYPE bigint USING btree FAMILY public.op_family AS STORAGE bigint;
        CREATE OPERATOR CLASS public.op_class FOR TYPE bigint USING btree FAMILY public.op_family AS STORAGE bigint,
            OPERATOR 1 <(bigint, bigint), OPERATOR 2 <=(bigint, bigint), OPERATOR 3 =(bigint, bigint),
            OPERATOR 4 >=(bigint, bigint), OPERATOR 5 >(bigint, bigint), FUNCTION 1 btint8cmp(bigint, bigint),
            FUNCTION 2 btint8sortsupport(internal), FUNCTION 4 btequalimage(oid);
        -- Members of one support number, added after the class's own: listed in the order added.
        ALTER OPERATOR FAMILY public.op_family USING btree ADD
            OPERATOR 1 <(bigint, int4), OPERATOR 2 <=(bigint, int4), OPERATOR 3 =(bigint, int4),
            OPERATOR 4 >=(bigint, int4), OPERATOR 5 >(bigint, int4), FUNCTION 1 (int4, int4) btint4cmp(int4, int4),
            FUNCTION 2 (int4, int4) btint4sortsupport(internal), FUNCTION 4 (int4, int4) btequalimage(oid);
        CREATE OPERATOR public.~~ (PROCEDURE = int4eq, LEFTARG = integer, RIGHTARG = integer);
        CREATE OPERATOR CLASS public.op_class_custom FOR TYPE integer USING btree AS OPERATOR 3 public.~~;
        CREATE TYPE public.range_type_custom AS RANGE (subtype = integer, subtype_opclass = public.op_class_custom);
        CREATE DEFAULT CONVERSION public.test_conversion FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;
        CREATE TABLE public.zero_columns ();
        CREATE TABLE public.test_table_generated (col1 integer PRIMARY KEY, col2 integer GENERATED ALWAYS AS (col1 * 2) STORED);
        CREATE TABLE public.test_table_generated_child1 () INHERITS (public.test_table_generated);
        CREATE TABLE public.test_table_generated_child2 (col1 integer, col2 integer) INHERITS (public.test_table_generated);
        CREATE TABLE public.test_inheritance_parent (col1 integer NOT NULL, col2 integer CHECK (col2 >= 42));
        CREATE TABLE public.test_inheritance_child (col1 integer NOT NULL,
            CONSTRAINT test_inheritance_child CHECK (col2 >= 142857)) INHERITS (public.test_inheritance_parent);
        CREATE TABLE public.defaults_parent (a integer DEFAULT 1, b timestamp DEFAULT now());
        CREATE TABLE public.defaults_child () INHERITS (public.defaults_parent);
        ALTER TABLE public.defaults_child ALTER COLUMN a SET DEFAULT 2, ALTER COLUMN b DROP DEFAULT;
        CREATE STATISTICS public.stats_expression ON (2 * col1) FROM public.test_inheritance_parent;
        REVOKE USAGE ON TYPE public.myint FROM PUBLIC;
        CREATE TABLE public.col_privs (a integer);
        GRANT SELECT (tableoid, a) ON public.col_privs TO PUBLIC;
        REVOKE SELECT ON TABLE pg_catalog.pg_proc FROM PUBLIC;
        GRANT SELECT (tableoid, oid, proname, pronamespace, prosrc) ON TABLE pg_catalog.pg_proc TO PUBLIC;

        CREATE SUBSCRIPTION fixture_sub CONNECTION 'host=127.0.0.1 port=1 dbname=nowhere' PUBLICATION p1, "P two"
            WITH (connect = false, slot_name = NONE, binary = true, streaming = true);
        COMMENT ON SUBSCRIPTION fixture_sub IS 'not connected';

        REVOKE USAGE ON LANGUAGE plpgsql FROM PUBLIC;
        GRANT SELECT (rolname) ON pg_catalog.pg_authid TO PUBLIC;
        REVOKE EXECUTE ON FUNCTION pg_catalog.pg_sleep(double precision) FROM PUBLIC;
        -- A system function given to another owner, whose privileges that owner then lost: the target's
        -- copy keeps its first owner, from whom the initial privileges are revoked.
        ALTER FUNCTION pg_catalog.pg_stat_reset_shared(text) OWNER TO pg_monitor;
        REVOKE EXECUTE ON FUNCTION pg_catalog.pg_stat_reset_shared(text) FROM pg_monitor;
        """#

    static let data = #"""
        INSERT INTO public.privs VALUES ('a', 'postgres=arwdDxt/postgres', '{=r/postgres,postgres=a/postgres}'), ('b', NULL, NULL);
        INSERT INTO public.refs VALUES ('public.privs', 'public.myint', 'public.t_ok(public.t)', 'public',
            '{public.uses_myint,pg_catalog.pg_class}'), ('pg_class', 'integer', 'pg_catalog.now()', 'pg_catalog', NULL);
        INSERT INTO public.uses_myint VALUES ('42', '{1,2,NULL}', '[1,5)', '{[1,2),[3,4)}'), (NULL, NULL, 'empty', '{}');
        INSERT INTO public.in_heap2 SELECT g, 'note ' || g FROM generate_series(1, 20) g;
        REFRESH MATERIALIZED VIEW public.mv_heap2;
        REFRESH MATERIALIZED VIEW public.mv;
        INSERT INTO public.gp (a) VALUES (1), (2);
        INSERT INTO public.gc (a) VALUES (3);
        INSERT INTO public.t VALUES (1), (2);
        INSERT INTO public.tr VALUES (1, 50), (2, 100);
        INSERT INTO public.uses_dd VALUES (5);
        INSERT INTO public.pp VALUES (1);
        INSERT INTO public.ic VALUES (1, 2);
        INSERT INTO public.idt (v) VALUES ('x'), ('y');
        INSERT INTO public.uidt (v) VALUES ('z');
        INSERT INTO public.settings VALUES (1, 'b', 'c');
        INSERT INTO public.zero_columns DEFAULT VALUES;
        INSERT INTO public.zero_columns DEFAULT VALUES;
        INSERT INTO public.test_table_generated_child2 (col1) VALUES (21);
        INSERT INTO public.test_inheritance_child VALUES (1, 142857);
        """#

    /// Objects `--clean` must drop one by one, since no table takes them with it: a collation, a
    /// foreign data wrapper with a server, user mappings and a foreign table, a publication, an
    /// event trigger (disabled, so that it does not fire on the restore's own statements).
    static let databaseObjects = #"""
        CREATE COLLATION public."c copy" (provider = libc, lc_collate = 'C', lc_ctype = 'C');
        CREATE TABLE public.collated (t text COLLATE public."c copy");
        INSERT INTO public.collated VALUES ('b'), ('a');
        CREATE FOREIGN DATA WRAPPER clean_fdw;
        CREATE SERVER "clean ""server""" FOREIGN DATA WRAPPER clean_fdw;
        CREATE USER MAPPING FOR PUBLIC SERVER "clean ""server""";
        CREATE USER MAPPING FOR CURRENT_USER SERVER "clean ""server""" OPTIONS (user 'remote');
        CREATE FOREIGN TABLE public.remote (a integer) SERVER "clean ""server""";
        CREATE PUBLICATION clean_pub FOR TABLE public.collated;
        CREATE FUNCTION public.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN END$$;
        CREATE EVENT TRIGGER clean_ddl ON ddl_command_end EXECUTE FUNCTION public.on_ddl();
        ALTER EVENT TRIGGER clean_ddl DISABLE;
        """#

    /// Removes the subscriptions a database with the fixture has (a database with subscriptions
    /// cannot be dropped); they have no slot, so nothing connects.
    static let dropSubscriptions = "DROP SUBSCRIPTION IF EXISTS fixture_sub"
}
