import PoolKit

/// One reading of a database's catalogs: queries each catalog once and builds the objects in a
/// ``SchemaGraph``. Used by ``PostgresSchemaReader/read(on:options:)`` within one task.
final class CatalogReader {
    let connection: PostgresConnection
    let selection: PostgresTableSelection
    let graph = SchemaGraph()

    /// User schemas by OID (system schemas left out), whether or not they are dumped.
    var schemaNames: [UInt32: String] = [:]
    /// The `CREATE SCHEMA` object of each dumped schema.
    var schemaObjects: [UInt32: UInt32] = [:]
    /// Extension members: catalog row → extension OID.
    var extensionMembers: [CatalogKey: UInt32] = [:]
    /// Functions, casts and types created by another object (a range type's multirange
    /// constructors and casts): catalog row → the row that created it.
    var internalObjects: [CatalogKey: CatalogKey] = [:]
    /// Extension configuration tables and sequences: OID → the extension's object and the
    /// condition (`WHERE …`) that picks the rows to dump, if any.
    var extensionConfiguration: [UInt32: (extension: UInt32, condition: String?)] = [:]
    /// Extension configuration tables whose rows are dumped, with their filters.
    var extensionTables: [(relation: Relation, condition: String?)] = []
    /// CHECK constraints (of tables and domains) in a dependency loop: they call a function that
    /// needs their own table or domain (its row type, or its rows). Each is added after the data
    /// by a statement of its own instead of in `CREATE TABLE` / `CREATE DOMAIN`, as pg_dump does.
    var separateConstraints: Set<UInt32> = []
    /// Constraints by the relation or domain they are on.
    var tableConstraints: [UInt32: [Constraint]] = [:]
    var domainConstraints: [UInt32: [Constraint]] = [:]
    /// Dumped relations by OID.
    var relations: [UInt32: Relation] = [:]
    /// Privileges on system columns (`tableoid`, `ctid`, …) of relations by OID, in attnum order.
    var systemColumnACLs: [UInt32: [(String, [[Any]])]] = [:]
    /// Columns of relations (and composite types) by OID, in attnum order.
    var columns: [UInt32: [Column]] = [:]
    /// Qualified names of all user relations by OID (dumped or not), e.g. for `INHERITS`.
    var relationNames: [UInt32: String] = [:]
    /// Qualified names of the sequences that are no objects of their own (identity sequences,
    /// extensions' configuration sequences) by OID.
    var identityNames: [UInt32: String] = [:]
    /// The OIDs of the relations that are dumped (known before their objects are made).
    var keptRelations: Set<UInt32> = []
    /// The `acl` object of each dumped schema that has one, by schema name.
    var schemaACLs: [String: UInt32] = [:]
    /// The `owner` object of each object that has one.
    var ownerObjects: [UInt32: UInt32] = [:]
    /// Sequences: OID → facts.
    var sequences: [UInt32: Sequence] = [:]
    /// Column defaults (`pg_attrdef` OIDs) that call functions of the schema: set by objects of
    /// their own, after the table, so that the functions can come after the table they may read.
    var separateDefaults: Set<UInt32> = []
    /// Identity sequences by the table whose column they serve.
    var identitySequences: [UInt32: [Sequence]] = [:]
    /// Objects of kind `sequence` (or the table owning an identity sequence) by sequence OID.
    var sequenceObjects: [UInt32: UInt32] = [:]
    /// The object that creates each index (an index or a constraint object), by index OID.
    var indexObjects: [UInt32: (object: UInt32, schema: String, name: String)] = [:]
    /// Primary and unique keys whose index is built first (``keyBuiltFromIndex(_:on:)``), by index
    /// OID: the constraint's object, `PRIMARY KEY` or `UNIQUE`, and its statement as first written.
    var keyIndexes: [UInt32: (object: UInt32, keyword: String, ddl: String)] = [:]
    /// The `index` objects that build those keys' indexes, by index OID.
    var keyIndexBuilds: [UInt32: UInt32] = [:]
    /// The `index-attach` objects of each partitioned index (by its OID), with the attached index.
    var indexAttachments: [UInt32: [(attachment: UInt32, child: UInt32)]] = [:]
    /// The statements of each view, by its object.
    var viewStatements: [UInt32: ViewStatements] = [:]
    /// Materialized views' refresh objects by the matview's object.
    var refreshObjects: [UInt32: UInt32] = [:]
    var largeObjects: [UInt32] = []
    /// What the source has and the archive will not carry, with the reasons.
    var omitted: [ArchiveOmission] = []
    /// User-defined base types: the shell (`CREATE TYPE t;`) and the complete type's objects.
    var baseTypes: [(shell: UInt32, full: UInt32)] = []
    /// Dumped relations that inherit from each dumped relation (partitions, inheritance children), by OID.
    var inheritors: [UInt32: [UInt32]] = [:]

