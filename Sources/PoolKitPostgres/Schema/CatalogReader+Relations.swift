import PoolKit

/// Tables, partitions, views, materialized views and sequences.
extension CatalogReader {
    func readConstraints() async throws {
        let result = try await rows(
            """
            SELECT co.oid, co.conname, co.contype, co.conrelid, co.contypid, co.conindid, co.conparentid,
                   co.convalidated, co.conislocal, pg_get_constraintdef(co.oid) AS def
            FROM pg_constraint co WHERE co.oid >= 16384 ORDER BY co.conname, co.oid
            """, what: "constraints")
        for row in result {
            let constraint = Constraint(
                oid: try row.oid("oid"), name: try row.string("conname"), type: try row.string("contype"),
                relation: try row.oid("conrelid"), domain: try row.oid("contypid"), index: try row.oid("conindid"),
                parent: try row.oid("conparentid"), validated: try row.bool("convalidated"),
                isLocal: try row.bool("conislocal"), definition: try row.string("def"))
            if constraint.relation != 0 {
                tableConstraints[constraint.relation, default: []].append(constraint)
            } else if constraint.domain != 0 {
                domainConstraints[constraint.domain, default: []].append(constraint)
            }
        }
    }

    /// The CHECK constraints whose dependencies lead back to their own table or domain (through
    /// functions, types, other tables): see ``separateConstraints``.
    func readConstraintLoops() async throws {
        let result = try await rows(
            """
            WITH RECURSIVE reach(con, classid, objid) AS (
                SELECT co.oid, d.refclassid, d.refobjid
                FROM pg_constraint co JOIN pg_depend d ON d.classid = 'pg_constraint'::regclass AND d.objid = co.oid
                WHERE co.contype = 'c' AND co.oid >= 16384 AND d.refobjid >= 16384
                  AND NOT (d.refclassid = 'pg_class'::regclass AND d.refobjid = co.conrelid)
                  AND NOT (d.refclassid = 'pg_type'::regclass AND d.refobjid = co.contypid)
                UNION
                SELECT r.con, d.refclassid, d.refobjid FROM reach r
                JOIN pg_depend d ON d.classid = r.classid AND d.objid = r.objid
                WHERE d.refobjid >= 16384 AND d.deptype IN ('n', 'a', 'i')
            )
            SELECT DISTINCT r.con FROM reach r JOIN pg_constraint co ON co.oid = r.con
            WHERE (r.classid = 'pg_class'::regclass AND r.objid = co.conrelid AND co.conrelid <> 0)
               OR (r.classid = 'pg_type'::regclass AND r.objid = co.contypid AND co.contypid <> 0)
            """, what: "constraints in dependency loops")
        for row in result { separateConstraints.insert(try row.oid("con")) }
    }

    func readColumns() async throws {
        let result = try await rows(
            """
            SELECT a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
                   a.attislocal, a.attgenerated, a.attidentity, d.oid AS defoid,
                   pg_get_expr(d.adbin, d.adrelid) AS def,
                   CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0
                        THEN \(Self.collationName("a.attcollation")) END AS collation,
                   a.attstorage, t.typstorage, COALESCE(a.attstattarget, -1) AS attstattarget, a.attcompression,
                   \(Self.optionsList("a.attoptions")) AS options, \(Self.genericOptions("a.attfdwoptions")) AS fdwoptions,
                   \(Self.aclJSON("a.attacl")) AS acl
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid >= 16384 AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'c', 'f')
            ORDER BY a.attrelid, a.attnum
            """, what: "columns")
        for row in result {
            let column = Column(
                number: try row.int("attnum"), name: try row.string("attname"), type: try row.string("type"),
                notNull: try row.bool("attnotnull"), isLocal: try row.bool("attislocal"),
                generated: try row.optional("attgenerated") ?? "", identity: try row.optional("attidentity") ?? "",
                defaultOID: try row.optional("defoid").flatMap { UInt32($0) }, defaultExpression: try row.optional("def"),
                collation: try row.optional("collation"), storage: try row.string("attstorage"),
                typeStorage: try row.string("typstorage"), statisticsTarget: try row.int("attstattarget"),
                compression: try row.optional("attcompression") ?? "", options: try row.optional("options"),
                foreignOptions: try row.optional("fdwoptions"), acl: try row.jsonRows("acl"))
            columns[try row.oid("attrelid"), default: []].append(column)
        }
    }

