import Foundation
import Logging
import PoolKit

/// Reads a PostgreSQL `copy` archive as a portable schema: column types from the manifest, the rest
/// from the DDL it keeps — defaults, identity and comments from each `CREATE TABLE`; keys from the
/// `ADD CONSTRAINT` objects and the indexes they use; indexes from `CREATE INDEX`; counters from the
/// `setval` objects. Tables of every schema meet in the target's one namespace: two of the same
/// name are an error naming both. Views, functions, triggers, types and the like are listed as not carried.
struct PostgresPortableReader: PortableArchiveReader {
    var textualEncoding: Bool { true }

    func rowDecoder(for table: ArchiveTable, in manifest: ArchiveManifest) throws -> any PortableRowDecoder {
        let userTypes = PostgresUserTypes(manifest)
        let columns = table.columns.filter { $0.generated != true }
        let resolved = columns.map { userTypes.resolve($0.type) }
        let stored = zip(columns, resolved).map { column, resolved in resolved?.base ?? column.type }
        switch table.encoding {
        case .postgresCopyBinary:
            return PostgresBinaryRowDecoder(
                kinds: columns.indices.map { index in
                    // An enum's binary form is its label.
                    if resolved[index]?.labels != nil { return .text }
                    return PostgresBinaryValue.supports(stored[index]) ? PostgresBinaryValue.kind(stored[index]) : .unreadable(columns[index].type)
                })
        case .postgresCopyText:
            return PostgresTextRowDecoder(
                columns: stored.count, byteaColumns: Set(stored.indices.filter { stored[$0] == "bytea" }),
                moneyColumns: Set(stored.indices.filter { stored[$0] == "money" }))
        default:
            throw PoolKitError(.archiveUnsupported, "table \(table.qualifiedName) is stored as '\(table.encoding)', which the PostgreSQL reader does not read")
        }
    }

