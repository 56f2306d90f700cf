@testable import PoolKitPostgres

/// The rich schema the schema reader's tests dump and restore: every object kind the reader
/// supports, odd identifiers, and objects that depend on each other in cycles.
enum PostgresSchemaFixture {
    /// The fixture's SQL; `owner` and `reader` are roles the test created.
    static func sql(owner: String, reader: String) -> String {
        let owner = PostgresSQL.identifier(owner)
        let reader = PostgresSQL.identifier(reader)
        return #"""
            CREATE EXTENSION hstore;
            COMMENT ON EXTENSION hstore IS 'hstore, commented';
            -- A configuration table, as an extension script registers one with pg_extension_config_dump.
            CREATE TABLE public.hstore_settings (id integer, value text);
            ALTER EXTENSION hstore ADD TABLE public.hstore_settings;
            UPDATE pg_extension SET extconfig = ARRAY['public.hstore_settings'::regclass::oid],
                extcondition = ARRAY['WHERE id > 100'] WHERE extname = 'hstore';
            CREATE SCHEMA app;
            CREATE SCHEMA "Odd ""Schema"" ü";
            CREATE SCHEMA "select";
            COMMENT ON SCHEMA app IS 'application objects';
            COMMENT ON SCHEMA public IS 'public, commented';
            ALTER SCHEMA app OWNER TO \#(owner);
            GRANT USAGE ON SCHEMA app TO \#(reader);
            GRANT USAGE ON SCHEMA "Odd ""Schema"" ü" TO \#(reader) WITH GRANT OPTION;
            REVOKE CREATE ON SCHEMA public FROM pg_database_owner;

            CREATE COLLATION app.german (provider = icu, locale = 'de-DE');
            CREATE COLLATION app.nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
            CREATE COLLATION app."C copy" (provider = libc, lc_collate = 'C', lc_ctype = 'C');
            COMMENT ON COLLATION app.german IS 'german';

            CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy ''quoted''');
            ALTER TYPE app.mood ADD VALUE 'meh' BEFORE 'ok';
            CREATE TYPE app.pair AS (left_value integer, "Right Value" text COLLATE "C");
            COMMENT ON TYPE app.pair IS 'a pair';
            COMMENT ON COLUMN app.pair."Right Value" IS 'right side';
            CREATE DOMAIN app.positive AS numeric(10,2) DEFAULT 1 NOT NULL CONSTRAINT positive_check CHECK (VALUE > 0);
            CREATE DOMAIN app.code AS text COLLATE "C" CONSTRAINT code_length CHECK (length(VALUE) BETWEEN 2 AND 8);
            ALTER DOMAIN app.code ADD CONSTRAINT code_upper CHECK (VALUE = upper(VALUE)) NOT VALID;
            COMMENT ON CONSTRAINT code_upper ON DOMAIN app.code IS 'upper case, not validated';
            COMMENT ON DOMAIN app.code IS 'codes';
            COMMENT ON CONSTRAINT code_length ON DOMAIN app.code IS 'two to eight';
            CREATE TYPE app.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
            GRANT USAGE ON TYPE app.mood TO \#(reader);
            REVOKE USAGE ON TYPE app.pair FROM PUBLIC;
            ALTER TYPE app.mood OWNER TO \#(owner);

            CREATE FUNCTION app.add_one(i integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT i + 1 $$;
            CREATE FUNCTION app.default_code() RETURNS text LANGUAGE sql STABLE RETURN 'AB';
            CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
            CREATE FUNCTION app.noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE FUNCTION "Odd ""Schema"" ü"."Weird Func"(a text DEFAULT 'x', VARIADIC b integer[] DEFAULT '{}')
                RETURNS SETOF text LANGUAGE plpgsql SECURITY DEFINER SET search_path = app, public COST 50 ROWS 5
                AS $$ BEGIN RETURN NEXT a; END $$;
            CREATE PROCEDURE app.log_it(IN msg text) LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE '%', msg; END $$;
            COMMENT ON PROCEDURE app.log_it(text) IS 'logs';
            CREATE FUNCTION app.sum_state(s bigint, v integer) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT s + v';
            CREATE AGGREGATE app.total(integer) (SFUNC = app.sum_state, STYPE = bigint, INITCOND = '0');
            COMMENT ON AGGREGATE app.total(integer) IS 'sum';
            CREATE FUNCTION app.eq_mod(a integer, b integer) RETURNS boolean LANGUAGE sql IMMUTABLE
                AS 'SELECT a % 10 = b % 10';
            CREATE OPERATOR app.=~= (FUNCTION = app.eq_mod, LEFTARG = integer, RIGHTARG = integer,
                COMMUTATOR = OPERATOR(app.=~=));
            COMMENT ON OPERATOR app.=~= (integer, integer) IS 'mod ten';
            CREATE FUNCTION app.pair_to_text(app.pair) RETURNS text LANGUAGE sql AS 'SELECT $1.left_value::text';
            CREATE CAST (app.pair AS text) WITH FUNCTION app.pair_to_text(app.pair) AS ASSIGNMENT;
            COMMENT ON CAST (app.pair AS text) IS 'cast';
            REVOKE EXECUTE ON FUNCTION app.add_one(integer) FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION app.add_one(integer) TO \#(reader);
            COMMENT ON FUNCTION app.add_one(integer) IS 'adds one';
            ALTER FUNCTION app.add_one(integer) OWNER TO \#(owner);
            CREATE FUNCTION app.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
            CREATE EVENT TRIGGER "app ddl" ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'DROP TABLE')
                EXECUTE FUNCTION app.on_ddl();
            ALTER EVENT TRIGGER "app ddl" DISABLE;
            COMMENT ON EVENT TRIGGER "app ddl" IS 'ddl';

            CREATE SEQUENCE app.counter AS integer START WITH 100 INCREMENT BY 5 MINVALUE 50 MAXVALUE 100000 CACHE 3 CYCLE;
            SELECT nextval('app.counter');
            SELECT nextval('app.counter');
            COMMENT ON SEQUENCE app.counter IS 'counter';
            GRANT USAGE ON SEQUENCE app.counter TO \#(reader);
            ALTER SEQUENCE app.counter OWNER TO \#(owner);
            CREATE UNLOGGED SEQUENCE app.unlogged_counter;

            SET search_path = app, public;
            CREATE TABLE customers (
                id bigserial PRIMARY KEY,
                code code DEFAULT default_code(),
                name text COLLATE german NOT NULL,
                email text UNIQUE,
                mood mood DEFAULT 'ok',
                balance positive,
                tags hstore,
                referrer bigint REFERENCES customers (id) ON DELETE SET NULL,
                created timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz,
                name_upper text GENERATED ALWAYS AS (upper(name)) STORED,
                counter_value integer DEFAULT nextval('counter'),
                CONSTRAINT name_not_empty CHECK (name <> '')
            ) WITH (fillfactor = 80, autovacuum_enabled = false, toast.autovacuum_enabled = false);
            RESET search_path;
            ALTER TABLE app.customers ALTER COLUMN email SET STATISTICS 500;
            ALTER TABLE app.customers ALTER COLUMN name SET STORAGE MAIN;
            ALTER TABLE app.customers ALTER COLUMN email SET (n_distinct = -0.5);
            ALTER TABLE app.customers ALTER COLUMN tags SET COMPRESSION pglz;
            ALTER TABLE app.customers ADD CONSTRAINT email_lower CHECK (email = lower(email)) NOT VALID;
            CREATE INDEX customers_name_idx ON app.customers (lower(name)) WHERE email IS NOT NULL;
            CREATE UNIQUE INDEX customers_code_idx ON app.customers (code) INCLUDE (name) WITH (fillfactor = 70);
            ALTER INDEX app.customers_name_idx ALTER COLUMN 1 SET STATISTICS 300;
            ALTER TABLE app.customers CLUSTER ON customers_code_idx;
            CREATE TRIGGER customers_touch BEFORE UPDATE ON app.customers FOR EACH ROW
                WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION app.touch();
            CREATE TRIGGER customers_noop AFTER INSERT ON app.customers REFERENCING NEW TABLE AS fresh
                FOR EACH STATEMENT EXECUTE FUNCTION app.noop();
            ALTER TABLE app.customers DISABLE TRIGGER customers_noop;
            COMMENT ON TABLE app.customers IS 'customers; it''s quoted';
            COMMENT ON COLUMN app.customers.email IS 'lower case';
            COMMENT ON CONSTRAINT name_not_empty ON app.customers IS 'no empty names';
            COMMENT ON CONSTRAINT customers_pkey ON app.customers IS 'the key';
            COMMENT ON INDEX app.customers_name_idx IS 'by name';
            COMMENT ON INDEX app.customers_pkey IS 'key index';
            COMMENT ON TRIGGER customers_touch ON app.customers IS 'touch';
            ALTER TABLE app.customers OWNER TO \#(owner);
            GRANT SELECT, INSERT ON app.customers TO \#(reader);
            GRANT UPDATE (email, name) ON app.customers TO \#(reader);
            GRANT DELETE ON app.customers TO \#(reader) WITH GRANT OPTION;
            SET ROLE \#(reader);
            GRANT DELETE ON app.customers TO PUBLIC;
            RESET ROLE;
            ALTER TABLE app.customers ENABLE ROW LEVEL SECURITY;
            ALTER TABLE app.customers FORCE ROW LEVEL SECURITY;
            CREATE POLICY "own rows" ON app.customers FOR SELECT TO \#(reader), \#(owner) USING (mood <> 'sad');
            CREATE POLICY strict ON app.customers AS RESTRICTIVE FOR UPDATE USING (true) WITH CHECK (name <> 'x');
            COMMENT ON POLICY strict ON app.customers IS 'strict';
            CREATE STATISTICS app.customers_stats (dependencies, ndistinct) ON name, email FROM app.customers;
            ALTER STATISTICS app.customers_stats SET STATISTICS 200;
            COMMENT ON STATISTICS app.customers_stats IS 'stats';

            CREATE TABLE app.orders (
                id integer GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 2) PRIMARY KEY,
                customer_id bigint NOT NULL REFERENCES app.customers DEFERRABLE INITIALLY DEFERRED,
                number integer NOT NULL,
                total numeric(12,2) CHECK (total >= 0),
                during tstzrange,
                first_item integer,
                CONSTRAINT orders_no_overlap EXCLUDE USING gist (during WITH &&)
            );
            CREATE UNIQUE INDEX orders_customer_number ON app.orders (customer_id, number);
            ALTER TABLE app.orders REPLICA IDENTITY USING INDEX orders_customer_number;
            CREATE TABLE app.items (
                order_id integer NOT NULL REFERENCES app.orders ON DELETE CASCADE,
                line integer NOT NULL,
                qty integer DEFAULT 1,
                PRIMARY KEY (order_id, line)
            );
            ALTER TABLE app.orders ADD CONSTRAINT orders_first_item_fk FOREIGN KEY (id, first_item)
                REFERENCES app.items (order_id, line) NOT VALID;
            CREATE SEQUENCE app.invoice_seq OWNED BY app.orders.number;
            ALTER TABLE app.orders ALTER COLUMN number SET DEFAULT nextval('app.invoice_seq');
            SELECT setval('app.invoice_seq', 41, false);
            CREATE TABLE app.by_default (id bigint GENERATED BY DEFAULT AS IDENTITY, note text);
            INSERT INTO app.by_default (note) VALUES ('a'), ('b');
            ALTER TABLE app.by_default REPLICA IDENTITY FULL;
            COMMENT ON SEQUENCE app.by_default_id_seq IS 'identity sequence';

            CREATE UNLOGGED TABLE app.scratch (k text PRIMARY KEY, v jsonb);
            CREATE TABLE app.animals (id integer NOT NULL, name text DEFAULT 'x', CONSTRAINT animals_id_check CHECK (id > 0));
            CREATE TABLE app.dogs (breed text) INHERITS (app.animals);
            ALTER TABLE app.dogs ALTER COLUMN name SET DEFAULT 'dog';
            ALTER TABLE app.dogs ALTER COLUMN breed SET NOT NULL;
            CREATE TABLE app.cats (name text NOT NULL, lives integer CONSTRAINT lives_check CHECK (lives <= 9) NO INHERIT)
                INHERITS (app.animals);

            CREATE TABLE app.events (id bigint NOT NULL, at date NOT NULL, kind text, payload jsonb,
                customer_id bigint, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
            CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')
                PARTITION BY RANGE (id);
            CREATE TABLE app.events_2024_a PARTITION OF app.events_2024 FOR VALUES FROM (MINVALUE) TO (1000);
            CREATE TABLE app.events_2024_other PARTITION OF app.events_2024 DEFAULT;
            CREATE TABLE app.events_2025 (customer_id bigint, kind text, payload jsonb, at date NOT NULL, id bigint NOT NULL);
            ALTER TABLE app.events ATTACH PARTITION app.events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            CREATE INDEX events_kind_idx ON app.events (kind);
            CREATE INDEX events_2025_payload_idx ON app.events_2025 USING gin (payload);
            ALTER TABLE app.events ADD CONSTRAINT events_customer_fk FOREIGN KEY (customer_id) REFERENCES app.customers;
            CREATE TRIGGER events_noop BEFORE INSERT ON app.events FOR EACH ROW EXECUTE FUNCTION app.noop();
            ALTER TABLE app.events_2025 DISABLE TRIGGER events_noop;
            CREATE TABLE app.event_notes (event_id bigint, event_at date, note text,
                CONSTRAINT event_notes_event_fk FOREIGN KEY (event_id, event_at) REFERENCES app.events ON DELETE CASCADE);
            CREATE UNIQUE INDEX events_2024_a_kind ON app.events_2024_a (id, kind) WHERE kind IS NOT NULL;
            CREATE TABLE app.measures (id integer, value double precision) PARTITION BY HASH (id);
            CREATE TABLE app.measures_0 PARTITION OF app.measures FOR VALUES WITH (MODULUS 2, REMAINDER 0);
            CREATE TABLE app.measures_1 PARTITION OF app.measures FOR VALUES WITH (MODULUS 2, REMAINDER 1);
            COMMENT ON TABLE app.events_2024_a IS 'a partition';

            CREATE VIEW app.active_customers WITH (security_barrier = true) AS
                SELECT id, name, email, mood FROM app.customers WHERE mood <> 'sad' WITH CASCADED CHECK OPTION;
            CREATE VIEW "Odd ""Schema"" ü"."Customer View" AS
                SELECT id, name AS "Full Name" FROM app.active_customers WHERE id > 10 WITH LOCAL CHECK OPTION;
            ALTER VIEW app.active_customers ALTER COLUMN name SET DEFAULT 'anon';
            ALTER VIEW app.active_customers OWNER TO \#(owner);
            COMMENT ON VIEW app.active_customers IS 'active';
            COMMENT ON COLUMN app.active_customers.email IS 'view column';
            CREATE RULE "no delete" AS ON DELETE TO app.orders DO INSTEAD NOTHING;
            CREATE RULE log_scratch AS ON INSERT TO app.scratch WHERE NEW.k = 'x' DO ALSO DELETE FROM app.scratch WHERE k = 'y';
            ALTER TABLE app.scratch DISABLE RULE log_scratch;
            COMMENT ON RULE log_scratch ON app.scratch IS 'rule';
            CREATE MATERIALIZED VIEW app.customer_counts AS SELECT mood, count(*) AS n FROM app.customers GROUP BY mood;
            CREATE UNIQUE INDEX customer_counts_mood ON app.customer_counts (mood);
            COMMENT ON MATERIALIZED VIEW app.customer_counts IS 'counts';
            CREATE MATERIALIZED VIEW app.empty_counts WITH (fillfactor = 50) AS SELECT * FROM app.customer_counts
                WITH NO DATA;
            CREATE VIEW app.customer_orders AS
                SELECT c.id, c.name, count(o.id) AS orders FROM app.customers c
                LEFT JOIN app.orders o ON o.customer_id = c.id GROUP BY c.id;

            CREATE TABLE "select"."Table" ("from" integer PRIMARY KEY, "Ünïcødé ""col""" text, "user" text);
            COMMENT ON COLUMN "select"."Table"."Ünïcødé ""col""" IS 'ünïcødé';
            CREATE TABLE "Odd ""Schema"" ü"."my table" (id integer, "select" app.mood[], p app.pair, r app.floatrange,
                m app.floatmultirange, c text COLLATE app."C copy", n text COLLATE app.nocase);
            CREATE TABLE app.pairs OF app.pair (left_value WITH OPTIONS NOT NULL);

            GRANT SELECT ON ALL TABLES IN SCHEMA app TO \#(reader);
            ALTER DEFAULT PRIVILEGES FOR ROLE \#(owner) IN SCHEMA app GRANT SELECT ON TABLES TO \#(reader);
            ALTER DEFAULT PRIVILEGES FOR ROLE \#(owner) REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

            CREATE FOREIGN DATA WRAPPER "dummy fdw" OPTIONS (debug 'true');
            COMMENT ON FOREIGN DATA WRAPPER "dummy fdw" IS 'fdw';
            CREATE SERVER remote TYPE 'test' VERSION '1.0' FOREIGN DATA WRAPPER "dummy fdw"
                OPTIONS (host 'example.invalid', port '5432');
            COMMENT ON SERVER remote IS 'server';
            CREATE USER MAPPING FOR \#(owner) SERVER remote OPTIONS (user 'remote_user');
            CREATE USER MAPPING FOR PUBLIC SERVER remote;
            GRANT USAGE ON FOREIGN SERVER remote TO \#(reader);
            CREATE FOREIGN TABLE app.remote_items (
                id integer OPTIONS (column_name 'item_id') NOT NULL,
                label text COLLATE "C" DEFAULT 'x',
                CONSTRAINT remote_items_id_check CHECK (id > 0)
            ) SERVER remote OPTIONS (table_name 'items');
            ALTER FOREIGN TABLE app.remote_items ALTER COLUMN label SET STATISTICS 50;
            COMMENT ON FOREIGN TABLE app.remote_items IS 'remote';
            GRANT SELECT ON app.remote_items TO \#(reader);

            CREATE PUBLICATION pub_all FOR ALL TABLES WITH (publish = 'insert, update');
            COMMENT ON PUBLICATION pub_all IS 'everything';
            CREATE PUBLICATION "pub some" FOR TABLE app.items (order_id, line) WHERE (qty > 0), TABLE ONLY app.animals;
            CREATE PUBLICATION pub_schema FOR TABLES IN SCHEMA "select" WITH (publish_via_partition_root = true);

            CREATE TEXT SEARCH DICTIONARY app.simple_dict (TEMPLATE = pg_catalog.simple, STOPWORDS = english);
            CREATE TEXT SEARCH CONFIGURATION app.my_config (COPY = pg_catalog.english);
            ALTER TEXT SEARCH CONFIGURATION app.my_config ALTER MAPPING FOR asciiword WITH app.simple_dict, english_stem;
            COMMENT ON TEXT SEARCH CONFIGURATION app.my_config IS 'config';
            CREATE CONVERSION app.my_conversion FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;

            CREATE FUNCTION app.view_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TRIGGER active_insert INSTEAD OF INSERT ON app.active_customers
                FOR EACH ROW EXECUTE FUNCTION app.view_insert();
            CREATE CONSTRAINT TRIGGER items_check AFTER INSERT ON app.items DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW EXECUTE FUNCTION app.noop();
            ALTER TABLE app.animals ADD COLUMN gone integer;
            ALTER TABLE app.animals DROP COLUMN gone;
            CREATE AGGREGATE app.my_percentile(float8 ORDER BY anyelement) (SFUNC = ordered_set_transition,
                STYPE = internal, FINALFUNC = percentile_disc_final, FINALFUNC_EXTRA);
            CREATE FUNCTION app.first_agg(anyelement, anyelement) RETURNS anyelement LANGUAGE sql IMMUTABLE STRICT
                AS 'SELECT $1';
            CREATE AGGREGATE app.first(anyelement) (SFUNC = app.first_agg, STYPE = anyelement, PARALLEL = SAFE);
            CREATE AGGREGATE app.count_all(*) (SFUNC = int8inc, STYPE = bigint, INITCOND = '0',
                MSFUNC = int8inc, MINVFUNC = int8dec, MSTYPE = bigint, MINITCOND = '0');

            CREATE FUNCTION app.mod_cmp(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE
                AS 'SELECT sign(a % 10 - b % 10)::integer';
            CREATE FUNCTION app.lt_mod(a integer, b integer) RETURNS boolean LANGUAGE sql IMMUTABLE
                AS 'SELECT a % 10 < b % 10';
            CREATE OPERATOR app.<~< (FUNCTION = app.lt_mod, LEFTARG = integer, RIGHTARG = integer);
            CREATE OPERATOR FAMILY app.mod_ops USING btree;
            CREATE OPERATOR CLASS app.mod_int_ops FOR TYPE integer USING btree FAMILY app.mod_ops AS
                OPERATOR 1 app.<~< (integer, integer), OPERATOR 3 app.=~= (integer, integer),
                FUNCTION 1 app.mod_cmp(integer, integer);
            CREATE OPERATOR CLASS app.plain_int_ops FOR TYPE integer USING hash AS
                OPERATOR 1 = (integer, integer), FUNCTION 1 hashint4(integer);
            ALTER OPERATOR FAMILY app.mod_ops USING btree ADD FUNCTION 1 (integer, bigint) btint48cmp(integer, bigint);
            COMMENT ON OPERATOR CLASS app.mod_int_ops USING btree IS 'mod ten ordering';
            CREATE INDEX items_mod ON app.items (qty app.mod_int_ops);

            CREATE TABLE app.tickets (id integer PRIMARY KEY, code integer);
            CREATE FUNCTION app.next_ticket_code() RETURNS integer LANGUAGE sql STABLE
                BEGIN ATOMIC SELECT coalesce(max(code), 0) + 1 FROM app.tickets; END;
            ALTER TABLE app.tickets ALTER COLUMN code SET DEFAULT app.next_ticket_code();
            CREATE TABLE app.child_tickets (note text) INHERITS (app.tickets);

            GRANT EXECUTE ON FUNCTION public.hstore_to_json(public.hstore) TO \#(reader);
            REVOKE EXECUTE ON FUNCTION public.akeys(public.hstore) FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text) TO \#(reader);
            REVOKE EXECUTE ON FUNCTION pg_catalog.md5(text) FROM PUBLIC;
            GRANT SELECT ON pg_catalog.pg_settings TO \#(reader) WITH GRANT OPTION;

            CREATE MATERIALIZED VIEW app.mood_totals AS SELECT sum(n) AS total FROM app.customer_counts;
            CREATE FUNCTION app.customers_named(prefix text) RETURNS SETOF app.customers LANGUAGE sql STABLE
                AS $$ SELECT * FROM app.customers WHERE name LIKE prefix || '%' $$;
            CREATE VIEW app.a_customers WITH (security_invoker = true) AS SELECT id, name FROM app.customers_named('a');
            CREATE DOMAIN app.small_code AS app.code CONSTRAINT small CHECK (length(VALUE) < 5);
            CREATE DOMAIN app.mood_domain AS app.mood DEFAULT 'ok';
            CREATE FUNCTION app.split_pair(p app.pair, OUT l integer, OUT r text) LANGUAGE sql IMMUTABLE
                AS 'SELECT p.left_value, p."Right Value"';
            CREATE FUNCTION app.numbers(n integer) RETURNS TABLE (i integer, square bigint) LANGUAGE sql IMMUTABLE
                AS 'SELECT g, g::bigint * g FROM generate_series(1, n) g';
            CREATE TRIGGER items_update AFTER UPDATE OF qty, line ON app.items FOR EACH ROW
                WHEN (NEW.qty IS DISTINCT FROM OLD.qty) EXECUTE FUNCTION app.noop();
            CREATE TABLE app.puppies (cuteness integer DEFAULT 10) INHERITS (app.dogs);
            CREATE TABLE app.shipments (
                id integer NOT NULL,
                item_qty integer CHECK (app.add_one(item_qty) > 0),
                next_id integer GENERATED ALWAYS AS (app.add_one(id)) STORED,
                codes app.small_code[],
                mood app.mood_domain,
                during tsrange,
                CONSTRAINT shipments_id_key UNIQUE NULLS NOT DISTINCT (id) DEFERRABLE INITIALLY IMMEDIATE,
                CONSTRAINT shipments_no_overlap EXCLUDE USING gist (during WITH &&) WHERE (id > 0)
            );
            CREATE INDEX shipments_next ON app.shipments (app.add_one(item_qty)) WHERE item_qty IS NOT NULL;
            CREATE TABLE app.readings (at date NOT NULL, sensor text NOT NULL, value numeric)
                PARTITION BY LIST (sensor);
            CREATE TABLE app.readings_a PARTITION OF app.readings (value DEFAULT 0, CONSTRAINT positive CHECK (value >= 0))
                FOR VALUES IN ('a');
            CREATE TABLE app.readings_other PARTITION OF app.readings DEFAULT;
            ALTER TABLE app.readings ADD CONSTRAINT readings_unique UNIQUE (sensor, at);

            CREATE VIEW app.loop_view AS SELECT 1 AS n, 'x'::text COLLATE "C" AS label;
            CREATE FUNCTION app.loop_rows() RETURNS SETOF app.loop_view LANGUAGE sql STABLE
                BEGIN ATOMIC SELECT * FROM app.loop_view; END;
            CREATE OR REPLACE VIEW app.loop_view WITH (security_barrier = true) AS
                SELECT s.n, s.label FROM (SELECT 1 AS n, 'x'::text COLLATE "C" AS label) s
                WHERE NOT EXISTS (SELECT 1 FROM app.loop_rows() r WHERE r.n > 1);
            COMMENT ON VIEW app.loop_view IS 'in a cycle';
            CREATE VIEW app.after_loop AS SELECT n FROM app.loop_view;

            SELECT lo_create(424242);
            COMMENT ON LARGE OBJECT 424242 IS 'a large object';
            ALTER LARGE OBJECT 424242 OWNER TO \#(owner);
            GRANT SELECT ON LARGE OBJECT 424242 TO \#(reader);
            SELECT lo_create(424243);
            """#
    }
}
