import PoolKit

/// Schemas, extensions, collations and types.
extension CatalogReader {
    func readSchemas() async throws {
        let result = try await rows(
            #"""
            SELECT n.oid, n.nspname, pg_get_userbyid(n.nspowner) AS owner, \#(Self.aclJSON("n.nspacl")) AS acl
            FROM pg_namespace n
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
            ORDER BY n.oid
            """#, what: "schemas")
        for row in result {
            let oid = try row.oid("oid")
            let name = try row.string("nspname")
            schemaNames[oid] = name
            guard dumpsNonTableObjects, !isExtensionMember("pg_namespace", oid) else { continue }
            let quoted = PostgresSQL.identifier(name)
            // A new database has `public` already (owned by pg_database_owner, with a comment that
            // the source may have dropped; its own comment, if any, follows).
            let ddl = name == "public" ? "COMMENT ON SCHEMA public IS NULL;\n" : "CREATE SCHEMA \(quoted);\n"
            let id = graph.add(
                .schema, name: name, schema: nil, section: .preData, ddl: ddl,
                key: CatalogKey("pg_namespace", oid), commentTarget: "SCHEMA \(quoted)")
            schemaObjects[oid] = id
            let owner = try row.string("owner")
            if name != "public" || owner != "pg_database_owner" {
                addOwner(of: id, target: "SCHEMA \(quoted)", owner: owner)
            }
            addACL(of: id, target: "SCHEMA \(quoted)", owner: owner, acl: try row.jsonRows("acl"))
        }
    }

    func readExtensions() async throws {
        let result = try await rows(
            """
            SELECT e.oid, e.extname, e.extnamespace, array_to_json(e.extconfig::bigint[]) AS config,
                   array_to_json(e.extcondition) AS conditions
            FROM pg_extension e WHERE e.oid >= 16384 ORDER BY e.oid
            """, what: "extensions")
        for row in result where dumpsNonTableObjects {
            let oid = try row.oid("oid")
            let name = try row.string("extname")
            let namespace = try row.oid("extnamespace")
            let schema = schemaNames[namespace] ?? "pg_catalog"
            let quoted = PostgresSQL.identifier(name)
            let id = graph.add(
                .extension, name: name, schema: nil, section: .preData,
                ddl: "CREATE EXTENSION IF NOT EXISTS \(quoted) WITH SCHEMA \(PostgresSQL.identifier(schema));\n",
                dependencies: schemaObjects[namespace].map { [$0] } ?? [],
                key: CatalogKey("pg_extension", oid), commentTarget: "EXTENSION \(quoted)")
            for (member, owningExtension) in extensionMembers where owningExtension == oid {
                graph.alias(member, to: id)
            }
            // Configuration tables: created by the extension, their rows (those the condition
            // selects) are dumped, as pg_dump does.
            let tables = try row.integerArray("config") ?? []
            let conditions = try row.stringArray("conditions") ?? []
            for (index, table) in tables.enumerated() {
                let condition = index < conditions.count ? conditions[index] : nil
                extensionConfiguration[UInt32(table)] = (id, condition.flatMap { $0.isEmpty ? nil : $0 })
            }
        }
    }

    func readCollations() async throws {
        let result = try await rows(
            """
            SELECT c.oid, c.collnamespace, c.collname, c.collprovider, c.collisdeterministic, c.collcollate,
                   c.collctype, pg_get_userbyid(c.collowner) AS owner,
                   COALESCE(to_jsonb(c) ->> 'colllocale', to_jsonb(c) ->> 'colliculocale') AS locale
            FROM pg_collation c WHERE c.oid >= 16384 ORDER BY c.oid
            """, what: "collations")
        for row in result where dumpsNonTableObjects {
            let oid = try row.oid("oid")
            guard let schema = userSchema(try row.oid("collnamespace")), !isExtensionMember("pg_collation", oid)
            else { continue }
            let name = try row.string("collname")
            let qualified = PostgresSQL.qualified(schema, name)
            var options: [String]
            switch try row.string("collprovider") {
            case "i":
                options = ["provider = icu", "locale = \(PostgresSQL.literal(try row.optional("locale") ?? ""))"]
            case "c":
                options = [
                    "provider = libc", "lc_collate = \(PostgresSQL.literal(try row.optional("collcollate") ?? ""))",
                    "lc_ctype = \(PostgresSQL.literal(try row.optional("collctype") ?? ""))",
                ]
            default:
                continue
            }
            if !(try row.bool("collisdeterministic")) { options.append("deterministic = false") }
            let id = graph.add(
                PostgresObjectKind.collation, name: name, schema: schema, section: .preData,
                ddl: "CREATE COLLATION \(qualified) (\(options.joined(separator: ", ")));\n",
                key: CatalogKey("pg_collation", oid), commentTarget: "COLLATION \(qualified)")
            addOwner(of: id, target: "COLLATION \(qualified)", owner: try row.string("owner"))
        }
    }

    /// Enum, composite, domain and range types (multirange types come with their range).
    func readTypes() async throws {
        let result = try await rows(
            """
            SELECT t.oid, t.typnamespace, t.typname, t.typtype, t.typrelid, pg_get_userbyid(t.typowner) AS owner,
                   \(Self.aclJSON("t.typacl")) AS acl,
                   CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS basetype,
                   t.typnotnull,
                   pg_get_expr(t.typdefaultbin, 'pg_type'::regclass) AS defaultexpr, t.typdefault,
                   CASE WHEN t.typtype = 'd' AND t.typcollation <> 0 AND t.typcollation <>
                        (SELECT b.typcollation FROM pg_type b WHERE b.oid = t.typbasetype)
                        THEN \(Self.collationName("t.typcollation")) END AS collation,
                   CASE WHEN t.typtype = 'e' THEN (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder)
                        FROM pg_enum e WHERE e.enumtypid = t.oid) END AS labels,
                   format_type(r.rngsubtype, NULL) AS subtype,
                   (SELECT quote_ident(opn.nspname) || '.' || quote_ident(opc.opcname) FROM pg_opclass opc
                        JOIN pg_namespace opn ON opn.oid = opc.opcnamespace
                        WHERE opc.oid = r.rngsubopc AND NOT opc.opcdefault) AS subopclass,
                   CASE WHEN r.rngcollation <> 0 THEN \(Self.collationName("r.rngcollation")) END AS rangecollation,
                   NULLIF(r.rngcanonical::text, '-') AS canonical, NULLIF(r.rngsubdiff::text, '-') AS subdiff,
                   (SELECT quote_ident(mn.nspname) || '.' || quote_ident(mt.typname) FROM pg_type mt
                        JOIN pg_namespace mn ON mn.oid = mt.typnamespace WHERE mt.oid = r.rngmultitypid) AS multirange,
                   r.rngmultitypid
            FROM pg_type t LEFT JOIN pg_range r ON r.rngtypid = t.oid
            WHERE t.oid >= 16384 AND (t.typtype IN ('e', 'd', 'r')
                OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c'))
            ORDER BY t.oid
            """, what: "types")
        for row in result where dumpsNonTableObjects {
            let oid = try row.oid("oid")
            guard let schema = userSchema(try row.oid("typnamespace")), !isExtensionMember("pg_type", oid) else {
                continue
            }
            let name = try row.string("typname")
            let qualified = PostgresSQL.qualified(schema, name)
            let kind = try row.string("typtype")
            var ddl: String
            var keyword = "TYPE"
            switch kind {
            case "e":
                let labels = (try row.stringArray("labels") ?? []).compactMap { $0 }.map(PostgresSQL.literal)
                ddl = "CREATE TYPE \(qualified) AS ENUM (\(labels.joined(separator: ", ")));\n"
            case "c":
                let attributes = (columns[try row.oid("typrelid")] ?? []).map { column in
                    "    \(PostgresSQL.identifier(column.name)) \(column.type)"
                        + (column.collation.map { " COLLATE \($0)" } ?? "")
                }
                ddl = "CREATE TYPE \(qualified) AS (\n\(attributes.joined(separator: ",\n"))\n);\n"
            case "d":
                keyword = "DOMAIN"
                ddl = "CREATE DOMAIN \(qualified) AS \(try row.string("basetype"))"
                if let collation = try row.optional("collation") { ddl += " COLLATE \(collation)" }
                if let expression = try row.optional("defaultexpr") ?? row.optional("typdefault") {
                    ddl += " DEFAULT \(expression)"
                }
                if try row.bool("typnotnull") { ddl += " NOT NULL" }
                let constraints = domainConstraints[oid] ?? []
                for constraint in constraints where constraint.validated && !separateConstraints.contains(constraint.oid) {
                    ddl += "\n    CONSTRAINT \(PostgresSQL.identifier(constraint.name)) \(constraint.definition)"
                }
                ddl += ";\n"
            case "r":
                var options = ["subtype = \(try row.string("subtype"))"]
                if let opclass = try row.optional("subopclass") { options.append("subtype_opclass = \(opclass)") }
                if let collation = try row.optional("rangecollation") { options.append("collation = \(collation)") }
                if let canonical = try row.optional("canonical") { options.append("canonical = \(canonical)") }
                if let diff = try row.optional("subdiff") { options.append("subtype_diff = \(diff)") }
                if let multirange = try row.optional("multirange") {
                    options.append("multirange_type_name = \(multirange)")
                }
                ddl = "CREATE TYPE \(qualified) AS RANGE (\n    \(options.joined(separator: ",\n    "))\n);\n"
            default:
                continue
            }
            let id = graph.add(
                .type, name: name, schema: schema, section: .preData, ddl: ddl, key: CatalogKey("pg_type", oid),
                commentTarget: "\(keyword) \(qualified)")
            if kind == "c" {
                let relation = try row.oid("typrelid")
                graph.alias(CatalogKey("pg_class", relation), to: id)
                relationNames[relation] = qualified
            }
            if kind == "r", let multirange = try row.optional("rngmultitypid"), let multiOID = UInt32(multirange) {
                graph.alias(CatalogKey("pg_type", multiOID), to: id)
            }
            for constraint in domainConstraints[oid] ?? [] {
                let commentTarget = "CONSTRAINT \(PostgresSQL.identifier(constraint.name)) ON DOMAIN \(qualified)"
                guard !constraint.validated || separateConstraints.contains(constraint.oid) else {
                    graph.alias(CatalogKey("pg_constraint", constraint.oid), to: id, commentTarget: commentTarget)
                    continue
                }
                // Not validated (the data may break it) or in a dependency loop: added after the data
                // (as pg_dump does).
                graph.add(
                    .constraint, name: constraint.name, schema: schema, section: .postData,
                    ddl:
                        "ALTER DOMAIN \(qualified) ADD CONSTRAINT \(PostgresSQL.identifier(constraint.name)) \(constraint.definition);\n",
                    dependencies: [id], key: CatalogKey("pg_constraint", constraint.oid), commentTarget: commentTarget)
            }
            let owner = try row.string("owner")
            addOwner(of: id, target: "\(keyword) \(qualified)", owner: owner)
            addACL(of: id, target: "\(keyword) \(qualified)", owner: owner, acl: try row.jsonRows("acl"))
        }
    }

    /// Array types, row types of relations and multirange types belong to the object of their
    /// element, relation or range (for dependencies).
    func readTypeAliases() async throws {
        let result = try await rows(
            """
            SELECT t.oid, t.typrelid,
                   CASE WHEN t.typsubscript = 'array_subscript_handler'::regproc THEN t.typelem ELSE 0 END AS elem
            FROM pg_type t WHERE t.oid >= 16384
            """, what: "array and row types")
        var arrays: [(UInt32, UInt32)] = []
        for row in result {
            let oid = try row.oid("oid")
            let relation = try row.oid("typrelid")
            if relation != 0, let owner = graph.owner(of: CatalogKey("pg_class", relation)) {
                graph.alias(CatalogKey("pg_type", oid), to: owner)
            }
            let element = try row.oid("elem")
            if element != 0 { arrays.append((oid, element)) }
        }
        for (key, creator) in internalObjects {
            if let owner = graph.owner(of: creator) { graph.alias(key, to: owner) }
        }
        for (array, element) in arrays {
            if let owner = graph.owner(of: CatalogKey("pg_type", element)) {
                graph.alias(CatalogKey("pg_type", array), to: owner)
            }
        }
    }
}
