import PoolKit

/// Writes a portable schema as MariaDB objects for the `snapshot` restore strategy: each table
/// created with its columns, primary key, AUTO_INCREMENT counter (InnoDB clusters rows on the
/// key, so it comes first) and translated CHECK conditions (table-level, so they may use any column), secondary keys and foreign keys added after the rows. Tables use
/// utf8mb4 with the binary collation, so that text compares as in SQLite and PostgreSQL (a UNIQUE key
/// on 'a' and 'A' holds). A text column in a key becomes a `varchar` short enough for InnoDB's key
/// limit (``fitted(_:)``), a byte column `varbinary(3072)`; a longer value is refused like any value
/// the column cannot hold.
struct MariaDBPortableWriter: PortableArchiveWriter {
    var restoreStrategyName: String { "snapshot" }
    var engineName: String { "mariadb" }

    func rowEncoder(for table: PortableTable) -> any PortableRowEncoder { MariaDBTSVEncoder() }

    var expressionDialect: PortableExpressionDialect? { MariaDBExpressionDialect.dialect }

    /// MariaDB's floating-point columns hold neither NaN nor infinity, and store -0.0 as 0.
    func problem(storing value: PortableValue) -> String? {
        if case .real(let number) = value, !number.isFinite { return "MariaDB has no \(number) in a floating-point column" }
        if case .real(let number) = value, number == 0, number.sign == .minus { return "MariaDB stores -0.0 as 0" }
        if case .uuid(let text) = value, let problem = Self.uuidProblem(text) { return problem }
        return nil
    }

    /// MariaDB's UUID type (10.11) refuses a value whose version digit is 8–f while its variant
    /// digit is 1–8 (it would read like the byte-swapped form it stores version 1–5 UUIDs in):
    /// `CAST('…-8009-8009-…' AS UUID)` is NULL. Found by loading PostgreSQL's regression database.
    static func uuidProblem(_ text: String) -> String? {
        let digits = Array(text.utf8)
        guard digits.count == 36, let version = Int(String(UnicodeScalar(digits[14])), radix: 16),
            let variant = Int(String(UnicodeScalar(digits[19])), radix: 16)
        else { return nil }
        return version >= 8 && (1...8).contains(variant)
            ? "MariaDB's UUID type refuses a version digit of 8–f with a variant digit of 1–8" : nil
    }

