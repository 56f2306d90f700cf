import Foundation
import PoolKit

/// The partitioned tables of a PostgreSQL archive and the partitions that hold their rows, from its
/// `ALTER TABLE ONLY parent ATTACH PARTITION child FOR VALUES …` objects. Another engine has no
/// partitions: each partitioned table at the top of a tree becomes one table there, and the rows
/// of every partition under it (at any depth) go into it.
struct PostgresPartitionTree {
    /// A table object's id → the id of the partitioned table at the top of its tree (partitions only).
    private(set) var rootOf: [UInt32: UInt32] = [:]
    /// Partitioned-table id → each partition's bound (`FOR VALUES …` or `DEFAULT`), for the report.
    private(set) var bounds: [UInt32: [(partition: String, bound: String)]] = [:]
    /// The partitions' indexes that are part of a partitioned index (`ALTER INDEX … ATTACH PARTITION`).
    private(set) var attachedIndexes: Set<String> = []
    /// Partitioned-table id → the partitions that hold its rows (the archive's tables under it), in archive order.
    private(set) var leavesOf: [UInt32: [ArchiveTable]] = [:]

    init(_ manifest: ArchiveManifest) {
        var tableIDs: [String: UInt32] = [:]
        for object in manifest.objects where object.kind == .table { tableIDs[Self.key(object.schema, object.name)] = object.id }
        var parentOf: [UInt32: UInt32] = [:]
        var attachments: [(parent: UInt32, partition: String, bound: String)] = []
        for object in manifest.objects {
            guard let ddl = object.ddl else { continue }
            if ddl.hasPrefix("ALTER INDEX "), let attach = ddl.range(of: " ATTACH PARTITION "),
                let (schema, name, _) = PostgresDDLText.qualifiedName(ddl[attach.upperBound...])
            {
                attachedIndexes.insert(Self.key(schema, name))
                continue
            }
            guard ddl.hasPrefix("ALTER TABLE ONLY "), let attach = ddl.range(of: " ATTACH PARTITION "),
                let (parentSchema, parentName, _) = PostgresDDLText.qualifiedName(ddl.dropFirst("ALTER TABLE ONLY ".count)),
                let (schema, name, rest) = PostgresDDLText.qualifiedName(ddl[attach.upperBound...]),
                let parent = tableIDs[Self.key(parentSchema, parentName)], let child = tableIDs[Self.key(schema, name)]
            else { continue }
            parentOf[child] = parent
            let bound = rest.trimmingCharacters(in: CharacterSet(charactersIn: " ;\n"))
            attachments.append((parent, "\(schema ?? "public").\(name)", bound))
        }
        for child in parentOf.keys {
            var root = child
            var steps = 0
            while let parent = parentOf[root], steps <= parentOf.count {
                root = parent
                steps += 1
            }
            rootOf[child] = root
        }
        for attachment in attachments {
            bounds[rootOf[attachment.parent] ?? attachment.parent, default: []].append((attachment.partition, attachment.bound))
        }
        for table in manifest.tables { if let root = rootOf[table.id] { leavesOf[root, default: []].append(table) } }
    }

    /// Whether the index `schema.name` of a partition is part of its partitioned table's index.
    func isAttached(index schema: String?, _ name: String) -> Bool { attachedIndexes.contains(Self.key(schema, name)) }

    private static func key(_ schema: String?, _ name: String) -> String { "\(schema ?? "public")\u{0}\(name)" }
}