    init(connection: PostgresConnection, selection: PostgresTableSelection) {
        self.connection = connection
        self.selection = selection
    }

    /// Whether objects that belong to no table (schemas, types, functions, …) are dumped.
    var dumpsNonTableObjects: Bool { !selection.tableMode }

    func rows(_ sql: String, what: String) async throws -> CatalogRows {
        CatalogRows(try await connection.query(unsafeSQL: sql), what: what)
    }

    func read() async throws -> PostgresSchema {
        let properties = try await readProperties()
        try await readExtensionMembers()
        try await readSchemas()
        try await readExtensions()
        try await readConstraints()
        try await readConstraintLoops()
        try await readCollations()
        try await readColumns()
        try await readSystemColumnPrivileges()
        try await readTypes()
        try await readBaseTypes()
        try await readAccessMethods()
        try await readLanguages()
        try await readRoutines()
        try await readTransforms()
        try await readOperators()
        try await readCasts()
        try await readOperatorClasses()
        try await readTextSearchParsers()
        try await readTextSearch()
        try await readForeignDataWrappers()
        try await readForeignServers()
        try await readSequences()
        try await readSeparateDefaults()
        try await readRelations()
        try await readInheritance()
        try await readIndexes()
        try await readTriggers()
        try await readRules()
        try await readPolicies()
        try await readStatistics()
        try await readEventTriggers()
        try await readPublications()
        try await readSubscriptions()
        try await readDefaultPrivileges()
        try await readChangedInitialPrivileges()
        try await readLargeObjects()
        try await readTypeAliases()
        try await readComments()
        try await readSecurityLabels()
        try await readTablespaces()
        try await readDependencies()
        completeBaseTypes()
        linkRefreshes()
        completePartitionedIndexes()
        splitViewCycles()
        eventTriggersLast()
        try await readSequenceValues()

        orderParentStatementsFirst()
        let loops = graph.cycles()
        let (ordered, newIDs) = graph.ordered()
        let unbroken = unbrokenLoops(loops, newIDs: newIDs)
        let objects = withLocks(ordered, newIDs: newIDs)
        let dumped = relations.values.filter { $0.kind == "r" }.sorted { $0.oid < $1.oid }.map { ($0, nil as String?) }
        let tables = (dumped + extensionTables.map { ($0.relation, $0.condition) }).map { relation, condition in
            PostgresTableInfo(
                objectID: newIDs[Int(relation.objectID) - 1], oid: relation.oid, schema: relation.schema,
                name: relation.name,
                columns: (columns[relation.oid] ?? []).filter { $0.generated.isEmpty }.map {
                    ArchiveColumn(name: $0.name, type: $0.type, nullable: !$0.notNull, generated: false)
                },
                relpages: relation.relpages, estimatedBytes: relation.bytes, isPartition: relation.isPartition,
                rowFilter: condition)
        }
        return PostgresSchema(
            objects: objects, tables: tables, largeObjects: largeObjects, properties: properties, omitted: omitted,
            unbrokenLoops: unbroken)
    }

