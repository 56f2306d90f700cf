import PoolKit

/// Default privileges, large objects, comments, dependencies and sequence values.
extension CatalogReader {
    func readDefaultPrivileges() async throws {
        let result = try await rows(
            """
            SELECT d.oid, pg_get_userbyid(d.defaclrole) AS role, d.defaclnamespace, d.defaclobjtype,
                   \(Self.aclJSON("d.defaclacl")) AS acl
            FROM pg_default_acl d ORDER BY d.oid
            """, what: "default privileges")
        for row in result where dumpsNonTableObjects {
            let role = try row.string("role")
            let namespace = try row.oid("defaclnamespace")
            guard let objects = ["r": "TABLES", "S": "SEQUENCES", "f": "FUNCTIONS", "T": "TYPES", "n": "SCHEMAS"][
                try row.string("defaclobjtype")]
            else { continue }
            var prefix = "ALTER DEFAULT PRIVILEGES FOR ROLE \(PostgresSQL.identifier(role))"
            var dependencies: [UInt32] = []
            var ddl = ""
            if namespace != 0 {
                guard let schema = userSchema(namespace) else { continue }
                prefix += " IN SCHEMA \(PostgresSQL.identifier(schema))"
                if let id = schemaObjects[namespace] { dependencies.append(id) }
            } else {
                // A role-wide entry replaces the built-in defaults.
                ddl += "\(prefix) REVOKE ALL ON \(objects) FROM PUBLIC;\n"
                ddl += "\(prefix) REVOKE ALL ON \(objects) FROM \(PostgresSQL.identifier(role));\n"
            }
            for item in try row.jsonRows("acl") ?? [] where item.count == 4 {
                guard let privilege = item[2] as? String else { continue }
                let option = (item[3] as? Bool) == true ? " WITH GRANT OPTION" : ""
                ddl += "\(prefix) GRANT \(privilege) ON \(objects) TO \(PostgresSQL.role(item[0] as? String))\(option);\n"
            }
            graph.add(
                .acl, name: "DEFAULT PRIVILEGES FOR \(objects)", schema: userSchema(namespace),
                section: .postData, ddl: ddl, dependencies: dependencies)
        }
    }

    func readLargeObjects() async throws {
        guard dumpsNonTableObjects else { return }
        let result = try await rows(
            """
            SELECT l.oid, pg_get_userbyid(l.lomowner) AS owner, \(Self.aclJSON("l.lomacl")) AS acl
            FROM pg_largeobject_metadata l ORDER BY l.oid
            """, what: "large objects")
        for row in result {
            let oid = try row.oid("oid")
            largeObjects.append(oid)
            let target = "LARGE OBJECT \(oid)"
            let id = graph.add(
                PostgresObjectKind.largeObject, name: String(oid), schema: nil, section: .preData,
                ddl: "SELECT pg_catalog.lo_create('\(oid)');\n", key: CatalogKey("pg_largeobject", oid),
                commentTarget: target)
            let owner = try row.string("owner")
            addOwner(of: id, target: target, owner: owner)
            addACL(of: id, target: target, owner: owner, acl: try row.jsonRows("acl"))
        }
    }

    func readComments() async throws {
        let result = try await rows(
            """
            SELECT d.classoid::regclass::text AS catalog, d.objoid, d.objsubid, d.description FROM pg_description d
            WHERE d.objoid >= 16384 OR d.classoid IN ('pg_namespace'::regclass, 'pg_largeobject'::regclass)
            ORDER BY d.classoid, d.objoid, d.objsubid
            """, what: "comments")
        for row in result {
            let comment = try row.string("description")
            appendStatement(on: CatalogKey(try row.string("catalog"), try row.oid("objoid")), column: try row.int("objsubid")) {
                "COMMENT ON \($0) IS \(PostgresSQL.literal(comment));\n"
            }
        }
    }

    /// Security labels (`SECURITY LABEL FOR provider ON … IS …`), part of their object's DDL like
    /// comments. Only a server with a label provider loaded has any; the target needs the same
    /// provider loaded.
    func readSecurityLabels() async throws {
        let result = try await rows(
            """
            SELECT l.classoid::regclass::text AS catalog, l.objoid, l.objsubid, l.provider, l.label FROM pg_seclabel l
            WHERE l.objoid >= 16384 OR l.classoid IN ('pg_namespace'::regclass, 'pg_largeobject'::regclass)
            ORDER BY l.classoid, l.objoid, l.objsubid, l.provider
            """, what: "security labels")
        for row in result {
            let provider = PostgresSQL.identifier(try row.string("provider"))
            let label = try row.string("label")
            appendStatement(on: CatalogKey(try row.string("catalog"), try row.oid("objoid")), column: try row.int("objsubid")) {
                "SECURITY LABEL FOR \(provider) ON \($0) IS \(PostgresSQL.literal(label));\n"
            }
        }
    }

