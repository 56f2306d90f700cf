/// The tables an object's statements lock, so that a restore creating objects side by side never
/// runs two whose locks conflict — the order of such objects is then the manifest's.
///
/// A driver that knows its engine's locking writes these into the manifest; without them a restore
/// assumes what pg_restore assumes: an index shares its table with other indexes, and any other
/// post-data object locks the tables it depends on exclusively.
public struct ArchiveObjectLocks: Codable, Sendable, Hashable {
    /// Tables (object ids) locked in a mode that conflicts with every other lock a restore takes
    /// on them — `ALTER TABLE`, `CREATE TRIGGER`, a foreign key on both of its tables.
    public var exclusive: [UInt32]
    /// Tables locked in a mode that conflicts only with exclusive locks and with rows being loaded
    /// (PostgreSQL's `CREATE INDEX` takes `SHARE`): shared lockers of one table run side by side.
    public var shared: [UInt32]

    /// Locks on `exclusive` and `shared` tables; a table in both is locked exclusively.
    public init(exclusive: [UInt32] = [], shared: [UInt32] = []) {
        self.exclusive = exclusive.sorted()
        let exclusiveSet = Set(exclusive)
        self.shared = shared.filter { !exclusiveSet.contains($0) }.sorted()
    }

    /// Every table locked, in either mode.
    public var tables: Set<UInt32> { Set(exclusive).union(shared) }

    /// Per object of `objects`: the tables among its dependencies or, when it names none, those
    /// the objects of `objects` it depends on name (a comment on an index, an index attachment) —
    /// the tables its statements touch, before a driver adds what its engine's rules reach.
    public static func tablesNamed(by objects: [ArchiveObject], isTable: (UInt32) -> Bool) -> [Set<UInt32>] {
        let positions = Dictionary(objects.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        var named: [Set<UInt32>?] = Array(repeating: nil, count: objects.count)
        func tables(_ index: Int) -> Set<UInt32> {
            if let done = named[index] { return done }
            named[index] = []  // a cycle ends here
            var found = Set(objects[index].dependencies.filter(isTable))
            if found.isEmpty {
                for dependency in objects[index].dependencies {
                    if let position = positions[dependency] { found.formUnion(tables(position)) }
                }
            }
            named[index] = found
            return found
        }
        return objects.indices.map(tables)
    }

    /// Whether an object holding these locks may run while another holds `other`.
    public func conflicts(with other: ArchiveObjectLocks) -> Bool {
        let mine = Set(exclusive)
        let theirs = Set(other.exclusive)
        return !mine.isDisjoint(with: other.tables) || !theirs.isDisjoint(with: shared)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            exclusive: try container.decodeIfPresent([UInt32].self, forKey: .exclusive) ?? [],
            shared: try container.decodeIfPresent([UInt32].self, forKey: .shared) ?? [])
    }

    /// Leaves out an empty list.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if !exclusive.isEmpty { try container.encode(exclusive, forKey: .exclusive) }
        if !shared.isEmpty { try container.encode(shared, forKey: .shared) }
    }

    private enum CodingKeys: String, CodingKey { case exclusive, shared }
}
