/// Partition-heavy schemas whose post-data statements lock overlapping sets of tables: the
/// cases that made a parallel restore deadlock (foreign keys on a partitioned table and on its
/// partitions to the same table) or race (a parent's trigger state reaching its partitions), and
/// the shapes around them (three levels, default partitions, attached indexes, foreign keys to
/// and from partitioned tables, inheritance with constraints that recurse).
enum PostgresPartitionFixture {
    /// Every statement, in one string; `copies` schemas of the same shape (more statements on
    /// the same tables at once).
    static func schema(copies: Int = 2) -> String {
        (1...copies).map { shape(in: "p\($0)") }.joined(separator: "\n")
    }

    private static func shape(in schema: String) -> String {
        let partitions = (1...12).map {
            "CREATE TABLE \(schema).fk_\($0) PARTITION OF \(schema).fk FOR VALUES IN (\($0));"
        }.joined(separator: "\n")
        let ownKeys = (1...12).map {
            "ALTER TABLE \(schema).fk_\($0) ADD CONSTRAINT fk_\($0)_own FOREIGN KEY (a) REFERENCES \(schema).pk ON DELETE CASCADE;"
        }.joined(separator: "\n")
        let triggerPartitions = (1...10).map {
            "CREATE TABLE \(schema).tp2_\($0) PARTITION OF \(schema).tp2 FOR VALUES IN (\($0));"
        }.joined(separator: "\n")
        let triggerStates = (1...10).map { index in
            let state = ["ENABLE ALWAYS", "ENABLE REPLICA", "DISABLE", "ENABLE"][index % 4]
            return "ALTER TABLE \(schema).tp2_\(index) \(state) TRIGGER aft;"
        }.joined(separator: "\n")
        return """
            CREATE SCHEMA \(schema);
            -- (a) a partitioned table's foreign key and each partition's own one to the same table
            CREATE TABLE \(schema).pk (a int PRIMARY KEY);
            INSERT INTO \(schema).pk SELECT generate_series(1, 12);
            CREATE TABLE \(schema).fk (a int) PARTITION BY LIST (a);
            \(partitions)
            INSERT INTO \(schema).fk SELECT g % 12 + 1 FROM generate_series(1, 1200) g;
            ALTER TABLE \(schema).fk ADD CONSTRAINT fk_a_fkey FOREIGN KEY (a) REFERENCES \(schema).pk;
            \(ownKeys)
            -- (b) trigger states set on a sub-partitioned partition and on each of its partitions
            CREATE TABLE \(schema).tp (a int PRIMARY KEY) PARTITION BY LIST (a);
            CREATE FUNCTION \(schema).tf() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;
            CREATE TRIGGER aft AFTER INSERT ON \(schema).tp FOR EACH ROW EXECUTE FUNCTION \(schema).tf();
            CREATE TABLE \(schema).tp2 PARTITION OF \(schema).tp FOR VALUES IN (1,2,3,4,5,6,7,8,9,10) PARTITION BY LIST (a);
            \(triggerPartitions)
            CREATE TABLE \(schema).tp_default PARTITION OF \(schema).tp DEFAULT;
            INSERT INTO \(schema).tp SELECT generate_series(1, 30);
            ALTER TABLE ONLY \(schema).tp2 DISABLE TRIGGER aft;
            \(triggerStates)
            -- three levels, a default partition, keys and indexes attached at every level
            CREATE TABLE \(schema).ref (id int PRIMARY KEY, k int UNIQUE);
            INSERT INTO \(schema).ref SELECT g, g FROM generate_series(1, 50) g;
            CREATE TABLE \(schema).refp (id int PRIMARY KEY) PARTITION BY RANGE (id);
            CREATE TABLE \(schema).refp_1 PARTITION OF \(schema).refp FOR VALUES FROM (1) TO (26);
            CREATE TABLE \(schema).refp_2 PARTITION OF \(schema).refp FOR VALUES FROM (26) TO (51);
            INSERT INTO \(schema).refp SELECT generate_series(1, 50);
            CREATE TABLE \(schema).ev (id int, kind int, r int, p int, note text, PRIMARY KEY (id, kind)) PARTITION BY LIST (kind);
            CREATE TABLE \(schema).ev_a PARTITION OF \(schema).ev FOR VALUES IN (0, 1) PARTITION BY RANGE (id);
            CREATE TABLE \(schema).ev_a_lo PARTITION OF \(schema).ev_a FOR VALUES FROM (MINVALUE) TO (500);
            CREATE TABLE \(schema).ev_a_hi PARTITION OF \(schema).ev_a FOR VALUES FROM (500) TO (MAXVALUE);
            CREATE TABLE \(schema).ev_b PARTITION OF \(schema).ev FOR VALUES IN (2) PARTITION BY HASH (id);
            CREATE TABLE \(schema).ev_b_0 PARTITION OF \(schema).ev_b FOR VALUES WITH (MODULUS 2, REMAINDER 0);
            CREATE TABLE \(schema).ev_b_1 PARTITION OF \(schema).ev_b FOR VALUES WITH (MODULUS 2, REMAINDER 1);
            CREATE TABLE \(schema).ev_default PARTITION OF \(schema).ev DEFAULT;
            INSERT INTO \(schema).ev SELECT g, g % 4, g % 50 + 1, g % 50 + 1, 'n' || g FROM generate_series(1, 1000) g;
            CREATE INDEX ev_r ON \(schema).ev (r);
            CREATE INDEX ev_a_note ON \(schema).ev_a (note);
            CREATE INDEX ev_b_0_own ON \(schema).ev_b_0 (p, r);
            ALTER TABLE \(schema).ev ADD CONSTRAINT ev_r_fkey FOREIGN KEY (r) REFERENCES \(schema).ref (id);
            ALTER TABLE \(schema).ev_a_lo ADD CONSTRAINT ev_a_lo_r FOREIGN KEY (r) REFERENCES \(schema).ref (id) ON DELETE CASCADE;
            ALTER TABLE \(schema).ev_b ADD CONSTRAINT ev_b_p FOREIGN KEY (p) REFERENCES \(schema).refp (id);
            ALTER TABLE \(schema).ev_b_0 ADD CONSTRAINT ev_b_0_k FOREIGN KEY (r) REFERENCES \(schema).ref (k);
            CREATE TABLE \(schema).ev_note (id int, kind int, body text, FOREIGN KEY (id, kind) REFERENCES \(schema).ev);
            INSERT INTO \(schema).ev_note SELECT g, g % 4, 'b' FROM generate_series(1, 200) g;
            CREATE TRIGGER ev_ins AFTER INSERT ON \(schema).ev FOR EACH ROW EXECUTE FUNCTION \(schema).tf();
            CREATE TRIGGER ev_a_upd BEFORE UPDATE ON \(schema).ev_a FOR EACH ROW EXECUTE FUNCTION \(schema).tf();
            ALTER TABLE \(schema).ev_b DISABLE TRIGGER ev_ins;
            ALTER TABLE \(schema).ev_b_1 ENABLE ALWAYS TRIGGER ev_ins;
            ALTER TABLE \(schema).ev ADD CONSTRAINT ev_note_len CHECK (length(note) < 100) NOT VALID;
            COMMENT ON INDEX \(schema).ev_r IS 'attached to every partition';
            COMMENT ON CONSTRAINT ev_r_fkey ON \(schema).ev IS 'on the parent';
            -- keys built from their index first, and those that are not (deferrable, partitioned)
            CREATE TABLE \(schema).keyed (a int, b int, c text, d int,
                CONSTRAINT keyed_pk PRIMARY KEY (a) INCLUDE (c) WITH (fillfactor = 70),
                CONSTRAINT keyed_b UNIQUE NULLS NOT DISTINCT (b),
                CONSTRAINT keyed_d UNIQUE (d) DEFERRABLE INITIALLY DEFERRED);
            INSERT INTO \(schema).keyed SELECT g, g, 'c' || g, g FROM generate_series(1, 300) g;
            CREATE INDEX keyed_c ON \(schema).keyed (c DESC);
            COMMENT ON CONSTRAINT keyed_pk ON \(schema).keyed IS 'the key';
            COMMENT ON INDEX \(schema).keyed_b IS 'the unique index';
            CREATE TABLE \(schema).keyed_ref (b int REFERENCES \(schema).keyed (b), a int REFERENCES \(schema).keyed (a));
            INSERT INTO \(schema).keyed_ref SELECT g, g FROM generate_series(1, 50) g;
            ALTER TABLE \(schema).keyed CLUSTER ON keyed_pk;
            -- inheritance: constraints that recurse into children, and a child's own
            CREATE TABLE \(schema).base (a int, b text);
            CREATE TABLE \(schema).kid (c int) INHERITS (\(schema).base);
            CREATE TABLE \(schema).grandkid () INHERITS (\(schema).kid);
            INSERT INTO \(schema).kid SELECT g, 'k', g FROM generate_series(1, 50) g;
            INSERT INTO \(schema).grandkid SELECT g, 'g', g FROM generate_series(1, 100) g;
            ALTER TABLE \(schema).base ADD CONSTRAINT base_a CHECK (a > 0) NOT VALID;
            ALTER TABLE \(schema).kid ADD CONSTRAINT kid_c CHECK (c < 1000) NOT VALID;
            ALTER TABLE \(schema).kid ADD CONSTRAINT kid_a FOREIGN KEY (a) REFERENCES \(schema).ref (id);
            CREATE INDEX kid_b ON \(schema).kid (b);
            CREATE RULE kid_log AS ON DELETE TO \(schema).grandkid DO ALSO NOTHING;
            """
    }
}
