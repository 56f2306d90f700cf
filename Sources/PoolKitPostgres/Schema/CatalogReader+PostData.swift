import PoolKit

/// Constraints, indexes, triggers, rules, policies, extended statistics and event triggers.
extension CatalogReader {
    /// Constraints of dumped tables: valid CHECK constraints are part of `CREATE TABLE` unless they
    /// are in a dependency loop (``separateConstraints``); the others are post-data objects. Inherited ones (and foreign keys cloned to partitions) come with
    /// their parent's.
    private func addConstraints() {
        for relation in relations.values.sorted(by: { $0.oid < $1.oid }) where relation.kind == "r" || relation.kind == "p" {
            for constraint in tableConstraints[relation.oid] ?? [] {
                let key = CatalogKey("pg_constraint", constraint.oid)
                let name = PostgresSQL.identifier(constraint.name)
                let commentTarget = "CONSTRAINT \(name) ON \(relation.qualified)"
                var ddl: String
                switch constraint.type {
                case "c":
                    if constraint.validated && !separateConstraints.contains(constraint.oid) {
                        if constraint.isLocal || relation.isPartition {
                            graph.alias(key, to: relation.objectID, commentTarget: commentTarget)
                        }
                        continue
                    }
                    guard constraint.isLocal else { continue }
                    ddl = "ALTER TABLE \(relation.qualified) ADD CONSTRAINT \(name) \(constraint.definition);\n"
                case "p", "u", "x":
                    ddl = "ALTER TABLE ONLY \(relation.qualified) ADD CONSTRAINT \(name) \(constraint.definition);\n"
                case "f":
                    guard constraint.parent == 0 else { continue }
                    let only = relation.kind == "p" ? "" : "ONLY "
                    ddl = "ALTER TABLE \(only)\(relation.qualified) ADD CONSTRAINT \(name) \(constraint.definition);\n"
                default:
                    continue
                }
                let id = graph.add(
                    .constraint, name: constraint.name, schema: relation.schema, section: .postData, ddl: ddl,
                    dependencies: [relation.objectID], key: key, commentTarget: commentTarget)
                if constraint.index != 0, constraint.type != "f" {
                    graph.alias(CatalogKey("pg_class", constraint.index), to: id)
                    indexObjects[constraint.index] = (id, relation.schema, "")
                    if let keyword = Self.keyBuiltFromIndex(constraint, on: relation) {
                        keyIndexes[constraint.index] = (id, keyword, ddl)
                    }
                }
            }
        }
    }

    /// `PRIMARY KEY` or `UNIQUE` when the constraint's index can be built on its own and then made
    /// the key (`ADD CONSTRAINT … USING INDEX`): a plain table's key, not deferrable (its index would
    /// be immediate), in the default tablespace. Nil otherwise: the constraint builds its index.
    static func keyBuiltFromIndex(_ constraint: Constraint, on relation: Relation) -> String? {
        guard relation.kind == "r", !constraint.definition.contains("DEFERRABLE"),
            !constraint.definition.contains("USING INDEX TABLESPACE")
        else { return nil }
        switch constraint.type {
        case "p": return "PRIMARY KEY"
        case "u": return "UNIQUE"
        default: return nil
        }
    }

