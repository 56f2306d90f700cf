import PoolKit

/// Writes a portable schema as SQLite objects for the `logical` restore strategy: each table with
/// its columns, primary key, foreign keys, the CHECK of ENUM labels and the translated CHECK
/// conditions in one `CREATE TABLE` (SQLite cannot add keys later), indexes (expression and partial
/// ones included) after the rows, AUTOINCREMENT counters in `sqlite_sequence`.
/// Declared types are chosen so SQLite's affinity keeps each value's form (docs/migrating.md).
struct SQLitePortableWriter: PortableArchiveWriter {
    var restoreStrategyName: String { "logical" }
    var engineName: String { "sqlite" }

    func rowEncoder(for table: PortableTable) -> any PortableRowEncoder { SQLiteTypedEncoder() }

    var expressionDialect: PortableExpressionDialect? { SQLiteExpressionDialect.dialect }

    /// SQLite stores a NaN as NULL; and a number in a NUMERIC column as an INTEGER, or else as a
    /// REAL — which loses digits beyond 2⁶³−1 or beyond 15 significant digits.
    func problem(storing value: PortableValue) -> String? {
        switch value {
        case .real(let number) where number.isNaN: return "SQLite stores NaN as NULL"
        case .real(let number) where number == 0 && number.sign == .minus: return "SQLite stores -0.0 as 0"
        case .decimal(let text):
            let digits = text.drop { $0 == "-" || $0 == "+" }
            if !digits.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
                return Int64(text) == nil ? "SQLite would store \(text) as a REAL, losing digits" : nil
            }
            let significant = digits.prefix { $0 != "e" && $0 != "E" }.filter(\.isNumber).drop { $0 == "0" }
            let trimmed = significant.reversed().drop { $0 == "0" }
            return trimmed.count > 15 ? "SQLite would store \(text) as a REAL, losing digits" : nil
        default: return nil
        }
    }

    func manifest(for schema: PortableSchema, source: ArchiveManifest, warnings: inout [String]) throws -> ArchiveManifest {
        var objects: [ArchiveObject] = []
        var later: [ArchiveObject] = []
        var nextID = (schema.tables.map(\.id) + source.objects.map(\.id) + source.tables.map(\.id)).max() ?? 0
        func freshID() -> UInt32 {
            nextID += 1
            return nextID
        }
        var indexNames = Set(schema.tables.map { sqliteFoldName($0.name) })
        for table in schema.tables {
            let counter = Self.counterColumn(table)
            for column in table.columns where column.autoIncrement && column.name != counter {
                warnings.append(
                    "\(table.name).\(column.name) is counted in the source, but SQLite counts only a column that is the whole INTEGER PRIMARY KEY: its values are loaded, new rows must give one")
            }
            objects.append(
                ArchiveObject(
                    id: table.id, kind: .table, name: table.name, section: .preData,
                    ddl: try createTable(table, counter: counter, warnings: &warnings) + ";"))
            for index in table.indexes {
                var name = index.name
                if indexNames.contains(sqliteFoldName(name)) { name = "\(table.name)_\(name)" }
                indexNames.insert(sqliteFoldName(name))
                let (keys, predicate) = try PortableExpressionWriter(dialect: SQLiteExpressionDialect.dialect).index(index)
                later.append(
                    ArchiveObject(
                        id: freshID(), kind: .index, name: name, section: .postData, dependencies: [table.id],
                        ddl: "CREATE \(index.unique ? "UNIQUE " : "")INDEX \(sqliteQuoteIdentifier(name)) ON \(sqliteQuoteIdentifier(table.name)) (\(keys))\(predicate.map { " WHERE \($0)" } ?? "");"))
            }
            if counter != nil, let next = table.nextAutoIncrement {
                let name = sqliteQuoteString(table.name)
                later.append(
                    ArchiveObject(
                        id: freshID(), kind: .sequence, name: table.name, section: .data, dependencies: [table.id],
                        ddl: "DELETE FROM main.sqlite_sequence WHERE name = \(name);\nINSERT INTO main.sqlite_sequence(name, seq) SELECT \(name), max(\(next - 1), coalesce((SELECT max(rowid) FROM \(sqliteQuoteIdentifier(table.name))), 0));"))
            }
        }
        let tables = schema.tables.map { table in
            ArchiveTable(
                id: table.id, name: table.name,
                columns: table.columns.map { ArchiveColumn(name: $0.name, type: Self.typeName($0.type), nullable: $0.nullable, generated: false) },
                encoding: .sqliteTypedV1, chunks: source.table(id: table.id)?.chunks)
        }
        return ArchiveManifest(
            engine: source.engine, serverVersion: source.serverVersion, driver: "sqlite", strategy: restoreStrategyName,
            createdAt: source.createdAt, toolVersion: source.toolVersion, objects: objects + later, tables: tables)
    }

    /// The column that becomes `INTEGER PRIMARY KEY AUTOINCREMENT`: a counted integer that is the whole primary key.
    private static func counterColumn(_ table: PortableTable) -> String? {
        guard table.primaryKey.count == 1, let column = table.columns.first(where: { $0.name == table.primaryKey[0] }), column.autoIncrement,
            case .integer = column.type
        else { return nil }
        return column.name
    }

    private func createTable(_ table: PortableTable, counter: String?, warnings: inout [String]) throws -> String {
        var lines: [String] = []
        for column in table.columns {
            var line = "  \(sqliteQuoteIdentifier(column.name)) \(Self.typeName(column.type))"
            if column.name == counter {
                line += " PRIMARY KEY AUTOINCREMENT"
            } else if !column.nullable {
                line += " NOT NULL"
            }
            if column.name != counter, let value = column.defaultValue {
                if let expression = defaultExpression(value, column: column) {
                    line += " DEFAULT \(expression)"
                } else {
                    warnings.append("the default of \(table.name).\(column.name) does not fit its type \(column.type.name): not created")
                }
            }
            if case .enumeration(let labels) = column.type {
                line += " CHECK (\(sqliteQuoteIdentifier(column.name)) IN (\(labels.map(sqliteQuoteString).joined(separator: ", "))))"
            }
            lines.append(line)
        }
        if counter == nil && !table.primaryKey.isEmpty {
            lines.append("  PRIMARY KEY (\(table.primaryKey.map(sqliteQuoteIdentifier).joined(separator: ", ")))")
        }
        for check in table.checks {
            guard case .condition(let condition) = check.rule else { continue }  // labels: the column's own CHECK above
            let expression = try PortableExpressionWriter(dialect: SQLiteExpressionDialect.dialect).sql(condition, strict: true)
            lines.append("  CONSTRAINT \(sqliteQuoteIdentifier(check.name)) CHECK (\(expression))")
        }
        for key in table.foreignKeys {
            let target = key.referencedColumns.isEmpty ? "" : " (\(key.referencedColumns.map(sqliteQuoteIdentifier).joined(separator: ", ")))"
            lines.append(
                "  FOREIGN KEY (\(key.columns.map(sqliteQuoteIdentifier).joined(separator: ", "))) REFERENCES \(sqliteQuoteIdentifier(key.referencedTable))\(target) ON DELETE \(PortableForeignKey.standardAction(key.onDelete)) ON UPDATE \(PortableForeignKey.standardAction(key.onUpdate))")
        }
        return "CREATE TABLE \(sqliteQuoteIdentifier(table.name)) (\n\(lines.joined(separator: ",\n"))\n)"
    }

    private func defaultExpression(_ value: PortableDefault, column: PortableColumn) -> String? {
        switch value {
        case .currentTimestamp:
            if case .timestamp = column.type { return "CURRENT_TIMESTAMP" }
            return nil
        case .currentDate: return column.type == .date ? "CURRENT_DATE" : nil
        case .currentTime: return column.type == .time ? "CURRENT_TIME" : nil
        case .literal(let text):
            guard let value = column.convertedDefault(literal: text) else { return nil }
            switch SQLiteTypedEncoder.stored(value) {
            case .null: return "NULL"
            case .integer(let number): return String(number)
            case .real(let number): return number.isFinite ? String(number) : nil
            case .text(let bytes): return sqliteQuoteString(String(decoding: bytes, as: UTF8.self))
            case .blob(let bytes): return "x'" + bytes.map { String(format2: $0) }.joined() + "'"
            }
        }
    }

    /// The declared type: SQLite's affinity rules then keep each value's storage class (dates and
    /// timestamps stay text, booleans integers); types SQLite has no name for are text.
    static func typeName(_ type: PortableType) -> String {
        switch type {
        case .boolean: return "BOOLEAN"
        case .integer: return "INTEGER"
        case .decimal(let precision, let scale): return precision.map { "NUMERIC(\($0),\(scale ?? 0))" } ?? "NUMERIC"
        case .real, .double: return "REAL"
        case .text(let length): return length.map { "VARCHAR(\($0))" } ?? "TEXT"
        case .fixedText(let length): return "CHARACTER(\(length))"
        case .blob: return "BLOB"
        case .date: return "DATE"
        case .time: return "TIME"
        case .timestamp(let zone): return zone ? "TIMESTAMPTZ" : "DATETIME"
        case .json: return "JSON"
        case .uuid: return "UUID"
        case .enumeration, .set, .bits: return "TEXT"
        }
    }
}

