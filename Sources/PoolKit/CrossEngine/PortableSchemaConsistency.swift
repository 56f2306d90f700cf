/// What a source reader described but the target cannot create once some columns are not carried
/// (a generated column, say): a table without columns, and keys, indexes and CHECKs that name a
/// column the table does not have. Each is listed as not carried, naming the missing column, rather
/// than written as DDL the target would refuse.
struct PortableSchemaConsistency {
    func apply(to schema: PortableSchema) -> PortableSchema {
        var result = schema
        // PostgreSQL allows a table without columns (with rows, even); no other engine does.
        for table in result.tables where table.columns.isEmpty {
            result.notCarried.append(
                PortableNotCarried(
                    kind: "table", name: table.sourceName, reason: "a table without columns, which the target cannot create; its rows are not carried",
                    definition: nil))
        }
        result.tables.removeAll { $0.columns.isEmpty }
        let columnsOf = Dictionary(result.tables.map { ($0.name, Set($0.columns.map(\.name))) }, uniquingKeysWith: { first, _ in first })
        for index in result.tables.indices {
            let table = result.tables[index]
            let columns = columnsOf[table.name] ?? []
            func missing(_ names: some Sequence<String>, in available: Set<String> = columns) -> String? {
                names.first { !available.contains($0) }
            }
            func drop(_ kind: String, _ name: String, _ column: String, _ definition: String?) {
                result.notCarried.append(
                    PortableNotCarried(
                        kind: kind, name: "\(table.sourceName).\(name)",
                        reason: "it uses column \(column), which is not carried (see the column's own entry)", definition: definition))
            }
            if let column = missing(table.primaryKey) {
                drop("primary-key", "primary key", column, "PRIMARY KEY (\(table.primaryKey.joined(separator: ", ")))")
                result.tables[index].primaryKey = []
            }
            result.tables[index].indexes = table.indexes.filter { portable in
                let plain = portable.columns.indices.filter { portable.expressions[$0] == nil }.map { portable.columns[$0].name }
                let used = plain + portable.expressions.values.flatMap(\.columns) + (portable.predicate?.columns ?? [])
                guard let column = missing(used) else { return true }
                drop("index", portable.name, column, portable.definition)
                return false
            }
            result.tables[index].foreignKeys = table.foreignKeys.filter { key in
                let referenced = columnsOf[key.referencedTable] ?? []
                guard let column = missing(key.columns) ?? missing(key.referencedColumns, in: referenced).map({ "\(key.referencedTable).\($0)" }) else { return true }
                drop("foreign-key", key.name ?? key.columns.joined(separator: "_"), column, nil)
                return false
            }
            result.tables[index].checks = table.checks.filter { check in
                let used: Set<String>
                switch check.rule {
                case .condition(let expression): used = expression.columns
                case .oneOf, .subsetOf: used = [check.column]
                }
                guard let column = missing(used) else { return true }
                drop("check", check.name, column, check.definition)
                return false
            }
        }
        return result
    }
}
