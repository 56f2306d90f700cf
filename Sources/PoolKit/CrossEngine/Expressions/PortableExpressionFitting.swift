/// Before a target writes a schema: keeps the CHECK conditions and the expression and partial
/// indexes the target can write with the same meaning, and moves the others to
/// ``PortableSchema/notCarried`` with the reason — an expression that uses a column `--cast` gave
/// another type, a function the target lacks, an index kind the target does not have. What is kept
/// is listed as translated, with the source's definition and the target's.
struct PortableExpressionFitting {
    /// The target's dialect; nil: the target writes no expressions.
    let dialect: PortableExpressionDialect?
    let targetEngine: String

    func apply(to schema: PortableSchema) -> (schema: PortableSchema, translated: [MigrationReport.Translation]) {
        var result = schema
        var translated: [MigrationReport.Translation] = []
        for tableIndex in result.tables.indices {
            let table = result.tables[tableIndex]
            var checks: [PortableCheck] = []
            for check in table.checks {
                guard case .condition(let expression) = check.rule else {
                    checks.append(check)
                    continue
                }
                do {
                    let sql = try write(expression, strict: true, in: table)
                    checks.append(check)
                    translated.append(.init(kind: "check", table: table.sourceName, name: check.name, source: check.definition ?? "", target: sql))
                } catch {
                    result.notCarried.append(notCarried("check", table: table, name: check.name, definition: check.definition, error))
                }
            }
            result.tables[tableIndex].checks = checks
            var indexes: [PortableIndex] = []
            for index in table.indexes {
                if index.isPlain {
                    indexes.append(index)
                    continue
                }
                do {
                    let sql = try write(index, in: table)
                    indexes.append(index)
                    translated.append(.init(kind: "index", table: table.sourceName, name: index.name, source: index.definition ?? "", target: sql))
                } catch {
                    result.notCarried.append(notCarried("index", table: table, name: index.name, definition: index.definition, error))
                }
            }
            result.tables[tableIndex].indexes = indexes
        }
        return (result, translated)
    }

    private func notCarried(_ kind: String, table: PortableTable, name: String, definition: String?, _ error: any Error) -> PortableNotCarried {
        let reason = (error as? PortableExpressionRefusal)?.reason ?? "\(error)"
        // Checks are named per table, indexes per schema (as the readers list them).
        return PortableNotCarried(kind: kind, name: kind == "check" ? "\(table.sourceName).\(name)" : name, reason: "not translated into \(targetEngine): \(reason)", definition: definition)
    }

    /// The index's keys and predicate as the target writes them (for the report), or a refusal.
    private func write(_ index: PortableIndex, in table: PortableTable) throws -> String {
        guard let dialect else { throw PortableExpressionRefusal("\(targetEngine) takes no expressions from another engine") }
        for expression in Array(index.expressions.values) + [index.predicate].compactMap({ $0 }) { try checkColumns(of: expression, in: table) }
        let (keys, predicate) = try PortableExpressionWriter(dialect: dialect).index(index)
        return "(\(keys))" + (predicate.map { " WHERE \($0)" } ?? "")
    }

    private func write(_ expression: PortableExpression, strict: Bool, in table: PortableTable) throws -> String {
        guard let dialect else { throw PortableExpressionRefusal("\(targetEngine) takes no expressions from another engine") }
        try checkColumns(of: expression, in: table)
        return try PortableExpressionWriter(dialect: dialect).sql(expression, strict: strict)
    }

    /// Refuses an expression whose columns are gone or have another type than it was read with.
    private func checkColumns(of expression: PortableExpression, in table: PortableTable) throws {
        for name in expression.columns.sorted() {
            guard let column = table.columns.first(where: { $0.name == name }) else {
                throw PortableExpressionRefusal("it uses the column \(name), which the target table does not have")
            }
            let (now, read) = (PortableExpressionKind(column.type), PortableExpressionKind(column.sourceType))
            if now != read && !(now.isNumeric && read.isNumeric) {
                throw PortableExpressionRefusal("--cast made the column \(column.sourceName) \(now.phrase), where the expression compares \(read.phrase)")
            }
        }
    }
}