extension String {
    /// `byte` as two lower-case hex digits.
    fileprivate init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}

/// Rows in `sqlite-typed-v1`: the rowid slot (NULL: SQLite numbers the rows, or the INTEGER PRIMARY
/// KEY column carries it), then each value with its storage class.
struct SQLiteTypedEncoder: PortableRowEncoder {
    enum Stored {
        case null
        case integer(Int64)
        case real(Double)
        case text([UInt8])
        case blob([UInt8])
    }

    /// The storage class a converted value is written with.
    static func stored(_ value: PortableValue) -> Stored {
        switch value {
        case .null: return .null
        case .integer(let number): return .integer(number)
        case .boolean(let flag): return .integer(flag ? 1 : 0)
        case .real(let number): return .real(number)
        case .blob(let bytes): return .blob(bytes)
        case .text(let bytes), .json(let bytes): return .text(bytes)
        case .decimal(let text), .date(let text), .time(let text), .timestamp(let text), .uuid(let text), .bits(let text):
            return .text(Array(text.utf8))
        case .labels(let labels): return .text(Array(labels.joined(separator: ",").utf8))
        case .unreadable:
            preconditionFailure("PortableValueConverter refuses an unreadable value before any encoder sees it")
        }
    }

    func append(_ row: [PortableValue], to buffer: inout [UInt8]) {
        buffer.append(SQLiteTypedEncoding.null)
        for value in row {
            switch Self.stored(value) {
            case .null: buffer.append(SQLiteTypedEncoding.null)
            case .integer(let number): fixed(SQLiteTypedEncoding.integer, UInt64(bitPattern: number), &buffer)
            case .real(let number): fixed(SQLiteTypedEncoding.real, number.bitPattern, &buffer)
            case .text(let bytes): variable(SQLiteTypedEncoding.text, bytes, &buffer)
            case .blob(let bytes): variable(SQLiteTypedEncoding.blob, bytes, &buffer)
            }
        }
    }

    private func fixed(_ tag: UInt8, _ bits: UInt64, _ buffer: inout [UInt8]) {
        buffer.append(tag)
        withUnsafeBytes(of: bits.littleEndian) { buffer.append(contentsOf: $0) }
    }

    private func variable(_ tag: UInt8, _ bytes: [UInt8], _ buffer: inout [UInt8]) {
        buffer.append(tag)
        withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { buffer.append(contentsOf: $0) }
        buffer.append(contentsOf: bytes)
    }
}
