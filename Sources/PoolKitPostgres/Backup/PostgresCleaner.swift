import PoolKit

/// Finds the relations of an archive that already exist in a restore's target, and drops the
/// archive's objects for `--clean` (in reverse dependency order, `CASCADE` taking what hangs on
/// them: indexes, constraints, triggers, dependent views). The kinds that are neither relations,
/// routines, types nor extensions are in `PostgresCleaner+CatalogObjects.swift`.
struct PostgresCleaner: Sendable {
    /// The archive's objects the restore would create, in dependency order.
    private let objects: [ArchiveObject]

    private static let relationKinds: [ArchiveObject.Kind: String] = [
        .table: "TABLE", .view: "VIEW", .materializedView: "MATERIALIZED VIEW", .sequence: "SEQUENCE",
        PostgresObjectKind.foreignTable: "FOREIGN TABLE",
    ]

    /// Post-data objects that no relation takes with it when dropped.
    private static let standalonePostDataKinds: Set<ArchiveObject.Kind> = [
        PostgresObjectKind.largeObject, PostgresObjectKind.subscription, PostgresObjectKind.publication,
        PostgresObjectKind.eventTrigger,
    ]

    init(manifest: ArchiveManifest, options: RestoreOptions) {
        guard !options.dataOnly else {
            objects = []
            return
        }
        var objects = manifest.objects.filter {
            $0.section == .preData || Self.standalonePostDataKinds.contains($0.kind)
        }
        if !options.includeTables.isEmpty {
            // Only the chosen tables (and what is created with them) are replaced.
            objects = objects.filter { $0.kind == .table && options.selects(schema: $0.schema, name: $0.name) }
        }
        self.objects = objects
    }

    /// The archive's relations (tables, views, sequences) that exist in the target, as `kind "schema"."name"`.
    func conflicts(on handle: PGHandle) throws -> [String] {
        let relations = objects.filter { Self.relationKinds[$0.kind] != nil && $0.schema != nil }
        guard !relations.isEmpty else { return [] }
        let schemas = relations.map { PostgresSQL.literal($0.schema ?? "") }.joined(separator: ",")
        let names = relations.map { PostgresSQL.literal($0.name) }.joined(separator: ",")
        let result = try handle.query(
            """
            SELECT n.nspname, c.relname,
                   CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
                                WHEN 'f' THEN 'foreign table' ELSE 'table' END
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            JOIN unnest(ARRAY[\(schemas)]::text[], ARRAY[\(names)]::text[]) AS wanted(nspname, relname)
              ON wanted.nspname = n.nspname AND wanted.relname = c.relname
            ORDER BY 1, 2
            """)
        return result.rows.map { row in
            "\(row[2] ?? "relation") \(PostgresSQL.qualified(row[0] ?? "", row[1] ?? ""))"
        }
    }

    /// Drops the archive's objects that exist, the last created first.
    func drop(on handle: PGHandle) throws {
        for object in objects.reversed() {
            guard let statement = try dropStatement(object, on: handle) else { continue }
            try handle.execute(statement)
        }
    }

    private func dropStatement(_ object: ArchiveObject, on handle: PGHandle) throws -> String? {
        if let keyword = Self.relationKinds[object.kind], let schema = object.schema {
            return "DROP \(keyword) IF EXISTS \(PostgresSQL.qualified(schema, object.name)) CASCADE"
        }
        switch object.kind {
        case PostgresObjectKind.largeObject:
            guard let oid = UInt32(object.name) else { return nil }
            return "SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = '\(oid)'::pg_catalog.oid"
        case .extension:
            return "DROP EXTENSION IF EXISTS \(PostgresSQL.identifier(object.name)) CASCADE"
        case .schema:
            // `public` comes with every database; the others are dropped if the archive's objects
            // were all they held.
            guard object.name != "public" else { return nil }
            let empty = try handle.query(
                """
                SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = \(PostgresSQL.literal(object.name)))
                   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = \(PostgresSQL.literal(object.name)))
                """
            ).rows.first?[0]
            return empty == "t" ? "DROP SCHEMA IF EXISTS \(PostgresSQL.identifier(object.name)) CASCADE" : nil
        case .type:
            guard let schema = object.schema else { return nil }
            let kind = try handle.query(
                """
                SELECT t.typtype FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
                WHERE n.nspname = \(PostgresSQL.literal(schema)) AND t.typname = \(PostgresSQL.literal(object.name))
                """
            ).rows.first?[0]
            guard let kind else { return nil }
            return "DROP \(kind == "d" ? "DOMAIN" : "TYPE") IF EXISTS \(PostgresSQL.qualified(schema, object.name)) CASCADE"
        case .function, "procedure", "aggregate":
            guard let schema = object.schema else { return nil }
            let name = String(object.name.prefix { $0 != "(" })
            let routines = try handle.query(
                """
                SELECT p.oid::pg_catalog.regprocedure::text FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = \(PostgresSQL.literal(schema)) AND p.proname = \(PostgresSQL.literal(name))
                """
            ).rows.compactMap { $0[0] }
            guard !routines.isEmpty else { return nil }
            return routines.map { "DROP ROUTINE IF EXISTS \($0) CASCADE" }.joined(separator: "; ")
        case PostgresObjectKind.subscription:
            // Disabled and detached from its slot first, so that dropping it never reaches the
            // publisher (nor drops a slot there).
            let exists = try handle.query(
                """
                SELECT 1 FROM pg_catalog.pg_subscription s JOIN pg_catalog.pg_database d ON d.oid = s.subdbid
                WHERE d.datname = pg_catalog.current_database() AND s.subname = \(PostgresSQL.literal(object.name))
                """
            ).rows.isEmpty == false
            guard exists else { return nil }
            let name = PostgresSQL.identifier(object.name)
            return "ALTER SUBSCRIPTION \(name) DISABLE; ALTER SUBSCRIPTION \(name) SET (slot_name = NONE); DROP SUBSCRIPTION \(name)"
        // Without CASCADE: what the archive made with them is dropped before them (the last created
        // first); anything else of the target that uses them makes the drop fail rather than go.
        case PostgresObjectKind.accessMethod:
            return "DROP ACCESS METHOD IF EXISTS \(PostgresSQL.identifier(object.name))"
        case PostgresObjectKind.language:
            return "DROP LANGUAGE IF EXISTS \(PostgresSQL.identifier(object.name))"
        case PostgresObjectKind.transform:
            // The DDL starts `CREATE TRANSFORM FOR <type> LANGUAGE <language> (`.
            guard let ddl = object.ddl, ddl.hasPrefix("CREATE TRANSFORM FOR "), let open = ddl.range(of: " (") else {
                return nil
            }
            let target = ddl[ddl.index(ddl.startIndex, offsetBy: "CREATE TRANSFORM ".count)..<open.lowerBound]
            return "DROP TRANSFORM IF EXISTS \(target)"
        default:
            return try dropCatalogObject(object, on: handle)
        }
    }
}