    func readIndexes() async throws {
        addConstraints()
        let result = try await rows(
            """
            SELECT i.indexrelid, i.indrelid, ic.relname, ic.relnamespace, pg_get_indexdef(i.indexrelid) AS def,
                   i.indisclustered, i.indisreplident, i.indisvalid, t.relkind AS tablekind,
                   (SELECT h.inhparent FROM pg_inherits h WHERE h.inhrelid = i.indexrelid) AS parentindex,
                   (SELECT json_agg(json_build_array(a.attnum, a.attstattarget) ORDER BY a.attnum) FROM pg_attribute a
                        WHERE a.attrelid = i.indexrelid AND a.attstattarget >= 0) AS stats
            FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
            WHERE i.indrelid >= 16384 ORDER BY ic.relname, i.indexrelid
            """, what: "indexes")
        var attachments: [(child: UInt32, parent: UInt32)] = []
        var usages: [(index: UInt32, relation: Relation, clustered: Bool, replicaIdentity: Bool)] = []
        for row in result {
            let oid = try row.oid("indexrelid")
            guard let relation = relations[try row.oid("indrelid")], let schema = userSchema(try row.oid("relnamespace"))
            else { continue }
            let name = try row.string("relname")
            let qualified = PostgresSQL.qualified(schema, name)
            let id: UInt32
            if let existing = indexObjects[oid] {
                // The index of a primary key, unique or exclusion constraint.
                id = existing.object
                graph.alias(CatalogKey("pg_class", oid), to: id, commentTarget: "INDEX \(qualified)")
                if let key = keyIndexes[oid] {
                    // Built first as a plain unique index (SHARE: beside the table's other index
                    // builds), then made the key (a brief ACCESS EXCLUSIVE), as two objects.
                    let index = graph.add(
                        .index, name: name, schema: schema, section: .postData, ddl: try row.string("def") + ";\n",
                        dependencies: [relation.objectID])
                    keyIndexBuilds[oid] = index
                    graph.replacePrefix(
                        of: id, key.ddl,
                        with:
                            "ALTER TABLE ONLY \(relation.qualified) ADD CONSTRAINT \(PostgresSQL.identifier(graph.node(id).name)) \(key.keyword) USING INDEX \(PostgresSQL.identifier(name));\n"
                    )
                    graph.depend(id, on: index)
                }
            } else {
                guard try row.bool("indisvalid") || row.string("tablekind") == "p" else {
                    omitted.append(ArchiveOmission(
                        kind: .index, schema: schema, name: name,
                        reason: "it is invalid (left by a CREATE INDEX CONCURRENTLY that failed); rebuild it with REINDEX, or drop it (pg_dump leaves it out too)"))
                    continue
                }
                id = graph.add(
                    .index, name: name, schema: schema, section: .postData,
                    ddl: try row.string("def") + ";\n", dependencies: [relation.objectID],
                    key: CatalogKey("pg_class", oid), commentTarget: "INDEX \(qualified)")
            }
            indexObjects[oid] = (id, schema, name)
            for item in try row.jsonRows("stats") ?? [] where item.count == 2 {
                guard let number = item[0] as? Int, let target = item[1] as? Int else { continue }
                graph.append("ALTER INDEX \(qualified) ALTER COLUMN \(number) SET STATISTICS \(target);\n", to: id)
            }
            if let parent = try row.optional("parentindex").flatMap({ UInt32($0) }) {
                attachments.append((oid, parent))
            }
            let clustered = try row.bool("indisclustered")
            let replica = try row.bool("indisreplident")
            if clustered || replica { usages.append((oid, relation, clustered, replica)) }
        }
        for (child, parent) in attachments {
            guard let childIndex = indexObjects[child], let parentIndex = indexObjects[parent] else { continue }
            let id = graph.add(
                PostgresObjectKind.indexAttach, name: childIndex.name, schema: childIndex.schema, section: .postData,
                ddl:
                    "ALTER INDEX \(PostgresSQL.qualified(parentIndex.schema, parentIndex.name)) ATTACH PARTITION \(PostgresSQL.qualified(childIndex.schema, childIndex.name));\n",
                dependencies: [childIndex.object, parentIndex.object])
            indexAttachments[parent, default: []].append((id, child))
        }
        for usage in usages {
            guard let index = indexObjects[usage.index] else { continue }
            var ddl = ""
            if usage.clustered { ddl += "ALTER TABLE \(usage.relation.qualified) CLUSTER ON \(PostgresSQL.identifier(index.name));\n" }
            if usage.replicaIdentity {
                ddl += "ALTER TABLE ONLY \(usage.relation.qualified) REPLICA IDENTITY USING INDEX \(PostgresSQL.identifier(index.name));\n"
            }
            graph.add(
                PostgresObjectKind.indexUsage, name: index.name, schema: index.schema, section: .postData, ddl: ddl,
                dependencies: [index.object, usage.relation.objectID])
        }
    }

