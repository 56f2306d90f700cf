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
        let stored = table.columns.filter { $0.generated != true }.map { userTypes.resolve($0.type)?.base ?? $0.type }
        switch table.encoding {
        case .postgresCopyBinary: return PostgresBinaryRowDecoder(kinds: stored.map { PostgresBinaryValue.kind($0) })
        case .postgresCopyText:
            return PostgresTextRowDecoder(columns: stored.count, byteaColumns: Set(stored.indices.filter { stored[$0] == "bytea" }))
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
            let leaves = manifest.tables.filter { partitions.rootOf[$0.id] == table.id }
            for stored in leaves.isEmpty ? [table] : leaves where stored.encoding == .postgresCopyBinary {
                for column in stored.columns where column.generated != true {
                    let resolved = userTypes.resolve(column.type)
                    let type = resolved?.base ?? column.type
                    // An enum's binary form is its label.
                    guard resolved?.labels != nil || PostgresBinaryValue.supports(type) else {
                        throw PoolKitError(
                            .archiveUnsupported,
                            "column \(stored.qualifiedName).\(column.name) has type \(column.type)\(type == column.type ? "" : " (over \(type))"), which has no portable form")
                    }
                }
            }
            var portable = try describe(
                table, ddl: ddl, userTypes: userTypes, counters: counters, owners: owners, notCarried: &notCarried, warnings: &warnings)
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
                    manifest.objects.contains { $0.id == dependency && $0.kind == .index && partitions.isAttached(index: $0.schema, $0.name) }
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
        var leavesOf: [UInt32: Set<UInt32>] = [:]
        for table in manifest.tables { if let root = partitions.rootOf[table.id] { leavesOf[root, default: []].insert(table.id) } }
        let promoted = partitionObjects.promoted(leaves: leavesOf, tableNames: Dictionary(tables.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first }))
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

    /// The archive's tables in order, each partitioned table (which has no rows of its own, so no
    /// table entry) standing where its first partition is, and its partitions left out: their rows
    /// are the partitioned table's. Its columns are in its own order, typed as its partitions have them.
    private static func partitionedTablesInPlace(
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
            let leaves = manifest.tables.filter { partitions.rootOf[$0.id] == root }
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
        return result
    }

    /// A sequence name without quotes, for matching its spellings.
    private static func key(_ name: String) -> String { name.replacingOccurrences(of: "\"", with: "") }

    /// One table from its `CREATE TABLE` (and the `COMMENT ON` statements after it).
    private func describe(
        _ table: ArchiveTable, ddl: String, userTypes: PostgresUserTypes, counters: [String: Int64],
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
            if let warning { warnings.append("\(table.name).\(archived.name): \(warning)") }
            var column = PortableColumn(
                name: archived.name, type: type, sourceTypeName: archived.type, nullable: (archived.nullable ?? true) && resolved?.notNull != true)
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
                    next = counters[Self.key(PostgresSQL.qualified(schema ?? "public", name))] ?? next
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
                        next = qualifiedSequence.flatMap { counters[$0] } ?? next
                    } else {
                        notCarried.append(
                            PortableNotCarried(
                                kind: "default", name: "\(table.name).\(archived.name)", reason: "a sequence shared with other columns", definition: "DEFAULT \(expression)"))
                    }
                } else if let value = Self.portableDefault(expression) {
                    column.defaultValue = value
                } else {
                    notCarried.append(
                        PortableNotCarried(
                            kind: "default", name: "\(table.name).\(archived.name)", reason: "an expression default in PostgreSQL's dialect",
                            definition: "DEFAULT \(expression)"))
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
    private static func constraintLines(_ ddl: String) -> [String] {
        ddl.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("CONSTRAINT ") }
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ",")) }
    }

    /// The columns as expressions see them: a column with a collation of its own may compare text
    /// otherwise than by code point.
    private static func expressionReader(_ columns: [PortableColumn], lines: [String: String]) -> PortableExpressionReader {
        PortableExpressionReader(
            dialect: PostgresExpressionDialect.dialect,
            columns: columns.map { PortableExpressionColumn(name: $0.name, type: $0.type, exactText: lines[$0.name]?.contains(" COLLATE ") != true) })
    }

    /// An index with expression keys or a WHERE predicate (`pg_get_indexdef`'s form, btree only),
    /// or a refusal.
    private static func expressionIndex(name: String, _ ddl: String, table: PortableTable, tableDDL: String) throws -> PortableIndex {
        let text = ddl.trimmingCharacters(in: CharacterSet(charactersIn: " ;\n"))
        guard let using = text.range(of: " USING ") else { throw PortableExpressionRefusal("its definition could not be read") }
        let method = text[using.upperBound...].prefix { $0 != " " }
        guard method == "btree" else { throw PortableExpressionRefusal("a \(method) index, which other engines do not have") }
        guard let (list, rest) = PostgresDDLText.parenthesized(text[using.upperBound...]) else {
            throw PortableExpressionRefusal("its definition could not be read")
        }
        let tail = rest.trimmingCharacters(in: .whitespaces)
        var predicateText: String?
        if tail.hasPrefix("WHERE ") {
            predicateText = String(tail.dropFirst("WHERE ".count))
        } else if !tail.isEmpty {
            throw PortableExpressionRefusal("an index with \(tail.prefix { $0 != " " }) (INCLUDE columns, storage parameters, …)")
        }
        var lines: [String: String] = [:]
        for line in tableDDL.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("\""), let (column, rest) = PostgresDDLText.identifier(Substring(trimmed)) { lines[column] = String(rest) }
        }
        let reader = expressionReader(table.columns, lines: lines)
        let unique = text.hasPrefix("CREATE UNIQUE INDEX ")
        var columns: [(name: String, descending: Bool)] = []
        var expressions: [Int: PortableExpression] = [:]
        for (position, key) in PostgresDDLText.splitTopLevel(list).enumerated() {
            let (expression, descending) = try reader.indexKey(key, strict: unique)
            if case .column(let column) = expression {
                columns.append((column, descending))
            } else {
                columns.append((key, descending))
                expressions[position] = expression
            }
        }
        let predicate = try predicateText.map { try reader.condition($0, strict: unique) }
        return PortableIndex(name: name, columns: columns, unique: unique, expressions: expressions, predicate: predicate, definition: ddl)
    }

    /// A default with a portable meaning: a literal (with or without a cast), a number, a boolean, the current time.
    private static func portableDefault(_ expression: String) -> PortableDefault? {
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

    /// `CREATE [UNIQUE] INDEX name ON [ONLY] table USING btree (plain columns);` — nil for anything else.
    private static func plainIndex(_ ddl: String) -> (unique: Bool, columns: [(name: String, descending: Bool)])? {
        let text = ddl.trimmingCharacters(in: CharacterSet(charactersIn: " ;\n"))
        guard text.hasPrefix("CREATE "), let using = text.range(of: " USING btree "),
            let (list, rest) = PostgresDDLText.parenthesized(text[using.upperBound...]),
            rest.trimmingCharacters(in: .whitespaces).isEmpty, let columns = PostgresDDLText.plainColumns(list)
        else { return nil }
        return (text.hasPrefix("CREATE UNIQUE INDEX "), columns)
    }

    /// `FOREIGN KEY (a) REFERENCES schema.t(b) [ON UPDATE x] [ON DELETE y]` (pg_get_constraintdef's form).
    private static func foreignKey(name: String, _ definition: String) -> PortableForeignKey? {
        guard let (list, rest) = PostgresDDLText.parenthesized(Substring(definition)), let columns = PostgresDDLText.plainColumns(list),
            let references = rest.range(of: "REFERENCES "),
            let (_, table, afterTable) = PostgresDDLText.qualifiedName(rest[references.upperBound...]),
            let (targetList, actions) = PostgresDDLText.parenthesized(afterTable), let targets = PostgresDDLText.plainColumns(targetList),
            !actions.contains("MATCH FULL")
        else { return nil }
        func action(_ word: String) -> String {
            guard let range = actions.range(of: "ON \(word) ") else { return "NO ACTION" }
            let tail = actions[range.upperBound...]
            for candidate in ["CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"] where tail.hasPrefix(candidate) { return candidate }
            return "NO ACTION"
        }
        return PortableForeignKey(
            name: name, columns: columns.map(\.name), referencedTable: table, referencedColumns: targets.map(\.name), onDelete: action("DELETE"),
            onUpdate: action("UPDATE"))
    }
}
