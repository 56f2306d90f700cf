import Foundation
import PoolKit

/// One PostgreSQL table of an archive as a portable table: columns (through enums and domains),
/// defaults, identity and serial counters, CHECKs and comments, from its `CREATE TABLE`.
extension PostgresPortableReader {
    /// One table from its `CREATE TABLE` (and the `COMMENT ON` statements after it).
    func describe(
        _ table: ArchiveTable, ddl: String, userTypes: PostgresUserTypes, unreadable: [String: String], counters: [String: Int64],
        owners: [String: (table: String, column: String)], notCarried: inout [PortableNotCarried], warnings: inout [String]
    ) throws -> PortableTable {
        var lines: [String: String] = [:]
        let checkLines = Self.constraintLines(ddl)
        for line in ddl.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("\""), let (name, rest) = PostgresDDLText.identifier(Substring(trimmed)) else { continue }
            lines[name] = String(rest)
        }
        var columns: [PortableColumn] = []
        var next: Int64?
        // A generated column the backup left out of the table's columns (its values are computed).
        for (name, line) in lines.sorted(by: { $0.key < $1.key })
        where line.contains(" GENERATED ALWAYS AS (") && !table.columns.contains(where: { $0.name == name }) {
            notCarried.append(
                PortableNotCarried(
                    kind: "generated-column", name: "\(table.name).\(name)",
                    reason: "a generated column's expression is in PostgreSQL's dialect; the target has no such column", definition: line))
        }
        for archived in table.columns {
            let line = lines[archived.name] ?? ""
            if archived.generated == true {
                notCarried.append(
                    PortableNotCarried(
                        kind: "generated-column", name: "\(table.name).\(archived.name)",
                        reason: "a generated column's expression is in PostgreSQL's dialect; the target has no such column", definition: line))
                continue
            }
            let resolved = userTypes.resolve(archived.type)
            var (type, warning) = PostgresTypeMapping.portableType(resolved?.base ?? archived.type)
            if let labels = resolved?.labels { (type, warning) = (.enumeration(labels), nil) }
            if let warning, unreadable[archived.name] == nil { warnings.append("\(table.name).\(archived.name): \(warning)") }
            var column = PortableColumn(
                name: archived.name, type: type, sourceTypeName: archived.type, nullable: (archived.nullable ?? true) && resolved?.notNull != true)
            column.unreadable = unreadable[archived.name]
            if !line.contains(" DEFAULT "), !line.contains(" AS IDENTITY"), let expression = resolved?.defaultExpression {
                if let value = Self.portableDefault(expression) {
                    column.defaultValue = value
                } else {
                    notCarried.append(
                        PortableNotCarried(
                            kind: "default", name: "\(table.name).\(archived.name)",
                            reason: "the default of its domain \(archived.type), an expression in PostgreSQL's dialect", definition: "DEFAULT \(expression)"))
                }
            }
            if let identity = line.range(of: " AS IDENTITY") {
                column.autoIncrement = true
                if let sequence = line[identity.upperBound...].range(of: "SEQUENCE NAME "),
                    let (schema, name, _) = PostgresDDLText.qualifiedName(line[sequence.upperBound...])
                {
                    // The table's counter is its first counted column's (a target counts one).
                    if next == nil { next = counters[Self.key(PostgresSQL.qualified(schema ?? "public", name))] }
                }
            } else if let start = line.range(of: " DEFAULT ") {
                let expression = String(line[start.upperBound...].replacingOccurrences(of: " NOT NULL", with: "").trimmingCharacters(in: CharacterSet(charactersIn: ", ")))
                if expression.hasPrefix("nextval(") {
                    if let (sequence, _) = PostgresDDLText.literal(Substring(expression.dropFirst("nextval(".count))),
                        let owner = owners[Self.key(sequence.replacingOccurrences(of: "::regclass", with: ""))] ?? owners.first(where: { $0.value == (table.name, archived.name) })?.value,
                        owner.table == table.name, owner.column == archived.name
                    {
                        column.autoIncrement = true
                        let qualifiedSequence = owners.first { $0.value == owner }?.key
                        if next == nil { next = qualifiedSequence.flatMap { counters[$0] } }
                    } else {
                        notCarried.append(
                            PortableNotCarried(
                                kind: "default", name: "\(table.name).\(archived.name)", reason: "a sequence shared with other columns", definition: "DEFAULT \(expression)"))
                    }
                } else if let value = Self.portableDefault(expression) {
                    column.defaultValue = value
                } else {
                    notCarried.append(
                        .expressionDefault(table: table.name, column: archived.name, expression: expression, dialect: "PostgreSQL's"))
                }
            }
            columns.append(column)
        }
        var portable = PortableTable(id: table.id, name: table.name, columns: columns, nextAutoIncrement: next)
        if let inherits = ddl.range(of: "\nINHERITS (") {
            let parents = ddl[inherits.upperBound...].prefix { $0 != ")" }
            warnings.append(
                "\(table.name) inherits from \(parents) in PostgreSQL: the target has no inheritance, so they are separate tables there and a query of the parent no longer sees this table's rows")
        }
        let reader = Self.expressionReader(columns, lines: lines)
        for line in checkLines {
            // `CONSTRAINT name CHECK (condition)`, as pg_get_constraintdef writes it.
            guard let (name, rest) = PostgresDDLText.identifier(line.dropFirst("CONSTRAINT ".count)) else { continue }
            let definition = rest.trimmingCharacters(in: .whitespaces)
            do {
                guard definition.hasPrefix("CHECK "), let (condition, after) = PostgresDDLText.parenthesized(Substring(definition)),
                    after.trimmingCharacters(in: .whitespaces).isEmpty
                else { throw PortableExpressionRefusal("a constraint this translation does not read (NO INHERIT, …)") }
                portable.checks.append(.condition(name: name, try reader.condition(condition), definition: definition))
            } catch {
                notCarried.append(
                    PortableNotCarried(
                        kind: "check", name: "\(table.name).\(name)",
                        reason: "not translated: \((error as? PortableExpressionRefusal)?.reason ?? "\(error)")", definition: definition))
            }
        }
        for column in portable.columns {
            for check in userTypes.resolve(column.sourceTypeName)?.checks ?? [] {
                let name = "\(column.name)_\(check.name)"
                do {
                    let domainValue = PortableExpressionReader(
                        dialect: PostgresExpressionDialect.dialect,
                        columns: [PortableExpressionColumn(name: "value", type: column.type, exactText: lines[column.name]?.contains(" COLLATE ") != true)])
                    let condition = try domainValue.condition(check.condition).renamingColumns { _ in column.name }
                    portable.checks.append(.condition(name: name, condition, definition: "CHECK (\(check.condition)) of domain \(check.domain)"))
                } catch {
                    notCarried.append(
                        PortableNotCarried(
                            kind: "check", name: "\(table.name).\(name)",
                            reason: "the CHECK of domain \(check.domain) on column \(column.name), not translated: \((error as? PortableExpressionRefusal)?.reason ?? "\(error)")",
                            definition: "CHECK (\(check.condition))"))
                }
            }
        }
        for statement in ddl.components(separatedBy: ";\n") where statement.hasPrefix("COMMENT ON ") {
            guard let isRange = statement.range(of: " IS ", options: .backwards),
                let (text, _) = PostgresDDLText.literal(statement[isRange.upperBound...])
            else { continue }
            if statement.hasPrefix("COMMENT ON TABLE ") {
                portable.comment = text
            } else if statement.hasPrefix("COMMENT ON COLUMN "),
                let (_, _, rest) = PostgresDDLText.qualifiedName(statement.dropFirst("COMMENT ON COLUMN ".count)), rest.first == ".",
                let (column, _) = PostgresDDLText.identifier(rest.dropFirst()),
                let index = portable.columns.firstIndex(where: { $0.name == column })
            {
                portable.columns[index].comment = text
            }
        }
        return portable
    }

    /// The `CONSTRAINT name CHECK (…)` lines of a `CREATE TABLE`.
    static func constraintLines(_ ddl: String) -> [String] {
        ddl.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("CONSTRAINT ") }
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ",")) }
    }

    /// The columns as expressions see them: a column with a collation of its own may compare text
    /// otherwise than by code point.
    static func expressionReader(_ columns: [PortableColumn], lines: [String: String]) -> PortableExpressionReader {
        PortableExpressionReader(
            dialect: PostgresExpressionDialect.dialect,
            columns: columns.map { PortableExpressionColumn(name: $0.name, type: $0.type, exactText: lines[$0.name]?.contains(" COLLATE ") != true) })
    }

    /// A default with a portable meaning: a literal (with or without a cast), a number, a boolean, the current time.
    static func portableDefault(_ expression: String) -> PortableDefault? {
        switch expression.lowercased() {
        case "now()", "current_timestamp", "statement_timestamp()", "transaction_timestamp()", "localtimestamp": return .currentTimestamp
        case "current_date": return .currentDate
        case "current_time", "localtime": return .currentTime
        case "true": return .literal("1")
        case "false": return .literal("0")
        default: break
        }
        if let (value, rest) = PostgresDDLText.literal(Substring(expression)), rest.isEmpty || rest.hasPrefix("::") { return .literal(value) }
        let unwrapped = expression.trimmingCharacters(in: CharacterSet(charactersIn: "()"))
        if Double(unwrapped) != nil { return .literal(unwrapped) }
        return nil
    }

    /// The archive's tables in order, each partitioned table (which has no rows of its own, so no
    /// table entry) standing where its first partition is, and its partitions left out: their rows
    /// are the partitioned table's. Its columns are in its own order, typed as its partitions have them.
    static func partitionedTablesInPlace(
        _ manifest: ArchiveManifest, partitions: PostgresPartitionTree, objects: [UInt32: ArchiveObject]
    ) -> [ArchiveTable] {
        var result: [ArchiveTable] = []
        var placed: Set<UInt32> = []
        for table in manifest.tables {
            guard let root = partitions.rootOf[table.id], let object = objects[root], let ddl = object.ddl else {
                result.append(table)
                continue
            }
            guard placed.insert(root).inserted else { continue }
            let leaves = partitions.leavesOf[root] ?? []
            var columns: [ArchiveColumn] = []
            for line in ddl.split(separator: "\n") {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard trimmed.hasPrefix("\""), let (name, _) = PostgresDDLText.identifier(Substring(trimmed)),
                    var column = table.columns.first(where: { $0.name == name })
                else { continue }
                // NOT NULL where every partition has it, so every row meets it.
                column.nullable = leaves.contains { leaf in leaf.columns.first { $0.name == name }?.nullable != false }
                columns.append(column)
            }
            result.append(ArchiveTable(id: root, schema: object.schema, name: object.name, columns: columns, encoding: table.encoding))
        }
        // A partitioned table without partitions that hold rows: its columns as its definition types them.
        for object in manifest.objects where object.kind == .table && partitions.rootOf[object.id] == nil && !placed.contains(object.id) {
            guard let ddl = object.ddl, ddl.contains("\nPARTITION BY "), manifest.table(id: object.id) == nil else { continue }
            let columns = ddl.split(separator: "\n").compactMap { line -> ArchiveColumn? in
                let trimmed = line.trimmingCharacters(in: CharacterSet(charactersIn: " ,"))
                guard trimmed.hasPrefix("\""), let (name, rest) = PostgresDDLText.identifier(Substring(trimmed)) else { return nil }
                let ends = [" COLLATE ", " DEFAULT ", " NOT NULL", " GENERATED ", " OPTIONS ("].compactMap { rest.range(of: $0)?.lowerBound }
                let type = rest[..<(ends.min() ?? rest.endIndex)].trimmingCharacters(in: .whitespaces)
                return ArchiveColumn(
                    name: name, type: type, nullable: !rest.hasSuffix(" NOT NULL"), generated: rest.contains(" GENERATED ALWAYS AS (") && rest.hasSuffix(" STORED"))
            }
            result.append(ArchiveTable(id: object.id, schema: object.schema, name: object.name, columns: columns, encoding: .postgresCopyBinary))
        }
        return result
    }
}