    /// Privileges granted on system columns (`GRANT SELECT (tableoid) …`), which are no columns of
    /// `CREATE TABLE`, in attnum order.
    func readSystemColumnPrivileges() async throws {
        let result = try await rows(
            """
            SELECT a.attrelid, a.attname, \(Self.aclJSON("a.attacl")) AS acl FROM pg_attribute a
            WHERE a.attrelid >= 16384 AND a.attnum < 0 AND a.attacl IS NOT NULL ORDER BY a.attrelid, a.attnum
            """, what: "privileges on system columns")
        for row in result {
            guard let acl = try row.jsonRows("acl") else { continue }
            systemColumnACLs[try row.oid("attrelid"), default: []].append((try row.string("attname"), acl))
        }
    }

    func readSequences() async throws {
        let result = try await rows(
            """
            SELECT s.seqrelid, format_type(s.seqtypid, NULL) AS type, s.seqstart, s.seqincrement, s.seqmax,
                   s.seqmin, s.seqcache, s.seqcycle, d.refobjid AS ownertable, d.refobjsubid AS ownercolumn,
                   d.deptype, sc.relpersistence
            FROM pg_sequence s JOIN pg_class sc ON sc.oid = s.seqrelid
            LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
                 AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
            WHERE s.seqrelid >= 16384
            """, what: "sequences")
        for row in result {
            let oid = try row.oid("seqrelid")
            sequences[oid] = Sequence(
                oid: oid, type: try row.string("type"), start: try row.string("seqstart"),
                increment: try row.string("seqincrement"), maximum: try row.string("seqmax"),
                minimum: try row.string("seqmin"), cache: try row.string("seqcache"), cycle: try row.bool("seqcycle"),
                ownerTable: try row.optional("ownertable").flatMap { UInt32($0) },
                ownerColumn: Int(try row.optional("ownercolumn") ?? "0") ?? 0,
                isIdentity: try row.optional("deptype") == "i", unlogged: try row.string("relpersistence") == "u")
        }
        for sequence in sequences.values where sequence.isIdentity {
            if let table = sequence.ownerTable { identitySequences[table, default: []].append(sequence) }
        }
    }

