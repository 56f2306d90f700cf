import PoolKit

/// Operator families and operator classes, with their operators and support functions.
extension CatalogReader {
    func readOperatorClasses() async throws {
        guard dumpsNonTableObjects else { return }
        // Members: (pg_amop or pg_amproc row) → the class ('i') or family ('a') it belongs to; of
        // one number, in the order they were added (as pg_dump lists them, in the catalog's order).
        let members = try await rows(
            """
            SELECT d.refclassid::regclass::text AS owner, d.refobjid AS owneroid,
                   'OPERATOR ' || o.amopstrategy || ' ' || o.amopopr::regoperator::text
                   || CASE WHEN o.amoppurpose = 'o' THEN ' FOR ORDER BY ' || (SELECT quote_ident(sn.nspname) || '.'
                        || quote_ident(sf.opfname) FROM pg_opfamily sf JOIN pg_namespace sn ON sn.oid = sf.opfnamespace
                        WHERE sf.oid = o.amopsortfamily) ELSE '' END AS item, 0 AS kind, o.amopstrategy AS number,
                   'pg_amop' AS catalog, o.oid AS memberoid
            FROM pg_depend d JOIN pg_amop o ON o.oid = d.objid
            WHERE d.classid = 'pg_amop'::regclass AND d.refclassid IN ('pg_opclass'::regclass, 'pg_opfamily'::regclass)
                  AND d.deptype IN ('i', 'a') AND d.objid >= 16384
            UNION ALL
            SELECT d.refclassid::regclass::text, d.refobjid,
                   'FUNCTION ' || p.amprocnum || ' (' || format_type(p.amproclefttype, NULL) || ', '
                   || format_type(p.amprocrighttype, NULL) || ') ' || p.amproc::regprocedure::text, 1, p.amprocnum,
                   'pg_amproc', p.oid
            FROM pg_depend d JOIN pg_amproc p ON p.oid = d.objid
            WHERE d.classid = 'pg_amproc'::regclass AND d.refclassid IN ('pg_opclass'::regclass, 'pg_opfamily'::regclass)
                  AND d.deptype IN ('i', 'a') AND d.objid >= 16384
            ORDER BY 1, 2, 4, 5, 7
            """, what: "operator class members")
        var items: [CatalogKey: [String]] = [:]
        var memberKeys: [CatalogKey: [CatalogKey]] = [:]
        for row in members {
            let owner = CatalogKey(try row.string("owner"), try row.oid("owneroid"))
            items[owner, default: []].append(try row.string("item"))
            memberKeys[owner, default: []].append(CatalogKey(try row.string("catalog"), try row.oid("memberoid")))
        }
        let families = try await rows(
            """
            SELECT f.oid, f.opfnamespace, f.opfname, am.amname, pg_get_userbyid(f.opfowner) AS owner
            FROM pg_opfamily f JOIN pg_am am ON am.oid = f.opfmethod WHERE f.oid >= 16384 ORDER BY f.oid
            """, what: "operator families")
        var familyLoose: [(UInt32, String, [String])] = []
        for row in families {
            let oid = try row.oid("oid")
            guard let schema = userSchema(try row.oid("opfnamespace")), !isExtensionMember("pg_opfamily", oid) else {
                continue
            }
            let name = try row.string("opfname")
            let method = PostgresSQL.identifier(try row.string("amname"))
            let target = "OPERATOR FAMILY \(PostgresSQL.qualified(schema, name)) USING \(method)"
            let id = graph.add(
                PostgresObjectKind.operatorClass, name: name, schema: schema, section: .preData,
                ddl: "CREATE \(target);\n", key: CatalogKey("pg_opfamily", oid), commentTarget: target)
            addOwner(of: id, target: target, owner: try row.string("owner"))
            if let loose = items[CatalogKey("pg_opfamily", oid)], !loose.isEmpty {
                familyLoose.append((oid, target, loose))
            }
        }
        let classes = try await rows(
            """
            SELECT c.oid, c.opcnamespace, c.opcname, am.amname, c.opcdefault, format_type(c.opcintype, NULL) AS type,
                   CASE WHEN c.opckeytype <> 0 THEN format_type(c.opckeytype, NULL) END AS storage,
                   quote_ident(fn.nspname) || '.' || quote_ident(f.opfname) AS family, pg_get_userbyid(c.opcowner) AS owner
            FROM pg_opclass c JOIN pg_am am ON am.oid = c.opcmethod JOIN pg_opfamily f ON f.oid = c.opcfamily
            JOIN pg_namespace fn ON fn.oid = f.opfnamespace
            WHERE c.oid >= 16384 ORDER BY c.oid
            """, what: "operator classes")
        for row in classes {
            let oid = try row.oid("oid")
            guard let schema = userSchema(try row.oid("opcnamespace")), !isExtensionMember("pg_opclass", oid) else {
                continue
            }
            let name = try row.string("opcname")
            let qualified = PostgresSQL.qualified(schema, name)
            let method = PostgresSQL.identifier(try row.string("amname"))
            var ddl = "CREATE OPERATOR CLASS \(qualified)\(try row.bool("opcdefault") ? " DEFAULT" : "")"
            ddl += " FOR TYPE \(try row.string("type")) USING \(method) FAMILY \(try row.string("family")) AS\n    "
            var entries = items[CatalogKey("pg_opclass", oid)] ?? []
            if let storage = try row.optional("storage") { entries.append("STORAGE \(storage)") }
            // A class needs at least one entry; STORAGE of its input type changes nothing.
            if entries.isEmpty { entries.append("STORAGE \(try row.string("type"))") }
            ddl += entries.joined(separator: ",\n    ") + ";\n"
            let target = "OPERATOR CLASS \(qualified) USING \(method)"
            let id = graph.add(
                PostgresObjectKind.operatorClass, name: name, schema: schema, section: .preData, ddl: ddl,
                key: CatalogKey("pg_opclass", oid), commentTarget: target)
            addOwner(of: id, target: target, owner: try row.string("owner"))
            for member in memberKeys[CatalogKey("pg_opclass", oid)] ?? [] { graph.alias(member, to: id) }
        }
        for (familyOID, target, loose) in familyLoose {
            guard let family = graph.owner(of: CatalogKey("pg_opfamily", familyOID)) else { continue }
            let id = graph.add(
                PostgresObjectKind.operatorClass, name: graph.node(family).name, schema: graph.node(family).schema,
                section: .preData, ddl: "ALTER \(target) ADD\n    \(loose.joined(separator: ",\n    "));\n",
                dependencies: [family])
            for member in memberKeys[CatalogKey("pg_opfamily", familyOID)] ?? [] { graph.alias(member, to: id) }
        }
    }
}
