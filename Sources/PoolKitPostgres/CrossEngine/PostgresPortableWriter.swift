import PoolKit

/// Writes a portable schema as PostgreSQL objects for the `copy` restore strategy: each table
/// created bare before the data (columns, types, NOT NULL, defaults, identity, the CHECKs of
/// ENUM/SET labels and the translated CHECK conditions), its primary key, unique constraints and
/// indexes (expression and partial ones included) as soon as its rows are in,
/// foreign keys and identity counters after all the data, comments last. Everything goes into the
/// `public` schema; names are quoted exactly as they come (see `--fold-identifiers`).
struct PostgresPortableWriter: PortableArchiveWriter {
    var restoreStrategyName: String { "copy" }
    var engineName: String { "postgres" }
    static let schema = "public"

    func rowEncoder(for table: PortableTable) -> any PortableRowEncoder { PostgresCopyTextEncoder() }

    var expressionDialect: PortableExpressionDialect? { PostgresExpressionDialect.dialect }

    func manifest(for schema: PortableSchema, source: ArchiveManifest, warnings: inout [String]) throws -> ArchiveManifest {
        var objects: [ArchiveObject] = []
        var nextID = (schema.tables.map(\.id) + source.objects.map(\.id) + source.tables.map(\.id)).max() ?? 0
        func freshID() -> UInt32 {
            nextID += 1
            return nextID
        }
        let tableIDs = Dictionary(schema.tables.map { ($0.name, $0.id) }, uniquingKeysWith: { first, _ in first })
        var usedNames = Set(schema.tables.map(\.name))
        /// Index and constraint names share one namespace per schema in PostgreSQL.
        func unique(_ name: String, table: String) -> String {
            var candidate = name
            if usedNames.contains(candidate) { candidate = "\(table)_\(name)" }
            var suffix = 1
            let base = candidate
            while usedNames.contains(candidate) {
                suffix += 1
                candidate = "\(base)\(suffix)"
            }
            usedNames.insert(candidate)
            return candidate
        }
        var postData: [ArchiveObject] = []
        var afterData: [ArchiveObject] = []
        for table in schema.tables {
            let qualified = PostgresSQL.qualified(Self.schema, table.name)
            objects.append(
                ArchiveObject(
                    id: table.id, kind: .table, name: table.name, schema: Self.schema, section: .preData,
                    ddl: try createTable(table, warnings: &warnings)))
            if !table.primaryKey.isEmpty {
                let name = unique("\(table.name)_pkey", table: table.name)
                postData.append(
                    ArchiveObject(
                        id: freshID(), kind: .constraint, name: name, schema: Self.schema, section: .postData, dependencies: [table.id],
                        ddl: "ALTER TABLE ONLY \(qualified) ADD CONSTRAINT \(PostgresSQL.identifier(name)) PRIMARY KEY (\(table.primaryKey.map(PostgresSQL.identifier).joined(separator: ", ")));\n"))
            }
            for index in table.indexes {
                let name = unique(index.name, table: table.name)
                let (keys, predicate) = try PortableExpressionWriter(dialect: PostgresExpressionDialect.dialect).index(index)
                postData.append(
                    ArchiveObject(
                        id: freshID(), kind: .index, name: name, schema: Self.schema, section: .postData, dependencies: [table.id],
                        ddl: "CREATE \(index.unique ? "UNIQUE " : "")INDEX \(PostgresSQL.identifier(name)) ON \(qualified) (\(keys))\(predicate.map { " WHERE \($0)" } ?? "");\n"))
            }
            for (number, key) in table.foreignKeys.enumerated() {
                guard let referenced = tableIDs[key.referencedTable] else {
                    warnings.append("foreign key of \(table.name) (\(key.columns.joined(separator: ", "))) references \(key.referencedTable), which the archive does not have: not created")
                    continue
                }
                let name = unique(key.name ?? "\(table.name)_\(key.columns.joined(separator: "_"))_fkey\(number == 0 ? "" : String(number))", table: table.name)
                let target = key.referencedColumns.isEmpty ? "" : " (\(key.referencedColumns.map(PostgresSQL.identifier).joined(separator: ", ")))"
                afterData.append(
                    ArchiveObject(
                        id: freshID(), kind: .constraint, name: name, schema: Self.schema, section: .postData,
                        dependencies: Array(Set([table.id, referenced])).sorted(),
                        ddl: "ALTER TABLE ONLY \(qualified) ADD CONSTRAINT \(PostgresSQL.identifier(name)) FOREIGN KEY (\(key.columns.map(PostgresSQL.identifier).joined(separator: ", "))) REFERENCES \(PostgresSQL.qualified(Self.schema, key.referencedTable))\(target) ON DELETE \(PortableForeignKey.standardAction(key.onDelete)) ON UPDATE \(PortableForeignKey.standardAction(key.onUpdate));\n"))
            }
            if let column = table.autoIncrementColumn, case .integer = column.type {
                let next = table.nextAutoIncrement ?? 1
                afterData.append(
                    ArchiveObject(
                        id: freshID(), kind: .sequence, name: "\(table.name).\(column.name)", schema: Self.schema, section: .data,
                        dependencies: [table.id],
                        ddl: "SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence(\(PostgresSQL.literal(qualified)), \(PostgresSQL.literal(column.name))), GREATEST(COALESCE(max(\(PostgresSQL.identifier(column.name))), 0) + 1, \(next)), false) FROM \(qualified);\n"))
            }
            var comments: [String] = []
            if let comment = table.comment { comments.append("COMMENT ON TABLE \(qualified) IS \(PostgresSQL.literal(comment));") }
            for column in table.columns {
                if let comment = column.comment {
                    comments.append("COMMENT ON COLUMN \(qualified).\(PostgresSQL.identifier(column.name)) IS \(PostgresSQL.literal(comment));")
                }
            }
            if !comments.isEmpty {
                afterData.append(
                    ArchiveObject(
                        id: freshID(), kind: .comment, name: table.name, schema: Self.schema, section: .postData, dependencies: [table.id],
                        ddl: comments.joined(separator: "\n") + "\n"))
            }
        }
        objects += postData + afterData
        let tables = schema.tables.map { table in
            ArchiveTable(
                id: table.id, schema: Self.schema, name: table.name,
                columns: table.columns.map { ArchiveColumn(name: $0.name, type: Self.typeName($0.type), nullable: $0.nullable) },
                encoding: .postgresCopyText, chunks: source.table(id: table.id)?.chunks)
        }
        return ArchiveManifest(
            engine: source.engine, serverVersion: source.serverVersion, driver: "postgres", strategy: restoreStrategyName,
            createdAt: source.createdAt, toolVersion: source.toolVersion, objects: objects, tables: tables)
    }