    func readRelations() async throws {
        let result = try await rows(
            """
            SELECT c.oid, c.relnamespace, c.relname, c.relkind, c.relpersistence, pg_get_userbyid(c.relowner) AS owner,
                   c.relispartition, c.relispopulated, c.relrowsecurity, c.relforcerowsecurity, c.relreplident,
                   c.relpages::bigint AS relpages,
                   CASE WHEN c.relkind = 'r' THEN pg_relation_size(c.oid) ELSE 0 END AS bytes,
                   CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partkey,
                   CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partbound,
                   \(Self.optionsList("c.reloptions")) AS options,
                   (SELECT \(Self.optionsList("t.reloptions", prefix: "toast.")) FROM pg_class t
                        WHERE t.oid = c.reltoastrelid) AS toastoptions,
                   CASE WHEN c.relkind IN ('r', 'm') AND am.amname <> 'heap' THEN am.amname END AS am,
                   CASE WHEN c.reloftype <> 0 THEN format_type(c.reloftype, NULL) END AS oftype,
                   CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS viewdef,
                   (SELECT quote_ident(fs.srvname) FROM pg_foreign_table ft JOIN pg_foreign_server fs
                        ON fs.oid = ft.ftserver WHERE ft.ftrelid = c.oid) AS server,
                   (SELECT \(Self.genericOptions("ft.ftoptions")) FROM pg_foreign_table ft WHERE ft.ftrelid = c.oid)
                        AS ftoptions,
                   (SELECT json_agg(i.inhparent::bigint ORDER BY i.inhseqno) FROM pg_inherits i WHERE i.inhrelid = c.oid)
                        AS parents,
                   \(Self.aclJSON("c.relacl")) AS acl
            FROM pg_class c LEFT JOIN pg_am am ON am.oid = c.relam
            WHERE c.oid >= 16384 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
            ORDER BY c.oid
            """, what: "tables, views and sequences")
        var rowsByOID: [UInt32: CatalogRow] = [:]
        var order: [UInt32] = []
        for row in result {
            let oid = try row.oid("oid")
            guard let schema = userSchema(try row.oid("relnamespace")) else { continue }
            if isExtensionMember("pg_class", oid) {
                if let configuration = extensionConfiguration[oid] {
                    try addExtensionConfiguration(row, schema: schema, configuration: configuration)
                }
                continue
            }
            let name = try row.string("relname")
            let kind = try row.string("relkind")
            relationNames[oid] = PostgresSQL.qualified(schema, name)
            if kind == "S", let sequence = sequences[oid], sequence.isIdentity {
                identityNames[oid] = PostgresSQL.qualified(schema, name)
                continue
            }
            guard selection.selects(schema: schema, name: name) else { continue }
            rowsByOID[oid] = row
            order.append(oid)
        }
        // pg_dump -t: the sequences the selected tables own come with them.
        if selection.tableMode {
            for (oid, sequence) in sequences where !sequence.isIdentity && rowsByOID[oid] == nil {
                guard let table = sequence.ownerTable, rowsByOID[table] != nil else { continue }
                for row in result where try row.oid("oid") == oid {
                    rowsByOID[oid] = row
                    order.append(oid)
                }
            }
        }
        keptRelations = Set(order)
        for oid in order {
            guard let row = rowsByOID[oid] else { continue }
            try addRelation(row, oid: oid)
        }
        // Then what links relations: parents, partitions, sequence ownership.
        for oid in order {
            guard let row = rowsByOID[oid], let relation = relations[oid] else { continue }
            if relation.isPartition, let bound = try row.optional("partbound"),
                let parentOID = try parentOIDs(row).first,
                let parent = relations[parentOID]
            {
                graph.add(
                    PostgresObjectKind.tableAttach, name: relation.name, schema: relation.schema, section: .preData,
                    ddl: "ALTER TABLE ONLY \(parent.qualified) ATTACH PARTITION \(relation.qualified) \(bound);\n",
                    dependencies: [relation.objectID, parent.objectID])
            }
            if relation.kind == "S", let sequence = sequences[oid], let table = sequence.ownerTable,
                let owner = relations[table],
                let column = columns[table]?.first(where: { $0.number == sequence.ownerColumn })
            {
                let id = graph.add(
                    PostgresObjectKind.sequenceOwnedBy, name: relation.name, schema: relation.schema,
                    section: .preData,
                    ddl:
                        "ALTER SEQUENCE \(relation.qualified) OWNED BY \(owner.qualified).\(PostgresSQL.identifier(column.name));\n",
                    dependencies: [relation.objectID, owner.objectID])
                // The table's new owner passes to the sequences it owns (which cannot change owner alone).
                if let tableOwner = ownerObjects[owner.objectID] { graph.depend(tableOwner, on: id) }
            }
        }
    }

