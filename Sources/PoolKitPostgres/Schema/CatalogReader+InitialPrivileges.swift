import PoolKit

/// Privileges changed on objects the database did not create itself: extension members and
/// system objects, whose initial privileges `pg_init_privs` records. pg_dump writes the changes;
/// so does the reader, as `acl` objects that replace the object's privileges by the source's.
extension CatalogReader {
    func readChangedInitialPrivileges() async throws {
        guard dumpsNonTableObjects else { return }
        // Objects with initial privileges whose privileges differ now, and extension members or
        // system objects without initial privileges that have privileges now (information_schema
        // is left out, as pg_dump leaves it out).
        let changed = { (catalog: String, oid: String, acl: String) in
            """
            EXISTS (SELECT 1 FROM pg_init_privs ip WHERE ip.classoid = '\(catalog)'::regclass AND ip.objoid = \(oid)
                    AND ip.objsubid = 0 AND ip.initprivs IS DISTINCT FROM \(acl))
            OR (\(acl) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_init_privs ip
                    WHERE ip.classoid = '\(catalog)'::regclass AND ip.objoid = \(oid) AND ip.objsubid = 0)
                AND (\(oid) < 16384 OR EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '\(catalog)'::regclass
                    AND e.objid = \(oid) AND e.deptype = 'e')))
            """
        }
        // The roles the initial privileges name (the bootstrap superuser, predefined roles): the
        // target's copy of the object has them, whoever owns it in the source now.
        let initialGrantees = { (catalog: String, oid: String) in
            """
            (SELECT json_agg(DISTINCT pg_get_userbyid(e.grantee) ORDER BY pg_get_userbyid(e.grantee))
             FROM pg_init_privs ip, aclexplode(ip.initprivs) e
             WHERE ip.classoid = '\(catalog)'::regclass AND ip.objoid = \(oid) AND ip.objsubid = 0 AND e.grantee <> 0)
                AS initialgrantees
            """
        }
        let result = try await rows(
            """
            SELECT 'pg_proc' AS catalog, p.oid, 'FUNCTION ' || p.oid::regprocedure::text AS target,
                   pg_get_userbyid(p.proowner) AS owner, \(Self.aclJSON("p.proacl")) AS acl, p.proacl IS NULL AS isnull,
                   \(initialGrantees("pg_proc", "p.oid"))
            FROM pg_proc p
            WHERE p.pronamespace <> 'information_schema'::regnamespace AND (\(changed("pg_proc", "p.oid", "p.proacl")))
            UNION ALL
            SELECT 'pg_class', c.oid, CASE WHEN c.relkind = 'S' THEN 'SEQUENCE ' ELSE 'TABLE ' END
                   || quote_ident(n.nspname) || '.' || quote_ident(c.relname),
                   pg_get_userbyid(c.relowner), \(Self.aclJSON("c.relacl")), c.relacl IS NULL, \(initialGrantees("pg_class", "c.oid"))
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'v', 'm', 'S', 'f', 'p') AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
                  AND n.nspname <> 'information_schema'
                  AND (\(changed("pg_class", "c.oid", "c.relacl")))
            UNION ALL
            SELECT 'pg_type', t.oid, CASE WHEN t.typtype = 'd' THEN 'DOMAIN ' ELSE 'TYPE ' END || format_type(t.oid, NULL),
                   pg_get_userbyid(t.typowner), \(Self.aclJSON("t.typacl")), t.typacl IS NULL, \(initialGrantees("pg_type", "t.oid"))
            FROM pg_type t
            WHERE t.typnamespace <> 'information_schema'::regnamespace AND (\(changed("pg_type", "t.oid", "t.typacl")))
            UNION ALL
            SELECT 'pg_namespace', n.oid, 'SCHEMA ' || quote_ident(n.nspname), pg_get_userbyid(n.nspowner),
                   \(Self.aclJSON("n.nspacl")), n.nspacl IS NULL, \(initialGrantees("pg_namespace", "n.oid"))
            FROM pg_namespace n WHERE n.nspname NOT IN ('public', 'information_schema') AND (\(changed("pg_namespace", "n.oid", "n.nspacl")))
            UNION ALL
            SELECT 'pg_language', l.oid, 'LANGUAGE ' || quote_ident(l.lanname), pg_get_userbyid(l.lanowner),
                   \(Self.aclJSON("l.lanacl")), l.lanacl IS NULL, \(initialGrantees("pg_language", "l.oid"))
            FROM pg_language l WHERE \(changed("pg_language", "l.oid", "l.lanacl"))
            UNION ALL
            SELECT 'pg_foreign_data_wrapper', w.oid, 'FOREIGN DATA WRAPPER ' || quote_ident(w.fdwname),
                   pg_get_userbyid(w.fdwowner), \(Self.aclJSON("w.fdwacl")), w.fdwacl IS NULL,
                   \(initialGrantees("pg_foreign_data_wrapper", "w.oid"))
            FROM pg_foreign_data_wrapper w WHERE \(changed("pg_foreign_data_wrapper", "w.oid", "w.fdwacl"))
            ORDER BY 1, 2
            """, what: "changed initial privileges")
        var relationACLs: [UInt32: UInt32] = [:]
        for row in result {
            let key = CatalogKey(try row.string("catalog"), try row.oid("oid"))
            let target = try row.string("target")
            let owner = try row.string("owner")
            // A NULL ACL (the built-in defaults) cannot come back from GRANT and REVOKE; it only
            // arises when the catalog was edited by hand.
            guard !(try row.bool("isnull")) else { continue }
            var ddl = "REVOKE ALL ON \(target) FROM PUBLIC;\nREVOKE ALL ON \(target) FROM \(PostgresSQL.identifier(owner));\n"
            // An object whose owner was changed (ALTER FUNCTION pg_catalog.f OWNER TO r) keeps its
            // first owner in the target, as pg_dump leaves such owners alone: its initial
            // privileges are revoked from the roles they name too.
            for grantee in try row.stringArray("initialgrantees") ?? [] {
                guard let grantee, grantee != owner else { continue }
                ddl += "REVOKE ALL ON \(target) FROM \(PostgresSQL.identifier(grantee));\n"
            }
            ddl += Self.grants(try row.jsonRows("acl") ?? [], on: target, columns: nil, owner: owner)
            let extensionObject = graph.owner(of: key)
            let id = graph.add(
                .acl, name: target, schema: nil, section: .postData, ddl: ddl,
                dependencies: extensionObject.map { [$0] } ?? [])
            if key.catalog == "pg_class" { relationACLs[key.oid] = id }
        }
        try await readChangedInitialColumnPrivileges(after: relationACLs)
    }