    /// Appends `statement(target)` to the DDL of the object catalog row `key` belongs to, where
    /// `target` names the row (or its column `column`, when > 0) as `COMMENT ON` does.
    private func appendStatement(on key: CatalogKey, column subID: Int, _ statement: (String) -> String) {
        if subID > 0 {
            guard key.catalog == "pg_class", let object = graph.owner(of: key), let relation = relationNames[key.oid],
                let column = columns[key.oid]?.first(where: { $0.number == subID })
            else { return }
            graph.append(statement("COLUMN \(relation).\(PostgresSQL.identifier(column.name))"), to: object)
        } else if let (object, target) = graph.commentTargets[key] {
            graph.append(statement(target), to: object)
        }
    }

    /// Turns `pg_depend` into dependencies between the objects: each object after the objects
    /// whose catalog rows its own rows depend on.
    func readDependencies() async throws {
        let result = try await rows(
            """
            SELECT classid::regclass::text AS catalog, objid, refclassid::regclass::text AS refcatalog, refobjid,
                   deptype
            FROM pg_depend WHERE deptype IN ('n', 'a', 'i', 'P', 'S') AND objid >= 16384 AND refobjid >= 16384
            """, what: "dependencies")
        for row in result {
            guard let dependent = graph.owner(of: CatalogKey(try row.string("catalog"), try row.oid("objid"))),
                let referenced = graph.owner(of: CatalogKey(try row.string("refcatalog"), try row.oid("refobjid"))),
                dependent != referenced
            else { continue }
            // A sequence OWNED BY a column is created before its table; the link is an object of its own.
            if try row.string("deptype") == "a", graph.node(dependent).kind == .sequence { continue }
            graph.depend(dependent, on: referenced)
        }
    }

    /// A view in a dependency cycle (a function returning its row type that it calls) is created
    /// first as a placeholder with its columns only, and given its definition once the rest of the
    /// cycle exists (`CREATE OR REPLACE VIEW`), as pg_dump does. What depends on the view from
    /// outside the cycle waits for the definition.
    func splitViewCycles() {
        for component in graph.cycles() {
            let members = Set(component)
            for view in component {
                guard let statements = viewStatements[view] else { continue }
                let node = graph.node(view)
                let original = node.dependencies
                graph.replacePrefix(of: view, statements.create, with: statements.placeholder)
                graph.setDependencies(of: view, to: original.subtracting(members))
                let definition = graph.add(
                    PostgresObjectKind.viewDefinition, name: node.name, schema: node.schema, section: .preData,
                    ddl: statements.replace, dependencies: Array(original) + [view])
                for (position, other) in graph.nodes.enumerated() {
                    let id = UInt32(position + 1)
                    if id != definition, !members.contains(id), other.dependencies.contains(view) {
                        graph.depend(id, on: definition)
                    }
                }
            }
        }
    }

    /// Refreshes run after the refreshes of the materialized views they read.
    func linkRefreshes() {
        for (view, refresh) in refreshObjects {
            for dependency in graph.node(view).dependencies {
                if let other = refreshObjects[dependency] { graph.depend(refresh, on: other) }
            }
        }
    }

    /// Event triggers come after every other post-data object (as pg_restore creates them last), so
    /// they do not fire on the restore's own DDL.
    func eventTriggersLast() {
        let all = graph.nodes.indices.map { UInt32($0 + 1) }
        let triggers = all.filter { graph.node($0).kind == PostgresObjectKind.eventTrigger }
        guard !triggers.isEmpty else { return }
        let dependsOnTrigger = Set(all.filter { !graph.node($0).dependencies.isDisjoint(with: triggers) })
        for other in all where graph.node(other).section == .postData {
            let kind = graph.node(other).kind
            guard kind != PostgresObjectKind.eventTrigger, kind != .acl, !dependsOnTrigger.contains(other) else { continue }
            for trigger in triggers { graph.depend(trigger, on: other) }
        }
    }

    func readSequenceValues() async throws {
        var names: [(oid: UInt32, name: String, object: UInt32)] = []
        for (oid, object) in sequenceObjects.sorted(by: { $0.key < $1.key }) {
            guard let name = identityNames[oid] ?? relations[oid]?.qualified else { continue }
            names.append((oid, name, object))
        }
        var start = 0
        while start < names.count {
            let batch = names[start..<min(start + 200, names.count)]
            start += batch.count
            let sql = batch.map { "SELECT \($0.oid)::oid AS oid, last_value, is_called FROM \($0.name)" }
                .joined(separator: " UNION ALL ")
            var values: [UInt32: (String, Bool)] = [:]
            for row in try await rows(sql, what: "sequence values") {
                values[try row.oid("oid")] = (try row.string("last_value"), try row.bool("is_called"))
            }
            for sequence in batch {
                guard let (value, called) = values[sequence.oid] else { continue }
                let node = graph.node(sequence.object)
                graph.add(
                    PostgresObjectKind.sequenceSet, name: node.kind == .sequence ? node.name : sequence.name,
                    schema: node.schema, section: .data,
                    ddl: "SELECT pg_catalog.setval(\(PostgresSQL.literal(sequence.name)), \(value), \(called));\n",
                    dependencies: [sequence.object])
            }
        }
    }
}