    func manifest(for schema: PortableSchema, source: ArchiveManifest, warnings: inout [String]) throws -> ArchiveManifest {
        var objects: [ArchiveObject] = []
        var later: [ArchiveObject] = []
        var nextID = (schema.tables.map(\.id) + source.objects.map(\.id) + source.tables.map(\.id)).max() ?? 0
        func freshID() -> UInt32 {
            nextID += 1
            return nextID
        }
        let byName = Dictionary(schema.tables.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var tables: [ArchiveTable] = []
        for table in schema.tables {
            objects.append(
                ArchiveObject(id: table.id, kind: .table, name: table.name, section: .preData, ddl: try createTable(table, warnings: &warnings)))
            let quoted = mariadbIdentifier(table.name)
            if !table.indexes.isEmpty {
                let clauses = table.indexes.map { index in
                    "ADD \(index.unique ? "UNIQUE " : "")KEY \(mariadbIdentifier(index.name)) (\(index.columns.map { mariadbIdentifier($0.name) + ($0.descending ? " DESC" : "") }.joined(separator: ", ")))"
                }
                objects.append(
                    ArchiveObject(
                        id: freshID(), kind: .index, name: table.name, section: .postData, dependencies: [table.id],
                        ddl: "ALTER TABLE \(quoted) \(clauses.joined(separator: ", "))"))
            }
            for (number, key) in table.foreignKeys.enumerated() {
                guard let referenced = byName[key.referencedTable] else {
                    warnings.append("foreign key of \(table.name) (\(key.columns.joined(separator: ", "))) references \(key.referencedTable), which the archive does not have: not created")
                    continue
                }
                let columns = key.referencedColumns.isEmpty ? referenced.primaryKey : key.referencedColumns
                let name = key.name ?? "\(table.name)_ibfk_\(number + 1)"
                later.append(
                    ArchiveObject(
                        id: freshID(), kind: .constraint, name: name, section: .postData,
                        dependencies: Array(Set([table.id, referenced.id])).sorted(),
                        ddl: "ALTER TABLE \(quoted) ADD CONSTRAINT \(mariadbIdentifier(name)) FOREIGN KEY (\(key.columns.map(mariadbIdentifier).joined(separator: ", "))) REFERENCES \(mariadbIdentifier(key.referencedTable)) (\(columns.map(mariadbIdentifier).joined(separator: ", "))) ON DELETE \(PortableForeignKey.standardAction(key.onDelete)) ON UPDATE \(PortableForeignKey.standardAction(key.onUpdate))"))
            }
            tables.append(
                ArchiveTable(
                    id: table.id, name: table.name,
                    columns: table.columns.map { ArchiveColumn(name: $0.name, type: Self.typeName($0.type), nullable: $0.nullable, generated: false) },
                    encoding: .mariadbTSV, chunks: source.table(id: table.id)?.chunks))
        }
        return ArchiveManifest(
            engine: source.engine, serverVersion: source.serverVersion, driver: "mariadb", strategy: restoreStrategyName,
            createdAt: source.createdAt, toolVersion: source.toolVersion, objects: objects + later, tables: tables)
    }

    /// Key columns of unbounded text get a length that lets every key of the table fit InnoDB's
    /// limit of 3072 bytes (utf8mb4: 4 bytes a character; other columns counted at 16 bytes), so a
    /// longer value is refused by the conversion rather than cut or rejected by the server.
    func fitted(_ schema: PortableSchema) -> PortableSchema {
        var schema = schema
        for tableIndex in schema.tables.indices {
            let table = schema.tables[tableIndex]
            let keys = [table.primaryKey] + table.indexes.map { $0.columns.map(\.name) }
            let unbounded = Set(table.columns.filter { $0.type == .text(maxLength: nil) }.map(\.name))
            var length: [String: Int] = [:]
            let types = Dictionary(table.columns.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
            for key in keys {
                let texts = key.filter { unbounded.contains($0) }
                guard !texts.isEmpty else { continue }
                let others = key.filter { !unbounded.contains($0) }.reduce(0) { $0 + Self.keyBytes(types[$1]) }
                let share = max(1, (3072 - others) / (4 * texts.count))
                for name in texts { length[name] = min(length[name] ?? 768, share) }
            }
            for index in table.columns.indices {
                if let limit = length[table.columns[index].name] { schema.tables[tableIndex].columns[index].type = .text(maxLength: limit) }
            }
        }
        return Self.matchingForeignKeyTypes(schema)
    }

    /// At most the bytes a key column of `type` takes in an InnoDB index: a `decimal(65,30)` (an
    /// unconstrained numeric) takes 30, a `datetime(6)` 8, a `uuid` 16; a text column is sized apart.
    private static func keyBytes(_ type: PortableType?) -> Int {
        if case .decimal = type { return 32 }
        return 16
    }

    /// InnoDB creates a foreign key only between columns of the same type (an `int` cannot reference a
    /// `decimal`, a `longtext` cannot reference a `varchar`; strings of different lengths may), where
    /// PostgreSQL and SQLite compare across types. So a referencing column whose type differs takes the type of the column it
    /// references, with a warning; its values are then converted to that type by the usual rules, and
    /// one that does not fit is refused like any other. Repeated until no key changes, for chains.
    static func matchingForeignKeyTypes(_ schema: PortableSchema) -> PortableSchema {
        var schema = schema
        for _ in 0..<max(1, schema.tables.count) {
            var changed = false
            let byName = Dictionary(schema.tables.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            for tableIndex in schema.tables.indices {
                for key in schema.tables[tableIndex].foreignKeys {
                    guard let referenced = byName[key.referencedTable] else { continue }
                    let targets = key.referencedColumns.isEmpty ? referenced.primaryKey : key.referencedColumns
                    for (name, target) in zip(key.columns, targets) {
                        guard let wanted = referenced.columns.first(where: { $0.name == target })?.type,
                            let index = schema.tables[tableIndex].columns.firstIndex(where: { $0.name == name }),
                            !sameKeyType(schema.tables[tableIndex].columns[index].type, wanted)
                        else { continue }
                        let table = schema.tables[tableIndex]
                        schema.warnings.append(
                            "\(table.name).\(name) becomes \(wanted.name) (was \(table.columns[index].type.name)), the type of \(referenced.name).\(target) it references: MariaDB keys a foreign key only between columns of one type")
                        schema.tables[tableIndex].columns[index].type = wanted
                        changed = true
                    }
                }
            }
            if !changed { break }
        }
        return schema
    }

    /// Whether InnoDB keys a foreign key from a column of type `referencing` to one of `referenced`.
    private static func sameKeyType(_ referencing: PortableType, _ referenced: PortableType) -> Bool {
        if referencing == referenced { return true }
        switch (referencing, referenced) {
        case (.text(_?), .text), (.text(_?), .fixedText), (.fixedText, .text), (.fixedText, .fixedText): return true
        default: return false
        }
    }

    private func createTable(_ table: PortableTable, warnings: inout [String]) throws -> String {
        let keyed = Set(table.primaryKey + table.indexes.flatMap { $0.columns.map(\.name) })
        // MariaDB counts one column per table (PostgreSQL may have several identity columns): the first.
        let counted = table.autoIncrementColumn.flatMap { column -> String? in
            guard case .integer = column.type else { return nil }
            return column.name
        }
        for column in table.columns where column.autoIncrement && column.name != counted {
            warnings.append(
                "\(table.name).\(column.name) is counted in the source, but MariaDB counts one column per table (\(counted ?? "none")): its values are loaded, new rows get none")
        }
        var lines: [String] = []
        var labelChecks: [(column: String, labels: [String])] = []
        for column in table.columns {
            var type = Self.typeName(column.type)
            if column.type == .blob && keyed.contains(column.name) { type = "varbinary(3072)" }
            // MariaDB strips an ENUM label's trailing spaces ('tail ' would store 'tail'): such labels
            // go into a varchar compared without padding, with a CHECK of the labels.
            if case .enumeration(let labels) = column.type, labels.contains(where: { $0.hasSuffix(" ") }) {
                type = "varchar(\(max(1, labels.map(\.count).max() ?? 1))) COLLATE utf8mb4_nopad_bin"
                labelChecks.append((column.name, labels))
            }
            var line = "  \(mariadbIdentifier(column.name)) \(type)"
            line += column.nullable ? " NULL" : " NOT NULL"
            if column.name == counted {
                line += " AUTO_INCREMENT"
            } else if let value = column.defaultValue {
                if let expression = defaultExpression(value, column: column) {
                    line += " DEFAULT \(expression)"
                } else {
                    warnings.append("the default of \(table.name).\(column.name) does not fit its type \(column.type.name): not created")
                }
            }
            if let comment = column.comment { line += " COMMENT \(mariadbString(comment))" }
            lines.append(line)
        }
        if !table.primaryKey.isEmpty {
            lines.append("  PRIMARY KEY (\(table.primaryKey.map(mariadbIdentifier).joined(separator: ", ")))")
        }
        if let counted, table.primaryKey.first != counted {
            lines.append("  KEY (\(mariadbIdentifier(counted)))")  // AUTO_INCREMENT must be a key's first column
        }
        var checkNames: Set<String> = []
        for (column, labels) in labelChecks {
            let name = Self.checkName("\(column)_labels", taken: &checkNames)
            lines.append(
                "  CONSTRAINT \(mariadbIdentifier(name)) CHECK (\(mariadbIdentifier(column)) IN (\(labels.map(mariadbString).joined(separator: ", "))))")
        }
        for check in table.checks {
            guard case .condition(let condition) = check.rule else { continue }  // labels: the column is an ENUM/SET
            let expression = try PortableExpressionWriter(dialect: MariaDBExpressionDialect.dialect).sql(condition, strict: true)
            lines.append("  CONSTRAINT \(mariadbIdentifier(Self.checkName(check.name, taken: &checkNames))) CHECK (\(expression))")
        }
        var options = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
        if let next = table.nextAutoIncrement, table.autoIncrementColumn != nil { options += " AUTO_INCREMENT=\(next)" }
        if let comment = table.comment { options += " COMMENT=\(mariadbString(comment))" }
        return "CREATE TABLE \(mariadbIdentifier(table.name)) (\n\(lines.joined(separator: ",\n"))\n)\(options)"
    }

    /// `name` within MariaDB's limit of 64 characters for a name, and unlike the table's other
    /// CHECKs' (compared without case, as MariaDB compares them): cut, then numbered.
    static func checkName(_ name: String, taken: inout Set<String>) -> String {
        var candidate = String(name.prefix(64))
        var number = 1
        while taken.contains(candidate.lowercased()) {
            number += 1
            let suffix = "_\(number)"
            candidate = String(name.prefix(64 - suffix.count)) + suffix
        }
        taken.insert(candidate.lowercased())
        return candidate
    }

    private func defaultExpression(_ value: PortableDefault, column: PortableColumn) -> String? {
        switch value {
        case .currentTimestamp:
            if case .timestamp = column.type { return "CURRENT_TIMESTAMP(6)" }
            return nil
        case .currentDate: return column.type == .date ? "(CURRENT_DATE)" : nil
        case .currentTime: return column.type == .time ? "(CURRENT_TIME)" : nil
        case .literal(let text):
            guard let value = column.convertedDefault(literal: text) else { return nil }
            guard let bytes = MariaDBTSVEncoder.bytes(value) else { return "NULL" }
            if case .bits(let digits) = value { return "b'\(digits)'" }
            return mariadbString(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// MariaDB's name for a portable type.
    static func typeName(_ type: PortableType) -> String {
        switch type {
        case .boolean: return "tinyint(1)"
        case .integer(let bits): return bits == 16 ? "smallint" : bits == 32 ? "int" : "bigint"
        case .decimal(let precision, let scale):
            guard let precision, precision <= 65 else { return "decimal(65,30)" }
            return "decimal(\(precision),\(min(scale ?? 0, 30)))"
        case .real: return "float"
        case .double: return "double"
        case .text(let length): return length.map { "varchar(\($0))" } ?? "longtext"
        case .fixedText(let length): return "char(\(length))"
        case .blob: return "longblob"
        case .date: return "date"
        case .time: return "time(6)"
        case .timestamp: return "datetime(6)"
        case .json: return "json"
        case .uuid: return "uuid"
        case .enumeration(let labels): return "enum(\(labels.map(mariadbString).joined(separator: ",")))"
        case .set(let labels): return "set(\(labels.map(mariadbString).joined(separator: ",")))"
        case .bits(let length): return "bit(\(min(length, 64)))"
        }
    }

}
