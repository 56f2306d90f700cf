/// `--table` in a restore into another engine, and the one namespace of the target.
///
/// The patterns are matched against the source's names (`schema.table` or `table`, as in a
/// same-engine restore), before the target's manifest is written, so the target creates and loads
/// only the chosen tables. A foreign key into a table left out cannot be created: it is listed as
/// not carried. Tables of several schemas (PostgreSQL) meet in the target's one namespace, so two
/// chosen tables of one name are an error naming both — `--table` is how to choose one of them.
struct PortableTableSelection {
    let patterns: [String]
    /// Each source table's schema (or database), by archive id.
    let schemas: [UInt32: String]

    func apply(to schema: PortableSchema) throws -> PortableSchema {
        var result = schema
        func qualified(_ table: PortableTable) -> String { schemas[table.id].map { "\($0).\(table.sourceName)" } ?? table.sourceName }
        if !patterns.isEmpty {
            let selector = TableSelector(include: patterns)
            let candidates = schema.tables.map { (schema: schemas[$0.id], name: $0.sourceName) }
            let unmatched = selector.unmatched(among: candidates)
            for pattern in unmatched {
                for table in schema.tables {
                    if let partition = table.partitions.first(where: { TableSelector.matches(pattern, schema: schemas[$0.id], name: $0.sourceName) }) {
                        throw PoolKitError(
                            .usage,
                            "--table \(pattern): \(partition.sourceName) is a partition of \(qualified(table)), whose rows the target keeps in one table: choose --table \(qualified(table))")
                    }
                }
            }
            if !unmatched.isEmpty {
                throw PoolKitError(
                    .usage,
                    "no table named \(unmatched.map { "'\($0)'" }.joined(separator: ", ")) in the archive: check --table (write schema.table as the source names it; `poolkit inspect` lists the tables)")
            }
            result.tables = schema.tables.filter { selector.selects(schema: schemas[$0.id], name: $0.sourceName) }
            let kept = Set(result.tables.map(\.sourceName))
            for index in result.tables.indices {
                let table = result.tables[index]
                let (inside, outside) = (table.foreignKeys.filter { kept.contains($0.referencedTable) }, table.foreignKeys.filter { !kept.contains($0.referencedTable) })
                result.tables[index].foreignKeys = inside
                result.notCarried += outside.map { key in
                    PortableNotCarried(
                        kind: "foreign-key", name: "\(table.sourceName).\(key.name ?? key.columns.joined(separator: "_"))",
                        reason: "it references table \(key.referencedTable), which --table leaves out",
                        definition: "FOREIGN KEY (\(key.columns.joined(separator: ", "))) REFERENCES \(key.referencedTable) (\(key.referencedColumns.joined(separator: ", ")))")
                }
            }
        }
        var seen: [String: PortableTable] = [:]
        for table in result.tables {
            if let other = seen[table.name] {
                throw PoolKitError(
                    .archiveUnsupported,
                    "tables \(qualified(other)) and \(qualified(table)) would both be '\(table.name)' in the target, which has one namespace: choose one with --table (at backup or restore), or rename one")
            }
            seen[table.name] = table
        }
        return result
    }
}