    /// An extension's configuration table (its rows are dumped) or sequence (its value is set).
    private func addExtensionConfiguration(
        _ row: CatalogRow, schema: String, configuration: (extension: UInt32, condition: String?)
    ) throws {
        let oid = try row.oid("oid")
        let name = try row.string("relname")
        let kind = try row.string("relkind")
        guard kind == "r" || kind == "S" else { return }
        let id = graph.add(
            PostgresObjectKind.extensionTable, name: name, schema: schema, section: .preData, ddl: "",
            dependencies: [configuration.extension])
        let relation = Relation(
            oid: oid, schema: schema, name: name, kind: kind, objectID: id, isPartition: try row.bool("relispartition"),
            relpages: try row.int64("relpages"), bytes: try row.int64("bytes"))
        if kind == "S" {
            sequenceObjects[oid] = id
            identityNames[oid] = relation.qualified
        } else {
            extensionTables.append((relation, configuration.condition))
        }
    }

    func parentOIDs(_ row: CatalogRow) throws -> [UInt32] {
        guard let text = try row.optional("parents") else { return [] }
        return text.trimmingCharacters(in: ["[", "]", " "]).split(separator: ",").compactMap {
            UInt32($0.trimmingCharacters(in: .whitespaces))
        }
    }

    private func addRelation(_ row: CatalogRow, oid: UInt32) throws {
        let schema = userSchema(try row.oid("relnamespace"))!
        let name = try row.string("relname")
        let kind = try row.string("relkind")
        let qualified = PostgresSQL.qualified(schema, name)
        let owner = try row.string("owner")
        let objectKind: ArchiveObject.Kind
        let keyword: String
        var ddl: String
        var pendingView: ViewStatements?
        switch kind {
        case "S":
            objectKind = .sequence
            keyword = "SEQUENCE"
            guard let sequence = sequences[oid] else { return }
            let unlogged = try row.string("relpersistence") == "u" ? "UNLOGGED " : ""
            ddl = "CREATE \(unlogged)SEQUENCE \(qualified) AS \(sequence.type) \(sequence.options);\n"
        case "v", "m":
            objectKind = kind == "v" ? .view : .materializedView
            keyword = kind == "v" ? "VIEW" : "MATERIALIZED VIEW"
            var definition = try row.string("viewdef").trimmingTrailingNewlines()
            if definition.hasSuffix(";") { definition.removeLast() }
            // A materialized view has a TOAST table of its own, with parameters of its own.
            let parameters = [try row.optional("options"), try row.optional("toastoptions")].compactMap { $0 }
            let options = parameters.isEmpty ? "" : " WITH (\(parameters.joined(separator: ", ")))"
            let method = try row.optional("am").map { " USING \(PostgresSQL.identifier($0))" } ?? ""
            ddl = "CREATE \(keyword) \(qualified)\(method)\(options) AS\n\(definition)"
            ddl += kind == "m" ? "\n  WITH NO DATA;\n" : ";\n"
            if kind == "v" {
                // Kept in case the view is part of a dependency cycle (see splitViewCycles).
                let placeholders = (columns[oid] ?? []).map { column in
                    "NULL::\(column.type)\(column.collation.map { " COLLATE \($0)" } ?? "") AS \(PostgresSQL.identifier(column.name))"
                }
                pendingView = ViewStatements(
                    create: ddl, placeholder: "CREATE VIEW \(qualified) AS\n SELECT \(placeholders.joined(separator: ", "));\n",
                    replace: "CREATE OR REPLACE VIEW \(qualified)\(options) AS\n\(definition);\n")
            }
            for column in columns[oid] ?? [] where column.defaultExpression != nil {
                ddl +=
                    "ALTER VIEW \(qualified) ALTER COLUMN \(PostgresSQL.identifier(column.name)) SET DEFAULT \(column.defaultExpression!);\n"
            }
            if kind == "m" {
                for column in columns[oid] ?? [] {
                    ddl += Self.columnSettings(
                        column, alter: "ALTER TABLE ONLY \(qualified) ALTER COLUMN \(PostgresSQL.identifier(column.name))")
                }
            }
        case "f":
            objectKind = PostgresObjectKind.foreignTable
            keyword = "FOREIGN TABLE"
            ddl = try tableDDL(row, oid: oid, qualified: qualified)
        default:
            objectKind = .table
            keyword = "TABLE"
            ddl = try tableDDL(row, oid: oid, qualified: qualified)
        }
        let id = graph.add(
            objectKind, name: name, schema: schema, section: .preData, ddl: ddl,
            dependencies: schemaObjects[try row.oid("relnamespace")].map { [$0] } ?? [],
            key: CatalogKey("pg_class", oid), commentTarget: "\(keyword) \(qualified)")
        let relation = Relation(
            oid: oid, schema: schema, name: name, kind: kind, objectID: id, isPartition: try row.bool("relispartition"),
            relpages: try row.int64("relpages"), bytes: try row.int64("bytes"))
        relations[oid] = relation
        if let pendingView { viewStatements[id] = pendingView }
        if kind == "S" { sequenceObjects[oid] = id }

        for column in columns[oid] ?? [] {
            guard let defaultOID = column.defaultOID else { continue }
            if isSeparate(column), kind == "r" || kind == "p" || kind == "f", let expression = column.defaultExpression {
                // A default that calls a function of the schema is set after the table is created, so
                // a function that reads the table (a SQL-standard body) can come in between.
                let tableKeyword = kind == "f" ? "FOREIGN TABLE" : "TABLE"
                let separate = graph.add(
                    PostgresObjectKind.columnDefault, name: "\(name).\(column.name)", schema: schema, section: .preData,
                    ddl:
                        "ALTER \(tableKeyword) ONLY \(qualified) ALTER COLUMN \(PostgresSQL.identifier(column.name)) SET DEFAULT \(expression);\n",
                    dependencies: [id])
                graph.alias(CatalogKey("pg_attrdef", defaultOID), to: separate)
            } else {
                graph.alias(CatalogKey("pg_attrdef", defaultOID), to: id)
            }
        }
        if kind == "S", let table = sequences[oid]?.ownerTable, keptRelations.contains(table) {
            // Owned by a dumped table: it follows the table's owner.
        } else {
            addOwner(of: id, target: "\(keyword) \(qualified)", owner: owner)
        }
        let columnACLs =
            (systemColumnACLs[oid] ?? []) + (columns[oid] ?? []).compactMap { column in column.acl.map { (column.name, $0) } }
        addACL(
            of: id, target: "\(kind == "S" ? "SEQUENCE" : "TABLE") \(qualified)", owner: owner,
            acl: try row.jsonRows("acl"), columnACLs: columnACLs)

        if kind == "r" || kind == "p" {
            try addTableExtras(row, relation: relation)
            // Identity sequences are created with their column; their facts follow the table.
            for sequence in identitySequences[oid] ?? [] {
                let sequenceOID = sequence.oid
                sequenceObjects[sequenceOID] = id
                if let names = identityNames[sequenceOID] {
                    graph.alias(CatalogKey("pg_class", sequenceOID), to: id, commentTarget: "SEQUENCE \(names)")
                }
            }
        }
        if kind == "m", try row.bool("relispopulated") {
            refreshObjects[id] = graph.add(
                PostgresObjectKind.materializedViewData, name: name, schema: schema, section: .postData,
                ddl: "REFRESH MATERIALIZED VIEW \(qualified);\n", dependencies: [id])
        }
    }

    /// Row level security of a table, a post-data object.
    private func addTableExtras(_ row: CatalogRow, relation: Relation) throws {
        var security = ""
        if try row.bool("relrowsecurity") { security += "ALTER TABLE \(relation.qualified) ENABLE ROW LEVEL SECURITY;\n" }
        if try row.bool("relforcerowsecurity") {
            security += "ALTER TABLE ONLY \(relation.qualified) FORCE ROW LEVEL SECURITY;\n"
        }
        if !security.isEmpty {
            graph.add(
                PostgresObjectKind.rowSecurity, name: relation.name, schema: relation.schema, section: .postData,
                ddl: security, dependencies: [relation.objectID])
        }
    }
}