    /// A partitioned index is valid (and a foreign key can reference its key) only once an index
    /// of every partition is attached: what depends on it comes after all its attachments.
    func completePartitionedIndexes() {
        func subtree(_ index: UInt32) -> (attachments: [UInt32], indexes: [UInt32]) {
            var attachments: [UInt32] = []
            var indexes: [UInt32] = []
            for (attachment, child) in indexAttachments[index] ?? [] {
                attachments.append(attachment)
                if let object = indexObjects[child]?.object { indexes.append(object) }
                let below = subtree(child)
                attachments += below.attachments
                indexes += below.indexes
            }
            return (attachments, indexes)
        }
        let partitioned = Set(indexAttachments.keys.compactMap { indexObjects[$0]?.object })
        guard !partitioned.isEmpty else { return }
        var dependents: [UInt32: [UInt32]] = [:]
        for (position, node) in graph.nodes.enumerated() {
            for dependency in node.dependencies where partitioned.contains(dependency) {
                dependents[dependency, default: []].append(UInt32(position + 1))
            }
        }
        for index in indexAttachments.keys {
            guard let object = indexObjects[index]?.object else { continue }
            let (attachments, indexes) = subtree(index)
            let inside = Set(attachments + indexes + [object])
            for dependent in dependents[object] ?? [] where !inside.contains(dependent) {
                for attachment in attachments { graph.depend(dependent, on: attachment) }
            }
        }
    }

    func readTriggers() async throws {
        let result = try await rows(
            """
            SELECT t.oid, t.tgrelid, t.tgname, pg_get_triggerdef(t.oid, false) AS def, t.tgenabled, t.tgconstraint
            FROM pg_trigger t WHERE t.tgrelid >= 16384 AND NOT t.tgisinternal AND t.tgparentid = 0
            ORDER BY t.tgname, t.oid
            """, what: "triggers")
        for row in result {
            guard let relation = relations[try row.oid("tgrelid")] else { continue }
            let oid = try row.oid("oid")
            let name = try row.string("tgname")
            let quoted = PostgresSQL.identifier(name)
            var ddl = try row.string("def") + ";\n"
            switch try row.string("tgenabled") {
            case "D": ddl += "ALTER TABLE \(relation.qualified) DISABLE TRIGGER \(quoted);\n"
            case "R": ddl += "ALTER TABLE \(relation.qualified) ENABLE REPLICA TRIGGER \(quoted);\n"
            case "A": ddl += "ALTER TABLE \(relation.qualified) ENABLE ALWAYS TRIGGER \(quoted);\n"
            default: break
            }
            let id = graph.add(
                .trigger, name: name, schema: relation.schema, section: .postData, ddl: ddl,
                dependencies: [relation.objectID], key: CatalogKey("pg_trigger", oid),
                commentTarget: "TRIGGER \(quoted) ON \(relation.qualified)")
            let constraint = try row.oid("tgconstraint")
            if constraint != 0 { graph.alias(CatalogKey("pg_constraint", constraint), to: id) }
        }
        try await readPartitionTriggers()
    }