    /// The objects of dependency loops that none of the ways above broke (new id → reason): no order
    /// creates them, so a backup leaves them out, with what needs them, and says so.
    private func unbrokenLoops(_ loops: [[UInt32]], newIDs: [UInt32]) -> [UInt32: String] {
        var reasons: [UInt32: String] = [:]
        for loop in loops {
            let members = loop.map { id in
                let node = graph.node(id)
                return "\(node.kind) \(node.schema.map { "\($0)." } ?? "")\(node.name)"
            }
            let shown = members.prefix(6).joined(separator: ", ") + (members.count > 6 ? ", …" : "")
            for id in loop {
                reasons[newIDs[Int(id) - 1]] =
                    "it is in a dependency loop no statement order can create (\(shown))"
            }
        }
        return reasons
    }

    // MARK: - Facts

    private func readProperties() async throws -> [String: String] {
        let result = try await rows(
            """
            SELECT current_setting('server_version') AS server_version,
                   current_setting('server_version_num') AS server_version_num,
                   pg_encoding_to_char(d.encoding) AS encoding,
                   current_setting('standard_conforming_strings') AS standard_conforming_strings,
                   d.datcollate AS lc_collate, d.datctype AS lc_ctype
            FROM pg_database d WHERE d.datname = current_database()
            """, what: "the server's settings")
        var properties: [String: String] = [:]
        for row in result {
            for name in [
                "server_version", "server_version_num", "encoding", "standard_conforming_strings", "lc_collate",
                "lc_ctype",
            ] {
                properties[name] = try row.optional(name)
            }
        }
        return properties
    }

    private func readExtensionMembers() async throws {
        for row in try await rows(
            "SELECT classid::regclass::text AS catalog, objid, refobjid FROM pg_depend WHERE deptype = 'e'",
            what: "extension members")
        {
            extensionMembers[CatalogKey(try row.string("catalog"), try row.oid("objid"))] = try row.oid("refobjid")
        }
        for row in try await rows(
            """
            SELECT classid::regclass::text AS catalog, objid, refclassid::regclass::text AS refcatalog, refobjid
            FROM pg_depend
            WHERE deptype = 'i' AND classid IN ('pg_proc'::regclass, 'pg_cast'::regclass) AND objid >= 16384
            """, what: "implied objects")
        {
            internalObjects[CatalogKey(try row.string("catalog"), try row.oid("objid"))] = CatalogKey(
                try row.string("refcatalog"), try row.oid("refobjid"))
        }
    }

    /// Whether a catalog row is created by another object, or belongs to an extension.
    func isImplied(_ catalog: String, _ oid: UInt32) -> Bool {
        internalObjects[CatalogKey(catalog, oid)] != nil || isExtensionMember(catalog, oid)
    }

    /// Whether a catalog row belongs to an extension (and so is created by `CREATE EXTENSION`).
    func isExtensionMember(_ catalog: String, _ oid: UInt32) -> Bool {
        extensionMembers[CatalogKey(catalog, oid)] != nil
    }

    /// The schema's name if it is a user schema, else nil (the object is left out).
    func userSchema(_ oid: UInt32) -> String? { schemaNames[oid] }

    // MARK: - Owners, privileges, comments

    /// Adds `ALTER <target> OWNER TO <owner>` as an `owner` object after `object`.
    func addOwner(of object: UInt32, target: String, owner: String) {
        let node = graph.node(object)
        ownerObjects[object] = graph.add(
            .owner, name: node.name, schema: node.schema, section: node.section,
            ddl: "ALTER \(target) OWNER TO \(PostgresSQL.identifier(owner));\n", dependencies: [object])
    }

