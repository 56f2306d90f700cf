import PoolKit

/// The foreign keys and indexes a PostgreSQL schema defines on partitions rather than on their
/// partitioned table (Pagila's `payment` partitions each have their own), for a target that keeps
/// the partitioned table's rows in one table: a foreign key or a plain non-unique index that every
/// partition of the tree has alike belongs on that table; any other is one partition's own and is
/// not carried. A unique index of each partition is not a unique index of the whole table.
struct PostgresPartitionObjects {
    private struct Found {
        var leaves: Set<UInt32> = []
        var definitions: [(name: String, ddl: String)] = []
        var columns: [(name: String, descending: Bool)] = []
    }

    private var foreignKeys: [UInt32: [PortableForeignKey: Found]] = [:]
    /// Per partitioned table, per index shape (`a`, `b DESC`).
    private var indexes: [UInt32: [[String]: Found]] = [:]
    private var notCarried: [PortableNotCarried] = []

    /// A foreign key of partition `leaf` under partitioned table `root`.
    mutating func addForeignKey(_ key: PortableForeignKey, leaf: UInt32, root: UInt32, name: String, ddl: String) {
        var shape = key
        shape.name = nil
        foreignKeys[root, default: [:]][shape, default: Found()].leaves.insert(leaf)
        foreignKeys[root]![shape]!.definitions.append((name, ddl))
    }

    /// An index of partition `leaf` that is not part of an index of its partitioned table:
    /// `columns` when it is a plain, non-unique one.
    mutating func addIndex(columns: [(name: String, descending: Bool)]?, leaf: UInt32, root: UInt32, name: String, ddl: String) {
        guard let columns else {
            notCarried.append(Self.partitionOwn("index", name, ddl))
            return
        }
        let shape = columns.map { $0.name + ($0.descending ? " DESC" : "") }
        indexes[root, default: [:]][shape, default: Found(columns: columns)].leaves.insert(leaf)
        indexes[root]![shape]!.definitions.append((name, ddl))
    }

    /// Another object of one partition only (a CHECK, a unique key of its own).
    mutating func addOther(kind: String, name: String, ddl: String) { notCarried.append(Self.partitionOwn(kind, name, ddl)) }

    /// What goes onto each partitioned table (by id), given the partitions that hold its rows, and
    /// what is not carried.
    func promoted(leaves: [UInt32: Set<UInt32>], tableNames: [UInt32: String]) -> (
        foreignKeys: [UInt32: [PortableForeignKey]], indexes: [UInt32: [PortableIndex]], notCarried: [PortableNotCarried]
    ) {
        var keys: [UInt32: [PortableForeignKey]] = [:]
        var plain: [UInt32: [PortableIndex]] = [:]
        var left = notCarried
        for (root, found) in foreignKeys {
            for (shape, found_) in found.sorted(by: { $0.value.definitions[0].name < $1.value.definitions[0].name }) {
                if found_.leaves == leaves[root] {
                    var key = shape
                    key.name = "\(tableNames[root] ?? "")_\(shape.columns.joined(separator: "_"))_fkey"
                    keys[root, default: []].append(key)
                } else {
                    left += found_.definitions.map { Self.partitionOwn("constraint", $0.name, $0.ddl) }
                }
            }
        }
        for (root, found) in indexes {
            for (_, found_) in found.sorted(by: { $0.key.joined() < $1.key.joined() }) {
                if found_.leaves == leaves[root] {
                    let name = "\(tableNames[root] ?? "")_\(found_.columns.map(\.name).joined(separator: "_"))_idx"
                    plain[root, default: []].append(PortableIndex(name: name, columns: found_.columns, unique: false))
                } else {
                    left += found_.definitions.map { Self.partitionOwn("index", $0.name, $0.ddl) }
                }
            }
        }
        return (keys, plain, left)
    }

    private static func partitionOwn(_ kind: String, _ name: String, _ ddl: String) -> PortableNotCarried {
        PortableNotCarried(
            kind: kind, name: name,
            reason: "one partition's own, which not every partition of its table has; the target keeps the partitioned table's rows in one table",
            definition: ddl)
    }
}