    func portableSchema(of manifest: ArchiveManifest, logger: Logger) async throws -> PortableSchema {
        var notCarried: [PortableNotCarried] = []
        var warnings: [String] = []
        if !manifest.blobs.isEmpty {
            notCarried.append(
                PortableNotCarried(kind: "large-object", name: "\(manifest.blobs.count) large objects", reason: "large objects are PostgreSQL's own", definition: nil))
        }
        let objects = Dictionary(manifest.objects.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        // Sequence → (table, column) from OWNED BY and identity columns; sequence → next value from setval.
        var counters: [String: Int64] = [:]
        for object in manifest.objects where object.kind.rawValue == "sequence-set" {
            guard let ddl = object.ddl, let open = ddl.range(of: "setval(") else { continue }
            guard let (sequence, rest) = PostgresDDLText.literal(ddl[open.upperBound...]) else { continue }
            let parts = rest.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: ");\n"))) }
            guard parts.count >= 2, let value = Int64(parts[0]) else { continue }
            counters[Self.key(sequence)] = parts[1] == "true" ? value + 1 : value
        }
        var owners: [String: (table: String, column: String)] = [:]
        for object in manifest.objects where object.kind.rawValue == "sequence-owned-by" {
            guard let ddl = object.ddl, let sequence = ddl.range(of: "ALTER SEQUENCE "), let by = ddl.range(of: " OWNED BY ") else { continue }
            let sequenceName = String(ddl[sequence.upperBound..<by.lowerBound])
            let path = ddl[by.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: ";\n "))
            guard let (_, table, rest) = PostgresDDLText.qualifiedName(Substring(path)), rest.first == ".",
                let (column, _) = PostgresDDLText.identifier(rest.dropFirst())
            else { continue }
            owners[Self.key(sequenceName)] = (table, column)
        }

        let userTypes = PostgresUserTypes(manifest)
        let partitions = PostgresPartitionTree(manifest)
        var tables: [PortableTable] = []
        for table in Self.partitionedTablesInPlace(manifest, partitions: partitions, objects: objects) {
            guard let ddl = objects[table.id]?.ddl else {
                throw PoolKitError(
                    .archiveUnsupported,
                    "table \(table.qualifiedName) has rows but no definition in this archive (a --data-only backup): back it up with its schema to restore it into another engine")
            }
            let leaves = partitions.leavesOf[table.id] ?? []
            // Columns binary COPY wrote in a form only their type knows: each value is refused.
            var unreadable: [String: String] = [:]
            // (A partitioned table without partitions has no rows to read.)
            let withRows = leaves.isEmpty ? (manifest.table(id: table.id) == nil ? [] : [table]) : leaves
            for stored in withRows where stored.encoding == .postgresCopyBinary {
                for column in stored.columns where column.generated != true {
                    let resolved = userTypes.resolve(column.type)
                    let type = resolved?.base ?? column.type
                    if resolved?.labels == nil && !PostgresBinaryValue.supports(type) {
                        unreadable[column.name] = "its type \(column.type)\(type == column.type ? "" : " (over \(type))") has no portable form"
                    }
                }
            }
            var portable = try describe(
                table, ddl: ddl, userTypes: userTypes, unreadable: unreadable, counters: counters, owners: owners, notCarried: &notCarried,
                warnings: &warnings)
            if !leaves.isEmpty {
                portable.partitions = leaves.map { leaf in
                    PortablePartition(id: leaf.id, sourceName: leaf.name, columns: leaf.columns.filter { $0.generated != true }.map(\.name))
                }
                // A CHECK of a partition that its partitioned table does not have is that partition's own.
                let tableChecks = Set(Self.constraintLines(ddl))
                for leaf in leaves {
                    for line in Self.constraintLines(objects[leaf.id]?.ddl ?? "") where !tableChecks.contains(line) {
                        notCarried.append(
                            PortableNotCarried(
                                kind: "check", name: "\(leaf.name).\(PostgresDDLText.identifier(line.dropFirst("CONSTRAINT ".count))?.name ?? line)",
                                reason: "one partition's own, which not every partition of its table has; the target keeps the partitioned table's rows in one table",
                                definition: line))
                    }
                }
                let bounds = (partitions.bounds[table.id] ?? []).map { "\($0.partition) \($0.bound)" }.joined(separator: "; ")
                warnings.append(
                    "\(table.name): partitioned in PostgreSQL; the target keeps the rows of its \(leaves.count) partitions in this one table, without the partition bounds (\(bounds))")
            }
            tables.append(portable)
        }
        let positions = Dictionary(tables.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        var indexes: [String: (table: UInt32, definition: String)] = [:]
        var partitionObjects = PostgresPartitionObjects()
        for object in manifest.objects where object.kind == .index {
            guard let ddl = object.ddl else { continue }
            guard let table = object.dependencies.first(where: { positions[$0] != nil }) else {
                if let leaf = object.dependencies.first(where: { partitions.rootOf[$0] != nil }), let root = partitions.rootOf[leaf],
                    !partitions.isAttached(index: object.schema, object.name)
                {
                    let plain = Self.plainIndex(ddl).flatMap { $0.unique ? nil : $0.columns }
                    partitionObjects.addIndex(columns: plain, leaf: leaf, root: root, name: object.name, ddl: ddl)
                }
                continue
            }
            indexes[object.name] = (table, ddl)
        }
        var usedByConstraints: [String: Bool] = [:]  // index name → is the primary key
        for object in manifest.objects where object.kind == .constraint {
            // The table is the one the statement alters (a foreign key also depends on the table it references).
            guard let ddl = object.ddl else { continue }
            if ddl.hasPrefix("ALTER DOMAIN ") {
                notCarried.append(
                    PortableNotCarried(
                        kind: "check", name: object.schema.map { "\($0).\(object.name)" } ?? object.name,
                        reason: "a domain constraint the source has not validated (NOT VALID): its rows may break it", definition: ddl))
                continue
            }
            guard let alter = ddl.range(of: "ALTER TABLE ONLY "),
                let (_, tableName, _) = PostgresDDLText.qualifiedName(ddl[alter.upperBound...]), let add = ddl.range(of: " ADD CONSTRAINT ")
            else { continue }
            guard let position = tables.firstIndex(where: { $0.name == tableName }) else {
                guard let leaf = manifest.tables.first(where: { $0.name == tableName && object.dependencies.contains($0.id) })?.id,
                    let root = partitions.rootOf[leaf]
                else { continue }
                // A partition's key built on an index of its partitioned table's is part of that table's key.
                let attached = ddl.contains(" USING INDEX ") && object.dependencies.contains { dependency in
                    objects[dependency].map { $0.kind == .index && partitions.isAttached(index: $0.schema, $0.name) } == true
                }
                if attached { continue }
                let definition = PostgresDDLText.identifier(ddl[add.upperBound...])?.rest.trimmingCharacters(in: CharacterSet(charactersIn: " ;\n")) ?? ""
                if definition.hasPrefix("FOREIGN KEY"), let key = Self.foreignKey(name: object.name, definition) {
                    partitionObjects.addForeignKey(key, leaf: leaf, root: root, name: object.name, ddl: ddl)
                } else {
                    partitionObjects.addOther(kind: "constraint", name: object.name, ddl: ddl)
                }
                continue
            }
            guard let (name, rest) = PostgresDDLText.identifier(ddl[add.upperBound...]) else { continue }
            let definition = rest.trimmingCharacters(in: CharacterSet(charactersIn: " ;\n"))
            if definition.hasPrefix("PRIMARY KEY USING INDEX ") || definition.hasPrefix("UNIQUE USING INDEX "),
                let (index, _) = PostgresDDLText.identifier(Substring(definition.drop { $0 != "X" }.dropFirst()))
            {
                usedByConstraints[index] = definition.hasPrefix("PRIMARY")
            } else if definition.hasPrefix("PRIMARY KEY ("), let (list, _) = PostgresDDLText.parenthesized(Substring(definition)),
                let columns = PostgresDDLText.plainColumns(list)
            {
                tables[position].primaryKey = columns.map(\.name)
            } else if definition.hasPrefix("UNIQUE ("), let (list, _) = PostgresDDLText.parenthesized(Substring(definition)),
                let columns = PostgresDDLText.plainColumns(list)
            {
                tables[position].indexes.append(PortableIndex(name: name, columns: columns, unique: true))
            } else if definition.hasPrefix("FOREIGN KEY"), let key = Self.foreignKey(name: name, definition) {
                tables[position].foreignKeys.append(key)
            } else {
                notCarried.append(
                    PortableNotCarried(kind: "constraint", name: name, reason: "written in PostgreSQL's SQL dialect; port it by hand", definition: ddl))
            }
        }
        for (name, index) in indexes.sorted(by: { $0.key < $1.key }) {
            guard let position = positions[index.table] else { continue }
            if let parsed = Self.plainIndex(index.definition) {
                if usedByConstraints[name] == true {
                    tables[position].primaryKey = parsed.columns.map(\.name)
                } else {
                    tables[position].indexes.append(PortableIndex(name: name, columns: parsed.columns, unique: parsed.unique))
                }
            } else {
                do {
                    tables[position].indexes.append(
                        try Self.expressionIndex(name: name, index.definition, table: tables[position], tableDDL: objects[tables[position].id]?.ddl ?? ""))
                } catch {
                    notCarried.append(
                        PortableNotCarried(
                            kind: "index", name: name, reason: "not translated: \((error as? PortableExpressionRefusal)?.reason ?? "\(error)")",
                            definition: index.definition))
                }
            }
        }
        let promoted = partitionObjects.promoted(
            leaves: partitions.leavesOf.mapValues { Set($0.map(\.id)) }, tableNames: Dictionary(tables.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first }))
        for (root, keys) in promoted.foreignKeys { if let position = positions[root] { tables[position].foreignKeys += keys } }
        for (root, plain) in promoted.indexes { if let position = positions[root] { tables[position].indexes += plain } }
        notCarried += promoted.notCarried
        let ignored: Set<String> = [
            "table", "index", "constraint", "schema", "owner", "acl", "sequence-set", "sequence-owned-by", "comment", "database", "table-attach",
            "index-attach",
        ]
        for object in manifest.objects where !ignored.contains(object.kind.rawValue) {
            if object.kind == .sequence, owners[Self.key("\(PostgresSQL.qualified(object.schema ?? "public", object.name))")] != nil { continue }
            // An enum or a domain lives on in the columns of its type.
            if object.kind == .type, userTypes.resolve(PostgresSQL.qualified(object.schema ?? "public", object.name)) != nil { continue }
            notCarried.append(
                PortableNotCarried(
                    kind: object.kind.rawValue, name: object.schema.map { "\($0).\(object.name)" } ?? object.name,
                    reason: "written in PostgreSQL's SQL dialect; port it by hand", definition: object.ddl))
        }
        return PortableSchema(tables: tables, notCarried: notCarried, warnings: warnings)
    }

    /// A sequence name without quotes, for matching its spellings.
    static func key(_ name: String) -> String { name.replacingOccurrences(of: "\"", with: "") }

}
