import PoolKit

/// A catalog row's identity: the catalog it lives in (`pg_class`, `pg_proc`, …) and its OID, as
/// `pg_depend` and `pg_description` name objects.
struct CatalogKey: Hashable {
    let catalog: String
    let oid: UInt32

    init(_ catalog: String, _ oid: UInt32) {
        self.catalog = catalog
        self.oid = oid
    }
}

/// The objects of a schema while they are read: what each one is, which catalog rows belong to
/// it (for `pg_depend` and comments), and what it depends on. ``ordered()`` turns them into
/// archive objects in an order where each comes after its dependencies.
final class SchemaGraph {
    struct Node {
        var kind: ArchiveObject.Kind
        var name: String
        var schema: String?
        var section: ArchiveSection
        var ddl: String
        var dependencies: Set<UInt32>
    }

    /// Nodes by id − 1.
    private(set) var nodes: [Node] = []
    /// The object each catalog row belongs to (its own, or the table a column default is part of).
    private(set) var owners: [CatalogKey: UInt32] = [:]
    /// How `COMMENT ON` names the catalog row, and the object whose DDL carries the comment.
    private(set) var commentTargets: [CatalogKey: (object: UInt32, target: String)] = [:]

    /// Adds an object and returns its id.
    @discardableResult
    func add(
        _ kind: ArchiveObject.Kind, name: String, schema: String?, section: ArchiveSection, ddl: String,
        dependencies: [UInt32] = [], key: CatalogKey? = nil, commentTarget: String? = nil
    ) -> UInt32 {
        nodes.append(
            Node(kind: kind, name: name, schema: schema, section: section, ddl: ddl, dependencies: Set(dependencies)))
        let id = UInt32(nodes.count)
        if let key {
            owners[key] = id
            if let commentTarget { commentTargets[key] = (id, commentTarget) }
        }
        return id
    }

    /// Records that catalog row `key` belongs to object `id` (e.g. a view's rewrite rule, a column
    /// default, an extension's member); `commentTarget` names it for `COMMENT ON`.
    func alias(_ key: CatalogKey, to id: UInt32, commentTarget: String? = nil) {
        owners[key] = id
        if let commentTarget { commentTargets[key] = (id, commentTarget) }
    }

    /// The object catalog row `key` belongs to, if it is part of the schema.
    func owner(of key: CatalogKey) -> UInt32? { owners[key] }

    /// Appends statements to an object's DDL.
    func append(_ statements: String, to id: UInt32) {
        nodes[Int(id) - 1].ddl += statements
    }

    func depend(_ id: UInt32, on other: UInt32) {
        guard id != other else { return }
        nodes[Int(id) - 1].dependencies.insert(other)
    }

    func node(_ id: UInt32) -> Node { nodes[Int(id) - 1] }

    /// Replaces the start of an object's DDL, `prefix`, by `replacement`.
    func replacePrefix(of id: UInt32, _ prefix: String, with replacement: String) {
        let ddl = nodes[Int(id) - 1].ddl
        guard ddl.hasPrefix(prefix) else { return }
        nodes[Int(id) - 1].ddl = replacement + ddl.dropFirst(prefix.count)
    }

    /// Replaces an object's DDL by `transform` of it.
    func rewrite(_ id: UInt32, _ transform: (String) -> String) {
        nodes[Int(id) - 1].ddl = transform(nodes[Int(id) - 1].ddl)
    }

    func setDependencies(of id: UInt32, to dependencies: Set<UInt32>) {
        nodes[Int(id) - 1].dependencies = dependencies
    }

