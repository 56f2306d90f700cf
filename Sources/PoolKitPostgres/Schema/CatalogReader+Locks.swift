import PoolKit

/// What each post-data statement locks, so that a parallel restore never runs two whose locks
/// conflict (see ``PostDataLocks`` in the engine, and docs/postgres-strategies.md).
///
/// PostgreSQL's rules, for the statements the reader writes:
/// - `CREATE INDEX … ON ONLY t` takes `SHARE` on `t`; without `ONLY` on a partitioned table it
///   takes it on every partition too. `SHARE` lockers of one table run side by side.
/// - `ALTER TABLE` (constraints, trigger and rule states, replica identity, cluster), `CREATE
///   TRIGGER`, `CREATE RULE`, `CREATE POLICY`, `CREATE STATISTICS`, `ALTER INDEX … ATTACH
///   PARTITION`, `COMMENT`, `GRANT` and `REFRESH MATERIALIZED VIEW` lock their tables in modes that
///   conflict with each other (or update the table's catalog row, which two sessions must not do
///   at once): exclusive here. Without `ONLY`, `ALTER TABLE` and `CREATE TRIGGER` reach every
///   partition and inheritance child.
/// - `ADD FOREIGN KEY` takes `SHARE ROW EXCLUSIVE` on its table and on the referenced one, and on
///   a partitioned referenced table on each of its partitions.
/// - A materialized view's refresh reads the relations its query names (`ACCESS SHARE`, which
///   conflicts with `ALTER TABLE`'s `ACCESS EXCLUSIVE`): shared here.
/// - `ALTER DOMAIN … ADD CONSTRAINT` (a domain constraint in a dependency loop, added after the
///   data) checks every table with a column of the domain (`SHARE`): shared on each.
extension CatalogReader {
    /// Reads which relation inherits from which (partitions and inheritance children).
    func readInheritance() async throws {
        let result = try await rows(
            "SELECT i.inhrelid, i.inhparent FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relkind IN ('r', 'p', 'f')",
            what: "table inheritance")
        for row in result {
            let child = try row.oid("inhrelid")
            let parent = try row.oid("inhparent")
            guard relations[child] != nil, relations[parent] != nil else { continue }
            inheritors[parent, default: []].append(child)
        }
    }

    /// A partition's (or inheritance child's) constraints and triggers come after those of its
    /// ancestors that reach it: a parent's `ALTER TABLE … DISABLE TRIGGER` reaches its partitions
    /// and must not undo what a partition's own statement set, and a partitioned table's foreign key
    /// must exist before a partition's own one, or it would adopt it instead of cloning (as in the
    /// source). Statements with `ONLY` (primary keys, a partition's index) reach no partition and
    /// keep their independence.
    func orderParentStatementsFirst() {
        var relationOfObject: [UInt32: UInt32] = [:]
        for relation in relations.values { relationOfObject[relation.objectID] = relation.oid }
        var parents: [UInt32: [UInt32]] = [:]
        for (parent, children) in inheritors {
            for child in children { parents[child, default: []].append(parent) }
        }
        // Post-data constraints and triggers by relation and kind; `reaching`: those that reach
        // the relation's inheritors.
        var statements: [UInt32: [ArchiveObject.Kind: [UInt32]]] = [:]
        var reaching: [UInt32: [ArchiveObject.Kind: [UInt32]]] = [:]
        for (position, node) in graph.nodes.enumerated() where node.section == .postData {
            guard node.kind == .constraint || node.kind == .trigger else { continue }
            let reaches = Self.reachesInheritors(node.ddl)
            for dependency in node.dependencies {
                guard let relation = relationOfObject[dependency] else { continue }
                statements[relation, default: [:]][node.kind, default: []].append(UInt32(position + 1))
                if reaches { reaching[relation, default: [:]][node.kind, default: []].append(UInt32(position + 1)) }
            }
        }
        let cyclesBefore = graph.cycles().count
        var added: [(UInt32, UInt32)] = []
        for (relation, byKind) in statements where parents[relation] != nil {
            let ancestors = Self.reachable(from: relation, through: parents)
            for (kind, own) in byKind {
                let earlier = ancestors.flatMap { reaching[$0]?[kind] ?? [] }
                for object in own {
                    for parentStatement in earlier where parentStatement != object
                        && !graph.node(object).dependencies.contains(parentStatement)
                    {
                        graph.depend(object, on: parentStatement)
                        added.append((object, parentStatement))
                    }
                }
            }
        }
        // Never at the price of a cycle: a dependency the catalogs impose the other way wins.
        guard !added.isEmpty, graph.cycles().count > cyclesBefore else { return }
        let inCycles = Set(graph.cycles().flatMap { $0 })
        for (object, parentStatement) in added where inCycles.contains(object) && inCycles.contains(parentStatement) {
            graph.setDependencies(of: object, to: graph.node(object).dependencies.subtracting([parentStatement]))
        }
    }

