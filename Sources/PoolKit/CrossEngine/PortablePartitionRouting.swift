/// Sends the rows of partitions into their partitioned table, for a target that has no partitions
/// (SQLite, and MariaDB through the portable form): the target keeps one table of the partitioned
/// table's name with every partition's rows.
///
/// Each partition's chunks keep their own archive id: the target manifest gets a table entry of that
/// id which names the receiving table (its columns in the partition's row order, as a partition may
/// order them otherwise), and the loads convert them as rows of the receiver. The receiver itself
/// plans no chunks; whatever the target creates after a table's rows (indexes, keys, counters)
/// waits for every partition's chunks too, through its dependencies.
struct PortablePartitionRouting: Sendable {
    /// Partition id → the id of the table that receives its rows.
    let receivers: [UInt32: UInt32]
    /// Per table id: the portable table a chunk of that id is converted as.
    let loadTables: [UInt32: PortableTable]

    init(schema: PortableSchema) throws {
        var receivers: [UInt32: UInt32] = [:]
        var loadTables: [UInt32: PortableTable] = [:]
        for table in schema.tables {
            loadTables[table.id] = table
            for partition in table.partitions {
                var routed = table
                routed.id = partition.id
                routed.sourceName = partition.sourceName
                routed.partitions = []
                routed.columns = try partition.columns.map { name in
                    guard let column = table.columns.first(where: { $0.sourceName == name }) else {
                        throw PoolKitError(
                            .archiveUnsupported,
                            "partition \(partition.sourceName) has a column \(name) that its partitioned table \(table.sourceName) does not have")
                    }
                    return column
                }
                guard routed.columns.count == table.columns.count else {
                    throw PoolKitError(
                        .archiveUnsupported,
                        "partition \(partition.sourceName) has \(routed.columns.count) columns but its partitioned table \(table.sourceName) has \(table.columns.count)")
                }
                receivers[partition.id] = table.id
                loadTables[partition.id] = routed
            }
        }
        self.receivers = receivers
        self.loadTables = loadTables
    }

    /// The id whose report entry counts the rows of a chunk of `id`.
    func reportID(_ id: UInt32) -> UInt32 { receivers[id] ?? id }

    /// `target` (the manifest a writer made for the schema) with a table entry per partition and
    /// every object that depends on a receiver depending on its partitions too.
    func routed(_ target: ArchiveManifest, source: ArchiveManifest) throws -> ArchiveManifest {
        var manifest = target
        // A table the source has no rows for (a partitioned table without partitions) plans none.
        for index in manifest.tables.indices where source.table(id: manifest.tables[index].id) == nil && manifest.tables[index].chunks == nil {
            manifest.tables[index].chunks = 0
        }
        guard !receivers.isEmpty else { return manifest }
        var partitionsOf: [UInt32: [UInt32]] = [:]
        for (partition, receiver) in receivers.sorted(by: { $0.key < $1.key }) { partitionsOf[receiver, default: []].append(partition) }
        for (index, table) in manifest.tables.enumerated() where partitionsOf[table.id] != nil {
            // The receiver's own id carries no rows; chunks stay unplanned only where the source's are.
            let planned = partitionsOf[table.id]!.allSatisfy { source.table(id: $0)?.chunks != nil }
            manifest.tables[index].chunks = planned ? 0 : nil
        }
        let receiverTables = Dictionary(manifest.tables.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (partition, receiver) in receivers.sorted(by: { $0.key < $1.key }) {
            guard var entry = receiverTables[receiver], let portable = loadTables[partition] else { continue }
            let byName = Dictionary(entry.columns.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            entry.columns = try portable.columns.map { column in
                guard let written = byName[column.name] else {
                    throw PoolKitError(.unsupported, "the \(manifest.driver) writer left column \(column.name) out of table \(entry.name)")
                }
                return written
            }
            entry.id = partition
            entry.chunks = source.table(id: partition)?.chunks
            manifest.tables.append(entry)
        }
        for index in manifest.objects.indices {
            let extra = manifest.objects[index].dependencies.flatMap { partitionsOf[$0] ?? [] }
            manifest.objects[index].dependencies += extra
        }
        return manifest
    }
}