    /// `CREATE TABLE` with every column, its type, NOT NULL, default and identity, and the CHECKs
    /// that keep ENUM and SET labels.
    private func createTable(_ table: PortableTable, warnings: inout [String]) throws -> String {
        var lines: [String] = []
        for column in table.columns {
            var line = "    \(PostgresSQL.identifier(column.name)) \(Self.typeName(column.type))"
            if column.autoIncrement, case .integer = column.type {
                line += " GENERATED BY DEFAULT AS IDENTITY"
            } else if let value = column.defaultValue {
                if let expression = defaultExpression(value, column: column) {
                    line += " DEFAULT \(expression)"
                } else {
                    warnings.append("the default of \(table.name).\(column.name) does not fit its type \(column.type.name): not created")
                }
            }
            if !column.nullable { line += " NOT NULL" }
            lines.append(line)
        }
        for check in table.checks {
            let column = PostgresSQL.identifier(check.column)
            let expression: String
            switch check.rule {
            case .oneOf(let values):
                expression = "\(column) IN (\(values.map(PostgresSQL.literal).joined(separator: ", ")))"
            case .subsetOf(let values):
                let labels = values.map(PostgresSQL.literal).joined(separator: ", ")
                expression = "\(column) <@ ARRAY[\(labels)]::text[]"
            case .condition(let condition):
                expression = try PortableExpressionWriter(dialect: PostgresExpressionDialect.dialect).sql(condition, strict: true)
            }
            lines.append("    CONSTRAINT \(PostgresSQL.identifier(check.name)) CHECK (\(expression))")
        }
        return "CREATE TABLE \(PostgresSQL.qualified(Self.schema, table.name)) (\n\(lines.joined(separator: ",\n"))\n);\n"
    }

    private func defaultExpression(_ value: PortableDefault, column: PortableColumn) -> String? {
        switch value {
        case .currentTimestamp:
            if case .timestamp(let zone) = column.type { return zone ? "CURRENT_TIMESTAMP" : "LOCALTIMESTAMP" }
            return nil
        case .currentDate: return column.type == .date ? "CURRENT_DATE" : nil
        case .currentTime: return column.type == .time ? "LOCALTIME" : nil
        case .literal(let text):
            guard let value = column.convertedDefault(literal: text) else { return nil }
            guard let literal = PostgresPortableText.text(value) else { return "NULL" }
            return PostgresSQL.literal(String(decoding: literal, as: UTF8.self))
        }
    }

    /// PostgreSQL's name for a portable type.
    static func typeName(_ type: PortableType) -> String {
        switch type {
        case .boolean: return "boolean"
        case .integer(let bits): return bits == 16 ? "smallint" : bits == 32 ? "integer" : "bigint"
        case .decimal(let precision, let scale): return precision.map { "numeric(\($0),\(scale ?? 0))" } ?? "numeric"
        case .real: return "real"
        case .double: return "double precision"
        case .text(let length): return length.map { "character varying(\($0))" } ?? "text"
        case .fixedText(let length): return "character(\(length))"
        case .blob: return "bytea"
        case .date: return "date"
        case .time: return "time without time zone"
        case .timestamp(let zone): return zone ? "timestamp with time zone" : "timestamp without time zone"
        case .json: return "json"
        case .uuid: return "uuid"
        case .enumeration: return "text"
        case .set: return "text[]"
        case .bits(let length): return "bit(\(length))"
        }
    }

}
