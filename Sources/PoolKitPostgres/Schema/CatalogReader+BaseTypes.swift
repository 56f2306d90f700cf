import PoolKit

/// User-defined base types and shell types, created as pg_dump creates them: `CREATE TYPE t;` (a
/// shell) first, then the I/O functions that take or return it, then `CREATE TYPE t (INPUT = …,
/// OUTPUT = …, …)`, which completes the shell. Everything else that uses the type (columns,
/// ranges, operators, casts) comes after the complete type.
extension CatalogReader {
    func readBaseTypes() async throws {
        guard dumpsNonTableObjects else { return }
        let result = try await rows(
            """
            SELECT t.oid, t.typnamespace, t.typname, t.typisdefined, pg_get_userbyid(t.typowner) AS owner,
                   \(Self.aclJSON("t.typacl")) AS acl, t.typlen, t.typbyval, t.typalign, t.typstorage,
                   t.typcategory, t.typispreferred, t.typdelim, t.typdefault, t.typcollation <> 0 AS collatable,
                   t.typinput::regproc::text AS input, t.typoutput::regproc::text AS output,
                   CASE WHEN t.typreceive <> 0 THEN t.typreceive::regproc::text END AS receive,
                   CASE WHEN t.typsend <> 0 THEN t.typsend::regproc::text END AS send,
                   CASE WHEN t.typmodin <> 0 THEN t.typmodin::regproc::text END AS typmodin,
                   CASE WHEN t.typmodout <> 0 THEN t.typmodout::regproc::text END AS typmodout,
                   CASE WHEN t.typanalyze <> 0 THEN t.typanalyze::regproc::text END AS analyze,
                   CASE WHEN t.typsubscript <> 0 AND NOT (t.typelem <> 0
                        AND t.typsubscript = 'raw_array_subscript_handler'::regproc)
                        THEN t.typsubscript::regproc::text END AS subscript,
                   CASE WHEN t.typelem <> 0 THEN format_type(t.typelem, NULL) END AS element
            FROM pg_type t
            WHERE t.oid >= 16384 AND ((t.typtype = 'b' AND t.typsubscript <> 'array_subscript_handler'::regproc)
                OR (t.typtype = 'p' AND NOT t.typisdefined))
            ORDER BY t.oid
            """, what: "base and shell types")
        for row in result {
            let oid = try row.oid("oid")
            guard let schema = userSchema(try row.oid("typnamespace")), !isExtensionMember("pg_type", oid) else {
                continue
            }
            let name = try row.string("typname")
            let qualified = PostgresSQL.qualified(schema, name)
            let key = CatalogKey("pg_type", oid)
            let shell = graph.add(
                .type, name: name, schema: schema, section: .preData, ddl: "CREATE TYPE \(qualified);\n",
                dependencies: schemaObjects[try row.oid("typnamespace")].map { [$0] } ?? [])
            guard try row.bool("typisdefined") else {
                graph.alias(key, to: shell, commentTarget: "TYPE \(qualified)")
                continue
            }
            let full = graph.add(
                .type, name: name, schema: schema, section: .preData, ddl: try baseTypeDDL(row, qualified: qualified),
                dependencies: [shell], key: key, commentTarget: "TYPE \(qualified)")
            // Dependencies on the type reach the shell; completeBaseTypes moves all but the functions' on.
            graph.alias(key, to: shell)
            baseTypes.append((shell: shell, full: full))
            let owner = try row.string("owner")
            addOwner(of: full, target: "TYPE \(qualified)", owner: owner)
            addACL(of: full, target: "TYPE \(qualified)", owner: owner, acl: try row.jsonRows("acl"))
        }
    }

    /// `CREATE TYPE t (…)` with every property that differs from CREATE TYPE's defaults.
    private func baseTypeDDL(_ row: CatalogRow, qualified: String) throws -> String {
        let length = try row.int("typlen")
        var options = ["INTERNALLENGTH = \(length < 0 ? "variable" : String(length))"]
        options.append("INPUT = \(try row.string("input"))")
        options.append("OUTPUT = \(try row.string("output"))")
        for (option, column) in [
            ("RECEIVE", "receive"), ("SEND", "send"), ("TYPMOD_IN", "typmodin"), ("TYPMOD_OUT", "typmodout"),
            ("ANALYZE", "analyze"), ("SUBSCRIPT", "subscript"),
        ] {
            if let function = try row.optional(column) { options.append("\(option) = \(function)") }
        }
        let category = try row.string("typcategory")
        if category != "U" { options.append("CATEGORY = \(PostgresSQL.literal(category))") }
        if try row.bool("typispreferred") { options.append("PREFERRED = true") }
        if let value = try row.optional("typdefault") { options.append("DEFAULT = \(PostgresSQL.literal(value))") }
        if let element = try row.optional("element") { options.append("ELEMENT = \(element)") }
        let delimiter = try row.string("typdelim")
        if delimiter != "," { options.append("DELIMITER = \(PostgresSQL.literal(delimiter))") }
        let alignments = ["c": "char", "s": "int2", "i": "int4", "d": "double"]
        if let alignment = alignments[try row.string("typalign")] { options.append("ALIGNMENT = \(alignment)") }
        let storages = ["p": "plain", "e": "external", "x": "extended", "m": "main"]
        if let storage = storages[try row.string("typstorage")] { options.append("STORAGE = \(storage)") }
        if try row.bool("typbyval") { options.append("PASSEDBYVALUE") }
        if try row.bool("collatable") { options.append("COLLATABLE = true") }
        return "CREATE TYPE \(qualified) (\n    \(options.joined(separator: ",\n    "))\n);\n"
    }

    /// Splits the dependencies `pg_depend` gave each base type's shell: the complete type needs what
    /// the shell was found to need (its I/O functions), and everything that uses the type except
    /// functions (which may take or return a shell) needs the complete type.
    func completeBaseTypes() {
        for (shell, full) in baseTypes {
            let needed = graph.node(shell).dependencies.subtracting([full])
            let schema = Set(needed.filter { graph.node($0).kind == .schema })
            graph.setDependencies(of: shell, to: schema)
            graph.setDependencies(of: full, to: graph.node(full).dependencies.union(needed).union([shell]))
            for index in graph.nodes.indices {
                let id = UInt32(index + 1)
                let node = graph.nodes[index]
                guard id != full, node.dependencies.contains(shell), node.kind != .function else { continue }
                graph.setDependencies(of: id, to: node.dependencies.subtracting([shell]).union([full]))
            }
        }
    }
}