    /// Adds the `GRANT`/`REVOKE` statements that give `target` (`TABLE "s"."t"`) the privileges in
    /// `acl` (rows of `aclJSON`), as an `acl` object after `object`. `acl` nil means the default
    /// privileges, for which nothing is emitted; `columnACLs` adds column privileges.
    func addACL(
        of object: UInt32, target: String, owner: String, acl: [[Any]]?, columnACLs: [(String, [[Any]])] = [],
        extraDependencies: [UInt32] = []
    ) {
        var ddl = ""
        if let acl {
            ddl += "REVOKE ALL ON \(target) FROM PUBLIC;\n"
            ddl += "REVOKE ALL ON \(target) FROM \(PostgresSQL.identifier(owner));\n"
            ddl += Self.grants(acl, on: target, columns: nil, owner: owner)
        }
        for (column, items) in columnACLs {
            ddl += Self.grants(items, on: target, columns: column, owner: owner)
        }
        guard !ddl.isEmpty else { return }
        let node = graph.node(object)
        // Grants made as another role need that role's access to the schema first.
        let schemaACL = node.schema.flatMap { schemaACLs[$0] }
        let id = graph.add(
            .acl, name: node.name, schema: node.schema, section: .postData, ddl: ddl,
            dependencies: [object] + extraDependencies + (schemaACL.map { [$0] } ?? []))
        if node.kind == .schema { schemaACLs[node.name] = id }
    }

    /// `GRANT` statements for ACL items `[grantee|null, grantor, privilege, grantable]`, one per
    /// grantee, grantor and grant option, in the order the items come (which keeps the order of
    /// the restored ACL the same as the source's).
    static func grants(_ items: [[Any]], on target: String, columns: String?, owner: String) -> String {
        struct Group {
            var grantee: String?
            var grantor: String
            var plain: [String] = []
            var grantable: [String] = []
        }
        var groups: [Group] = []
        for item in items where item.count == 4 {
            let grantee = item[0] as? String
            let grantor = item[1] as? String ?? owner
            guard let privilege = item[2] as? String else { continue }
            let withOption = (item[3] as? Bool) ?? false
            var index = groups.firstIndex { $0.grantee == grantee && $0.grantor == grantor }
            if index == nil {
                groups.append(Group(grantee: grantee, grantor: grantor))
                index = groups.count - 1
            }
            if withOption { groups[index!].grantable.append(privilege) } else { groups[index!].plain.append(privilege) }
        }
        var ddl = ""
        let columnList = columns.map { " (\(PostgresSQL.identifier($0)))" } ?? ""
        for group in groups {
            let asOther = group.grantor != owner
            if asOther { ddl += "SET SESSION AUTHORIZATION \(PostgresSQL.identifier(group.grantor));\n" }
            let privileges = { (list: [String]) in list.map { $0 + columnList }.joined(separator: ", ") }
            if !group.plain.isEmpty {
                ddl += "GRANT \(privileges(group.plain)) ON \(target) TO \(PostgresSQL.role(group.grantee));\n"
            }
            if !group.grantable.isEmpty {
                ddl +=
                    "GRANT \(privileges(group.grantable)) ON \(target) TO \(PostgresSQL.role(group.grantee)) WITH GRANT OPTION;\n"
            }
            if asOther { ddl += "RESET SESSION AUTHORIZATION;\n" }
        }
        return ddl
    }

    /// A select-list expression that turns ACL column `column` into a JSON array of
    /// `[grantee or null for PUBLIC, grantor, privilege, grantable]`, NULL when the column is NULL.
    static func aclJSON(_ column: String) -> String {
        """
        CASE WHEN \(column) IS NULL THEN NULL ELSE COALESCE((SELECT json_agg(json_build_array(\
        CASE WHEN x.grantee = 0 THEN NULL ELSE pg_get_userbyid(x.grantee) END, pg_get_userbyid(x.grantor), \
        x.privilege_type, x.is_grantable) ORDER BY x.ord) \
        FROM aclexplode(\(column)) WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)), \
        '[]'::json) END
        """
    }

    /// A select-list expression with the options in `column` (a `text[]` of `name=value`) as
    /// `name='value', …`, NULL when there are none. `prefix` goes before each name (`toast.`).
    static func optionsList(_ column: String, prefix: String = "") -> String {
        """
        (SELECT string_agg('\(prefix)' || quote_ident(o.option_name) || '=' || quote_literal(o.option_value), ', ') \
        FROM pg_options_to_table(\(column)) o)
        """
    }

    /// A select-list expression with the qualified, quoted name of collation OID `column`.
    static func collationName(_ column: String) -> String {
        """
        (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname) FROM pg_collation co \
        JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = \(column))
        """
    }
}