    /// Triggers cloned to partitions belong to their parent's object; a clone enabled differently
    /// from its parent gets an `ALTER TABLE … ENABLE/DISABLE TRIGGER` of its own.
    private func readPartitionTriggers() async throws {
        let result = try await rows(
            """
            SELECT t.oid, t.tgrelid, t.tgname, t.tgparentid, t.tgenabled, t.tgenabled <> p.tgenabled AS differs
            FROM pg_trigger t JOIN pg_trigger p ON p.oid = t.tgparentid
            WHERE t.tgrelid >= 16384 AND t.tgparentid <> 0 ORDER BY t.tgname, t.oid
            """, what: "partition triggers")
        var clones: [(oid: UInt32, parent: UInt32)] = []
        var changed: [(oid: UInt32, relation: UInt32, name: String, enabled: String)] = []
        for row in result {
            let oid = try row.oid("oid")
            clones.append((oid, try row.oid("tgparentid")))
            if try row.bool("differs") {
                changed.append((oid, try row.oid("tgrelid"), try row.string("tgname"), try row.string("tgenabled")))
            }
        }
        // Parents before children: repeat until no clone gains an owner.
        var grew = true
        while grew {
            grew = false
            for clone in clones where graph.owner(of: CatalogKey("pg_trigger", clone.oid)) == nil {
                if let owner = graph.owner(of: CatalogKey("pg_trigger", clone.parent)) {
                    graph.alias(CatalogKey("pg_trigger", clone.oid), to: owner)
                    grew = true
                }
            }
        }
        for trigger in changed {
            guard let relation = relations[trigger.relation],
                let parent = graph.owner(of: CatalogKey("pg_trigger", trigger.oid))
            else { continue }
            let action = ["D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"][trigger.enabled] ?? "ENABLE"
            graph.add(
                .trigger, name: trigger.name, schema: relation.schema, section: .postData,
                ddl: "ALTER TABLE \(relation.qualified) \(action) TRIGGER \(PostgresSQL.identifier(trigger.name));\n",
                dependencies: [parent, relation.objectID])
        }
    }

    func readRules() async throws {
        let result = try await rows(
            """
            SELECT r.oid, r.ev_class, r.rulename, r.ev_enabled,
                   CASE WHEN r.rulename <> '_RETURN' THEN pg_get_ruledef(r.oid) END AS def
            FROM pg_rewrite r WHERE r.ev_class >= 16384 ORDER BY r.rulename, r.oid
            """, what: "rules")
        for row in result {
            guard let relation = relations[try row.oid("ev_class")] else { continue }
            let oid = try row.oid("oid")
            guard let definition = try row.optional("def") else {
                graph.alias(CatalogKey("pg_rewrite", oid), to: relation.objectID)
                continue
            }
            let name = try row.string("rulename")
            let quoted = PostgresSQL.identifier(name)
            var ddl = definition.trimmingTrailingNewlines()
            if !ddl.hasSuffix(";") { ddl += ";" }
            ddl += "\n"
            switch try row.string("ev_enabled") {
            case "D": ddl += "ALTER TABLE \(relation.qualified) DISABLE RULE \(quoted);\n"
            case "R": ddl += "ALTER TABLE \(relation.qualified) ENABLE REPLICA RULE \(quoted);\n"
            case "A": ddl += "ALTER TABLE \(relation.qualified) ENABLE ALWAYS RULE \(quoted);\n"
            default: break
            }
            graph.add(
                PostgresObjectKind.rule, name: name, schema: relation.schema, section: .postData, ddl: ddl,
                dependencies: [relation.objectID], key: CatalogKey("pg_rewrite", oid),
                commentTarget: "RULE \(quoted) ON \(relation.qualified)")
        }
    }

    func readPolicies() async throws {
        let result = try await rows(
            """
            SELECT p.oid, p.polrelid, p.polname, p.polcmd, p.polpermissive,
                   (SELECT json_agg(CASE WHEN r.role = 0 THEN NULL ELSE pg_get_userbyid(r.role) END ORDER BY r.ord)
                        FROM unnest(p.polroles) WITH ORDINALITY AS r(role, ord)) AS roles,
                   pg_get_expr(p.polqual, p.polrelid) AS qual, pg_get_expr(p.polwithcheck, p.polrelid) AS withcheck
            FROM pg_policy p WHERE p.polrelid >= 16384 ORDER BY p.polname, p.oid
            """, what: "policies")
        for row in result {
            guard let relation = relations[try row.oid("polrelid")] else { continue }
            let name = try row.string("polname")
            let quoted = PostgresSQL.identifier(name)
            var ddl = "CREATE POLICY \(quoted) ON \(relation.qualified)"
            if !(try row.bool("polpermissive")) { ddl += " AS RESTRICTIVE" }
            let command = ["r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE"][try row.string("polcmd")] ?? "ALL"
            ddl += " FOR \(command)"
            let roles = (try row.stringArray("roles") ?? [nil]).map(PostgresSQL.role)
            ddl += " TO \(roles.joined(separator: ", "))"
            if let qual = try row.optional("qual") { ddl += " USING (\(qual))" }
            if let check = try row.optional("withcheck") { ddl += " WITH CHECK (\(check))" }
            graph.add(
                PostgresObjectKind.policy, name: name, schema: relation.schema, section: .postData, ddl: ddl + ";\n",
                dependencies: [relation.objectID], key: CatalogKey("pg_policy", try row.oid("oid")),
                commentTarget: "POLICY \(quoted) ON \(relation.qualified)")
        }
    }

