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
        let result = try await rows(
            """
            SELECT 'pg_proc' AS catalog, p.oid, 'FUNCTION ' || p.oid::regprocedure::text AS target,
                   pg_get_userbyid(p.proowner) AS owner, \(Self.aclJSON("p.proacl")) AS acl, p.proacl IS NULL AS isnull
            FROM pg_proc p
            WHERE p.pronamespace <> 'information_schema'::regnamespace AND (\(changed("pg_proc", "p.oid", "p.proacl")))
            UNION ALL
            SELECT 'pg_class', c.oid, CASE WHEN c.relkind = 'S' THEN 'SEQUENCE ' ELSE 'TABLE ' END
                   || quote_ident(n.nspname) || '.' || quote_ident(c.relname),
                   pg_get_userbyid(c.relowner), \(Self.aclJSON("c.relacl")), c.relacl IS NULL
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'v', 'm', 'S', 'f', 'p') AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
                  AND n.nspname <> 'information_schema'
                  AND (\(changed("pg_class", "c.oid", "c.relacl")))
            UNION ALL
            SELECT 'pg_type', t.oid, CASE WHEN t.typtype = 'd' THEN 'DOMAIN ' ELSE 'TYPE ' END || format_type(t.oid, NULL),
                   pg_get_userbyid(t.typowner), \(Self.aclJSON("t.typacl")), t.typacl IS NULL
            FROM pg_type t
            WHERE t.typnamespace <> 'information_schema'::regnamespace AND (\(changed("pg_type", "t.oid", "t.typacl")))
            UNION ALL
            SELECT 'pg_namespace', n.oid, 'SCHEMA ' || quote_ident(n.nspname), pg_get_userbyid(n.nspowner),
                   \(Self.aclJSON("n.nspacl")), n.nspacl IS NULL
            FROM pg_namespace n WHERE n.nspname NOT IN ('public', 'information_schema') AND (\(changed("pg_namespace", "n.oid", "n.nspacl")))
            ORDER BY 1, 2
            """, what: "changed initial privileges")
        for row in result {
            let key = CatalogKey(try row.string("catalog"), try row.oid("oid"))
            let target = try row.string("target")
            let owner = try row.string("owner")
            // A NULL ACL (the built-in defaults) cannot come back from GRANT and REVOKE; it only
            // arises when the catalog was edited by hand.
            guard !(try row.bool("isnull")) else { continue }
            var ddl = "REVOKE ALL ON \(target) FROM PUBLIC;\nREVOKE ALL ON \(target) FROM \(PostgresSQL.identifier(owner));\n"
            ddl += Self.grants(try row.jsonRows("acl") ?? [], on: target, columns: nil, owner: owner)
            let extensionObject = graph.owner(of: key)
            graph.add(
                .acl, name: target, schema: nil, section: .postData, ddl: ddl,
                dependencies: extensionObject.map { [$0] } ?? [])
        }
    }
}
