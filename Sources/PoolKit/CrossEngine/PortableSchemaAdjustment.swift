/// Applies the user's `--cast` rules and `--fold-identifiers` to a source's portable schema, before a
/// target writes it.
struct PortableSchemaAdjustment {
    let options: CrossEngineOptions
    /// Each source table's schema (or database), for `--cast column schema.table.column`.
    let schemas: [UInt32: String]

    func apply(to schema: PortableSchema) throws -> (schema: PortableSchema, castsApplied: [String: String]) {
        var result = schema
        var applied: [String: String] = [:]
        for index in result.tables.indices {
            let table = result.tables[index]
            for columnIndex in table.columns.indices {
                let column = table.columns[columnIndex]
                if let rule = options.casts.first(where: { $0.matches(table: table.sourceName, schema: schemas[table.id], column: column) }) {
                    result.tables[index].columns[columnIndex].type = rule.target
                    applied["\(table.sourceName).\(column.sourceName)"] = rule.description
                }
            }
        }
        for rule in options.casts where !applied.values.contains(rule.description) {
            if case .column(let table, let column) = rule.subject {
                throw PoolKitError(.usage, "--cast '\(rule.description)': the archive has no column \(column) in a table \(table)")
            }
        }
        if options.foldIdentifiers { result = try fold(result) }
        return (result, applied)
    }

    /// Lower-cases every name; two names that become one are an error naming both.
    private func fold(_ schema: PortableSchema) throws -> PortableSchema {
        var result = schema
        var tableNames: [String: String] = [:]
        for table in schema.tables {
            let folded = table.name.lowercased()
            if let other = tableNames[folded] {
                throw PoolKitError(.usage, "--fold-identifiers: tables '\(other)' and '\(table.name)' both become '\(folded)'; restore without folding, or rename one")
            }
            tableNames[folded] = table.name
        }
        for index in result.tables.indices {
            var table = result.tables[index]
            var columnNames: [String: String] = [:]
            for column in table.columns {
                let folded = column.name.lowercased()
                if let other = columnNames[folded] {
                    throw PoolKitError(
                        .usage,
                        "--fold-identifiers: columns '\(other)' and '\(column.name)' of table '\(table.name)' both become '\(folded)'; restore without folding, or rename one")
                }
                columnNames[folded] = column.name
            }
            var objectNames: [String: String] = [:]
            for name in table.indexes.map(\.name) + table.foreignKeys.compactMap(\.name) + table.checks.map(\.name) {
                let folded = name.lowercased()
                if let other = objectNames[folded], other != name {
                    throw PoolKitError(
                        .usage,
                        "--fold-identifiers: '\(other)' and '\(name)' on table '\(table.name)' both become '\(folded)'; restore without folding, or rename one")
                }
                objectNames[folded] = name
            }
            table.name = table.name.lowercased()
            for c in table.columns.indices { table.columns[c].name = table.columns[c].name.lowercased() }
            table.primaryKey = table.primaryKey.map { $0.lowercased() }
            for i in table.indexes.indices {
                table.indexes[i].name = table.indexes[i].name.lowercased()
                let expressionKeys = table.indexes[i].expressions
                table.indexes[i].columns = table.indexes[i].columns.enumerated().map { position, key in
                    (expressionKeys[position] == nil ? key.name.lowercased() : key.name, key.descending)
                }
                table.indexes[i].expressions = expressionKeys.mapValues { $0.renamingColumns { $0.lowercased() } }
                table.indexes[i].predicate = table.indexes[i].predicate?.renamingColumns { $0.lowercased() }
            }
            for f in table.foreignKeys.indices {
                table.foreignKeys[f].name = table.foreignKeys[f].name?.lowercased()
                table.foreignKeys[f].columns = table.foreignKeys[f].columns.map { $0.lowercased() }
                table.foreignKeys[f].referencedTable = table.foreignKeys[f].referencedTable.lowercased()
                table.foreignKeys[f].referencedColumns = table.foreignKeys[f].referencedColumns.map { $0.lowercased() }
            }
            for c in table.checks.indices {
                table.checks[c].name = table.checks[c].name.lowercased()
                table.checks[c].column = table.checks[c].column.lowercased()
                if case .condition(let expression) = table.checks[c].rule {
                    table.checks[c].rule = .condition(expression.renamingColumns { $0.lowercased() })
                }
            }
            result.tables[index] = table
        }
        return result
    }
}