    /// The archive objects with the tables their statements lock (post-data objects only).
    func withLocks(_ objects: [ArchiveObject], newIDs: [UInt32]) -> [ArchiveObject] {
        var relationOfObject: [UInt32: UInt32] = [:]
        var objectOfRelation: [UInt32: UInt32] = [:]
        for relation in relations.values {
            let id = newIDs[Int(relation.objectID) - 1]
            relationOfObject[id] = relation.oid
            objectOfRelation[relation.oid] = id
        }
        /// Relations a view or materialized view reads, through the views it reads.
        func relationsRead(by id: UInt32, positions: [UInt32: Int]) -> Set<UInt32> {
            var found = Set<UInt32>()
            var pending = [id]
            while let next = pending.popLast() {
                guard let position = positions[next] else { continue }
                for dependency in objects[position].dependencies where relationOfObject[dependency] != nil {
                    if found.insert(dependency).inserted { pending.append(dependency) }
                }
            }
            return found
        }
        let positions = Dictionary(objects.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        // The relations that depend on each object (a table on the domains of its columns).
        var users: [UInt32: Set<UInt32>] = [:]
        for object in objects where relationOfObject[object.id] != nil {
            for dependency in object.dependencies { users[dependency, default: []].insert(object.id) }
        }
        let postData = objects.indices.filter { objects[$0].section == .postData }
        let named = ArchiveObjectLocks.tablesNamed(by: postData.map { objects[$0] }, isTable: { relationOfObject[$0] != nil })
        var result = objects
        for (index, position) in postData.enumerated() {
            let object = objects[position]
            let ddl = object.ddl ?? ""
            var tables = named[index]
            var shared = Set<UInt32>()
            if ddl.hasPrefix("ALTER DOMAIN ") {
                // A domain's constraint added after the data checks every column of the domain:
                // SHARE on each table that has one.
                for dependency in object.dependencies { shared.formUnion(users[dependency] ?? []) }
            }
            if object.kind == PostgresObjectKind.materializedViewData {
                for dependency in object.dependencies where relationOfObject[dependency] != nil {
                    shared.formUnion(relationsRead(by: dependency, positions: positions))
                }
            }
            if Self.reachesInheritors(ddl) {
                for table in tables {
                    guard let oid = relationOfObject[table] else { continue }
                    tables.formUnion(Self.reachable(from: oid, through: inheritors).compactMap { objectOfRelation[$0] })
                }
            }
            result[position].locks =
                object.kind == .index
                ? ArchiveObjectLocks(shared: Array(tables)) : ArchiveObjectLocks(exclusive: Array(tables), shared: Array(shared))
        }
        return result
    }

    /// Whether any of the statements reaches partitions and inheritance children of the tables it
    /// names: `ALTER TABLE` without `ONLY`, `CREATE TRIGGER`, `CREATE INDEX` without `ON ONLY`, a
    /// foreign key (which locks the partitions of the table it references).
    static func reachesInheritors(_ ddl: String) -> Bool {
        if ddl.contains("FOREIGN KEY") { return true }
        for line in ddl.split(separator: "\n") {
            if line.hasPrefix("ALTER TABLE "), !line.hasPrefix("ALTER TABLE ONLY ") { return true }
            if line.hasPrefix("CREATE TRIGGER ") || line.hasPrefix("CREATE CONSTRAINT TRIGGER ") { return true }
            if line.hasPrefix("CREATE INDEX ") || line.hasPrefix("CREATE UNIQUE INDEX ") {
                if !line.contains(" ON ONLY ") { return true }
            }
        }
        return false
    }

    /// Every relation reached from `start` by following `links` (children or parents), once each.
    private static func reachable(from start: UInt32, through links: [UInt32: [UInt32]]) -> [UInt32] {
        var found: [UInt32] = []
        var pending = links[start] ?? []
        var seen = Set<UInt32>()
        while let next = pending.popLast() {
            guard seen.insert(next).inserted else { continue }
            found.append(next)
            pending += links[next] ?? []
        }
        return found
    }
}