    /// The dependency cycles: strongly connected components of more than one object (Tarjan's
    /// algorithm, without recursion).
    func cycles() -> [[UInt32]] {
        let count = nodes.count
        let edges: [[Int]] = nodes.map { node in
            node.dependencies.map { Int($0) - 1 }.filter { $0 >= 0 && $0 < count }
        }
        var order = [Int](repeating: -1, count: count)
        var low = [Int](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var stack: [Int] = []
        var counter = 0
        var components: [[UInt32]] = []
        func visit(_ node: Int) {
            order[node] = counter
            low[node] = counter
            counter += 1
            stack.append(node)
            onStack[node] = true
        }
        for start in 0..<count where order[start] == -1 {
            visit(start)
            var work: [(node: Int, edge: Int)] = [(start, 0)]
            while let (node, edge) = work.last {
                if edge < edges[node].count {
                    work[work.count - 1].edge += 1
                    let next = edges[node][edge]
                    if order[next] == -1 {
                        visit(next)
                        work.append((next, 0))
                    } else if onStack[next] {
                        low[node] = min(low[node], order[next])
                    }
                    continue
                }
                work.removeLast()
                if let parent = work.last?.node { low[parent] = min(low[parent], low[node]) }
                if low[node] == order[node] {
                    var component: [UInt32] = []
                    while let member = stack.popLast() {
                        onStack[member] = false
                        component.append(UInt32(member + 1))
                        if member == node { break }
                    }
                    if component.count > 1 { components.append(component.sorted()) }
                }
            }
        }
        return components
    }

    /// The objects in an order where each comes after what it depends on and sections follow
    /// each other (pre-data, data, post-data); ids renumbered 1… in that order.
    ///
    /// A pre-data object that needs a post-data one (a view grouping by a primary key) moves to
    /// post-data, as pg_dump moves it. Dependency cycles that are left (the reader reports them,
    /// see ``cycles()``, and a backup leaves their objects out) are broken at the object that would
    /// come first anyway, so that the order is still total.
    /// `newIDs[id - 1]` is the new id of the object ``add`` returned `id` for.
    func ordered() -> (objects: [ArchiveObject], newIDs: [UInt32]) {
        let count = nodes.count
        var dependents = [[Int]](repeating: [], count: count)
        var waiting = [Int](repeating: 0, count: count)
        for (index, node) in nodes.enumerated() {
            for dependency in node.dependencies where dependency >= 1 && Int(dependency) <= count {
                dependents[Int(dependency) - 1].append(index)
                waiting[index] += 1
            }
        }
        func key(_ index: Int) -> SortKey {
            SortKey(section: Self.rank(nodes[index].section), kind: Self.rank(nodes[index].kind), index: index)
        }
        var ready = MinHeap<SortKey>()
        for index in 0..<count where waiting[index] == 0 { ready.push(key(index)) }
        var emitted = [Bool](repeating: false, count: count)
        var order: [Int] = []
        order.reserveCapacity(count)
        while order.count < count {
            let next: Int
            if let top = ready.pop() {
                next = top.index
            } else {
                // A cycle: take the first object by rank among those left.
                next = (0..<count).filter { !emitted[$0] }.min { key($0) < key($1) }!
            }
            if emitted[next] { continue }
            emitted[next] = true
            order.append(next)
            for dependent in dependents[next] where !emitted[dependent] {
                waiting[dependent] -= 1
                if waiting[dependent] == 0 { ready.push(key(dependent)) }
            }
        }
        // Lift an object to the latest section among what it needs.
        var sections = nodes.map(\.section)
        for index in order {
            let latest = nodes[index].dependencies.compactMap { dependency -> ArchiveSection? in
                Int(dependency) <= count ? sections[Int(dependency) - 1] : nil
            }.max { Self.rank($0) < Self.rank($1) }
            if let latest, Self.rank(latest) > Self.rank(sections[index]), nodes[index].kind != .table {
                sections[index] = latest
            }
        }
        // Sections in order; the topological order within each (a stable sort keeps it valid,
        // since nothing needs an object of a later section any more).
        let final = order.enumerated().sorted {
            (Self.rank(sections[$0.element]), $0.offset) < (Self.rank(sections[$1.element]), $1.offset)
        }.map(\.element)
        var newID = [UInt32](repeating: 0, count: count)
        for (position, index) in final.enumerated() { newID[index] = UInt32(position + 1) }
        let objects = final.map { index in
            let node = nodes[index]
            return ArchiveObject(
                id: newID[index], kind: node.kind, name: node.name, schema: node.schema, section: sections[index],
                dependencies: node.dependencies.filter { Int($0) <= count }.map { newID[Int($0) - 1] }.sorted(),
                ddl: node.ddl)
        }
        return (objects, newID)
    }

    private struct SortKey: Comparable {
        let section: Int
        let kind: Int
        let index: Int
        static func < (lhs: SortKey, rhs: SortKey) -> Bool {
            (lhs.section, lhs.kind, lhs.index) < (rhs.section, rhs.kind, rhs.index)
        }
    }

    private static func rank(_ section: ArchiveSection) -> Int {
        switch section {
        case .preData: 0
        case .data: 1
        case .postData: 2
        }
    }

    /// Creation priority among objects that are ready at once (pg_dump's order of kinds).
    private static let kindRanks: [ArchiveObject.Kind: Int] = [
        .schema: 1, .extension: 2, PostgresObjectKind.collation: 3, .type: 4, .function: 5,
        PostgresObjectKind.aggregate: 6, PostgresObjectKind.operator: 7, PostgresObjectKind.cast: 8, PostgresObjectKind.operatorClass: 8, PostgresObjectKind.conversion: 8, PostgresObjectKind.textSearch: 8,
        PostgresObjectKind.foreignDataWrapper: 8, PostgresObjectKind.foreignServer: 8,
        PostgresObjectKind.userMapping: 8, .sequence: 9, PostgresObjectKind.foreignTable: 10,
        .table: 10, PostgresObjectKind.tableAttach: 11, PostgresObjectKind.columnDefault: 11, PostgresObjectKind.sequenceOwnedBy: 12, .view: 13,
        .materializedView: 14, PostgresObjectKind.viewDefinition: 14, PostgresObjectKind.sequenceSet: 20, PostgresObjectKind.largeObject: 15, .index: 30,
        .constraint: 31, PostgresObjectKind.indexAttach: 32, PostgresObjectKind.indexUsage: 33,
        PostgresObjectKind.rule: 34, .trigger: 35, PostgresObjectKind.policy: 36, PostgresObjectKind.rowSecurity: 37,
        PostgresObjectKind.statistics: 38, PostgresObjectKind.materializedViewData: 39,
        PostgresObjectKind.eventTrigger: 40, PostgresObjectKind.publication: 41,
        PostgresObjectKind.publicationTable: 42, .owner: 50, .acl: 60,
    ]

    private static func rank(_ kind: ArchiveObject.Kind) -> Int { kindRanks[kind] ?? 45 }
}

/// A binary min-heap.
struct MinHeap<Element: Comparable> {
    private var items: [Element] = []

    mutating func push(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, items[left] < items[smallest] { smallest = left }
            if right < items.count, items[right] < items[smallest] { smallest = right }
            if smallest == parent { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