    /// Column privileges changed on system tables and views and on extensions' relations: the
    /// privileges `pg_init_privs` recorded for the column (none for most) are revoked, the
    /// column's privileges now granted.
    ///
    /// A table's own privilege statements come first when it has some (`relationACLs`): its
    /// `REVOKE ALL` revokes the columns' privileges too.
    private func readChangedInitialColumnPrivileges(after relationACLs: [UInt32: UInt32]) async throws {
        let result = try await rows(
            """
            SELECT c.oid, a.attname, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS target,
                   pg_get_userbyid(c.relowner) AS owner, \(Self.aclJSON("a.attacl")) AS acl,
                   \(Self.aclJSON("ip.initprivs")) AS initial
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_init_privs ip ON ip.classoid = 'pg_class'::regclass AND ip.objoid = c.oid AND ip.objsubid = a.attnum
            WHERE a.attnum <> 0 AND NOT a.attisdropped AND a.attacl IS DISTINCT FROM ip.initprivs
              AND n.nspname <> 'information_schema' AND c.relkind IN ('r', 'v', 'm', 'f', 'p')
              AND (c.oid < 16384 OR EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass
                   AND e.objid = c.oid AND e.deptype = 'e'))
            ORDER BY c.oid, a.attnum
            """, what: "changed initial column privileges")
        for row in result {
            let target = "TABLE \(try row.string("target"))"
            let column = try row.string("attname")
            let owner = try row.string("owner")
            var ddl = ""
            for item in try row.jsonRows("initial") ?? [] where item.count == 4 {
                ddl += "REVOKE ALL (\(PostgresSQL.identifier(column))) ON \(target) FROM \(PostgresSQL.role(item[0] as? String));\n"
            }
            ddl += Self.grants(try row.jsonRows("acl") ?? [], on: target, columns: column, owner: owner)
            guard !ddl.isEmpty else { continue }
            let relation = try row.oid("oid")
            graph.add(
                .acl, name: "\(target) (\(column))", schema: nil, section: .postData, ddl: ddl,
                dependencies: [graph.owner(of: CatalogKey("pg_class", relation)), relationACLs[relation]].compactMap { $0 })
        }
    }
}