    func readStatistics() async throws {
        let result = try await rows(
            """
            SELECT s.oid, s.stxrelid, s.stxnamespace, s.stxname, pg_get_statisticsobjdef(s.oid) AS def,
                   COALESCE(s.stxstattarget, -1) AS stxstattarget, pg_get_userbyid(s.stxowner) AS owner
            FROM pg_statistic_ext s WHERE s.oid >= 16384 ORDER BY s.oid
            """, what: "extended statistics")
        for row in result {
            guard let relation = relations[try row.oid("stxrelid")], let schema = userSchema(try row.oid("stxnamespace"))
            else { continue }
            let name = try row.string("stxname")
            let qualified = PostgresSQL.qualified(schema, name)
            var ddl = try row.string("def") + ";\n"
            let target = try row.int("stxstattarget")
            if target >= 0 { ddl += "ALTER STATISTICS \(qualified) SET STATISTICS \(target);\n" }
            let id = graph.add(
                PostgresObjectKind.statistics, name: name, schema: schema, section: .postData, ddl: ddl,
                dependencies: [relation.objectID], key: CatalogKey("pg_statistic_ext", try row.oid("oid")),
                commentTarget: "STATISTICS \(qualified)")
            addOwner(of: id, target: "STATISTICS \(qualified)", owner: try row.string("owner"))
        }
    }

    func readEventTriggers() async throws {
        let result = try await rows(
            """
            SELECT e.oid, e.evtname, e.evtevent, pg_get_userbyid(e.evtowner) AS owner, e.evtfoid::regproc::text AS func,
                   e.evtenabled, array_to_json(e.evttags) AS tags
            FROM pg_event_trigger e ORDER BY e.evtname
            """, what: "event triggers")
        for row in result where dumpsNonTableObjects {
            let oid = try row.oid("oid")
            guard !isExtensionMember("pg_event_trigger", oid) else { continue }
            let name = try row.string("evtname")
            let quoted = PostgresSQL.identifier(name)
            var ddl = "CREATE EVENT TRIGGER \(quoted) ON \(PostgresSQL.identifier(try row.string("evtevent")))"
            if let tags = try row.stringArray("tags"), !tags.isEmpty {
                ddl += "\n  WHEN TAG IN (\(tags.compactMap { $0 }.map(PostgresSQL.literal).joined(separator: ", ")))"
            }
            ddl += "\n  EXECUTE FUNCTION \(try row.string("func"))();\n"
            switch try row.string("evtenabled") {
            case "D": ddl += "ALTER EVENT TRIGGER \(quoted) DISABLE;\n"
            case "R": ddl += "ALTER EVENT TRIGGER \(quoted) ENABLE REPLICA;\n"
            case "A": ddl += "ALTER EVENT TRIGGER \(quoted) ENABLE ALWAYS;\n"
            default: break
            }
            let id = graph.add(
                PostgresObjectKind.eventTrigger, name: name, schema: nil, section: .postData, ddl: ddl,
                key: CatalogKey("pg_event_trigger", oid), commentTarget: "EVENT TRIGGER \(quoted)")
            addOwner(of: id, target: "EVENT TRIGGER \(quoted)", owner: try row.string("owner"))
        }
    }
}
