import PoolKit

/// `--clean`'s drops of the objects that are neither relations nor routines nor types: collations,
/// operators, operator classes and families, casts, conversions, text search objects, foreign data
/// wrappers, servers and user mappings, publications and event triggers. Each is dropped only if the
/// target has it (`IF EXISTS`); names come from the archive and are quoted here, or read back from
/// the target's catalogs already quoted.
extension PostgresCleaner {
    /// The drop statement for `object`; nil when it is of none of these kinds, or when the target has
    /// no object of its name for the kinds looked up in the target's catalogs (operators, classes).
    func dropCatalogObject(_ object: ArchiveObject, on handle: PGHandle) throws -> String? {
        let name = PostgresSQL.identifier(object.name)
        let qualified = object.schema.map { PostgresSQL.qualified($0, object.name) }
        let ddl = object.ddl ?? ""
        switch object.kind {
        // Objects of a schema: CASCADE, as for types and routines (what the archive made with them
        // was created after them, so it is already gone).
        case PostgresObjectKind.collation:
            return qualified.map { "DROP COLLATION IF EXISTS \($0) CASCADE" }
        case PostgresObjectKind.conversion:
            return qualified.map { "DROP CONVERSION IF EXISTS \($0)" }
        case PostgresObjectKind.textSearch:
            guard let qualified else { return nil }
            for kind in ["PARSER", "TEMPLATE", "DICTIONARY", "CONFIGURATION"] where ddl.hasPrefix("CREATE TEXT SEARCH \(kind) ") {
                return "DROP TEXT SEARCH \(kind) IF EXISTS \(qualified) CASCADE"
            }
            return nil
        case PostgresObjectKind.cast:
            // The name is the cast's `(source AS target)`, as the server formats the types.
            return ddl.hasPrefix("CREATE CAST \(object.name)") ? "DROP CAST IF EXISTS \(object.name) CASCADE" : nil
        case PostgresObjectKind.operator:
            // Every operator of the name (as for routines: every overload), as the target has them.
            guard let schema = object.schema else { return nil }
            return try statements(
                on: handle,
                """
                SELECT format('DROP OPERATOR IF EXISTS %I.%s (%s, %s) CASCADE', n.nspname, o.oprname,
                              COALESCE(pg_catalog.format_type(NULLIF(o.oprleft, 0), NULL), 'NONE'),
                              COALESCE(pg_catalog.format_type(NULLIF(o.oprright, 0), NULL), 'NONE'))
                FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
                WHERE n.nspname = \(PostgresSQL.literal(schema)) AND o.oprname = \(PostgresSQL.literal(object.name))
                """)
        case PostgresObjectKind.operatorClass:
            // A class or a family, of every access method the target has one of that name for (the
            // `ALTER OPERATOR FAMILY … ADD` objects go with their family).
            guard let schema = object.schema else { return nil }
            let (keyword, catalog, column, namespace, method) =
                ddl.hasPrefix("CREATE OPERATOR CLASS ")
                ? ("CLASS", "pg_opclass", "opcname", "opcnamespace", "opcmethod")
                : ("FAMILY", "pg_opfamily", "opfname", "opfnamespace", "opfmethod")
            guard ddl.hasPrefix("CREATE OPERATOR \(keyword) ") else { return nil }
            return try statements(
                on: handle,
                """
                SELECT format('DROP OPERATOR \(keyword) IF EXISTS %I.%I USING %I CASCADE', n.nspname, c.\(column), am.amname)
                FROM pg_catalog.\(catalog) c JOIN pg_catalog.pg_namespace n ON n.oid = c.\(namespace)
                JOIN pg_catalog.pg_am am ON am.oid = c.\(method)
                WHERE n.nspname = \(PostgresSQL.literal(schema)) AND c.\(column) = \(PostgresSQL.literal(object.name))
                """)
        // Objects of the database: without CASCADE, as access methods and languages (anything else
        // of the target that uses them makes the drop fail rather than go).
        case PostgresObjectKind.foreignDataWrapper:
            return "DROP FOREIGN DATA WRAPPER IF EXISTS \(name)"
        case PostgresObjectKind.foreignServer:
            return "DROP SERVER IF EXISTS \(name)"
        case PostgresObjectKind.userMapping:
            return userMappingDrop(ddl)
        case PostgresObjectKind.publication:
            return "DROP PUBLICATION IF EXISTS \(name)"
        case PostgresObjectKind.eventTrigger:
            return "DROP EVENT TRIGGER IF EXISTS \(name)"
        default:
            return nil
        }
    }

    /// The statements the query (one text column) returns, joined; nil when it returns none.
    private func statements(on handle: PGHandle, _ query: String) throws -> String? {
        let statements = try handle.query(query).rows.compactMap { $0.first ?? nil }
        return statements.isEmpty ? nil : statements.joined(separator: "; ")
    }

    /// `DROP USER MAPPING IF EXISTS FOR <role> SERVER <server>` from the mapping's
    /// `CREATE USER MAPPING FOR <role> SERVER <server>[ OPTIONS (…)];` (role and server as quoted there).
    private func userMappingDrop(_ ddl: String) -> String? {
        let prefix = "CREATE USER MAPPING FOR "
        guard ddl.hasPrefix(prefix) else { return nil }
        // The role and the server are each `PUBLIC`, a bare word or a quoted identifier ("" inside).
        let rest = Substring(ddl.dropFirst(prefix.count))
        guard let roleEnd = Self.identifierEnd(in: rest), rest[roleEnd...].hasPrefix(" SERVER ") else { return nil }
        let server = rest[roleEnd...].dropFirst(" SERVER ".count)
        guard let serverEnd = Self.identifierEnd(in: server) else { return nil }
        let target = "\(rest[..<roleEnd]) SERVER \(server[..<serverEnd])"
        return "DROP USER MAPPING IF EXISTS FOR \(target)"
    }

    /// Where the identifier at the start of `text` ends: after its closing quote when quoted,
    /// else at the first space, `;` or newline.
    private static func identifierEnd(in text: Substring) -> Substring.Index? {
        guard text.first == "\"" else {
            return text.firstIndex { $0 == " " || $0 == ";" || $0 == "\n" }
        }
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            if text[index] == "\"" {
                let next = text.index(after: index)
                guard next < text.endIndex, text[next] == "\"" else { return next }
                index = text.index(after: next)
            } else {
                index = text.index(after: index)
            }
        }
        return nil
    }
}
