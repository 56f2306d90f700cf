import Foundation
import Logging
import PoolKit

/// Reads a `logical` archive of SQLite as a portable schema. The archive keeps each table's
/// `CREATE TABLE` text; rather than parse SQLite's grammar, the reader runs those statements in a
/// private in-memory database and asks SQLite itself (`PRAGMA table_xinfo`, `index_list`,
/// `index_xinfo`, `foreign_key_list`) for columns, keys, defaults and indexes.
struct SQLitePortableReader: PortableArchiveReader {
    var textualEncoding: Bool { false }

    func portableSchema(of manifest: ArchiveManifest, logger: Logger) async throws -> PortableSchema {
        guard manifest.blobs.isEmpty || !manifest.tables.isEmpty else {
            throw PoolKitError(
                .archiveUnsupported,
                "this SQLite archive holds the database file (strategy '\(manifest.strategy)'), not rows: back the database up with --strategy logical to restore it into another engine")
        }
        var notCarried: [PortableNotCarried] = []
        let tableObjects = Dictionary(
            manifest.objects.filter { $0.kind == .table }.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let tables = manifest.tables.filter { tableObjects[$0.id] != nil }
        guard tables.count == manifest.tables.count || !tables.isEmpty || manifest.tables.isEmpty else {
            throw PoolKitError(.archiveUnsupported, "this SQLite archive has rows but no table definitions (a --data-only backup): back it up with its schema to restore it into another engine")
        }
        for object in manifest.objects {
            switch object.kind {
            case .view, .trigger:
                notCarried.append(
                    PortableNotCarried(
                        kind: object.kind.rawValue, name: object.name, reason: "written in SQLite's SQL dialect; port it by hand",
                        definition: object.ddl))
            case .virtualTable:
                notCarried.append(
                    PortableNotCarried(
                        kind: "virtual-table", name: object.name, reason: "a SQLite module (FTS, R*Tree, …) no other engine has",
                        definition: object.ddl))
            default: break
            }
        }
        let counters = Self.autoIncrementCounters(manifest)
        let database = try await SQLiteConnection.open(SQLiteConfiguration(url: try ConnectionURL("sqlite::memory:")), logger: logger)
        let portable: [PortableTable]
        do {
            portable = try await describe(
                tables, objects: tableObjects, indexes: manifest.objects.filter { $0.kind == .index }.compactMap(\.ddl), counters: counters,
                on: database, notCarried: &notCarried)
            await database.close()
        } catch {
            await database.close()
            throw error
        }
        var described = portable
        for index in manifest.objects where index.kind == .index {
            guard let ddl = index.ddl, !portable.contains(where: { $0.indexes.contains { $0.name == index.name } }) else { continue }
            do {
                let (position, expressionIndex) = try Self.expressionIndex(index.name, ddl: ddl, tables: described, objects: tableObjects)
                described[position].indexes.append(expressionIndex)
            } catch {
                notCarried.append(
                    PortableNotCarried(
                        kind: "index", name: index.name, reason: "not translated: \((error as? PortableExpressionRefusal)?.reason ?? "\(error)")",
                        definition: ddl))
            }
        }
        return PortableSchema(tables: described, notCarried: notCarried)
    }

    /// The CHECKs of a table's `CREATE TABLE`, each read as a portable condition or listed as not carried.
    private static func checks(of table: String, ddl: String, columns: [PortableColumn], notCarried: inout [PortableNotCarried]) -> [PortableCheck] {
        guard let (found, collated) = try? SQLiteDDLExpressions.checks(inCreateTable: ddl) else { return [] }
        let reader = expressionReader(columns, collated: collated)
        var checks: [PortableCheck] = []
        var names: Set<String> = []
        for check in found {
            var name = check.name ?? (check.column.map { "\(table)_\($0)_check" } ?? "\(table)_check")
            let base = name
            var suffix = 1
            while names.contains(sqliteFoldName(name)) {
                suffix += 1
                name = "\(base)\(suffix)"
            }
            names.insert(sqliteFoldName(name))
            let definition = "CHECK (\(check.text))"
            do {
                checks.append(.condition(name: name, try reader.condition(check.text), definition: definition))
            } catch {
                notCarried.append(
                    PortableNotCarried(
                        kind: "check", name: "\(table).\(name)", reason: "not translated: \((error as? PortableExpressionRefusal)?.reason ?? "\(error)")",
                        definition: definition))
            }
        }
        return checks
    }

    private static func expressionReader(_ columns: [PortableColumn], collated: Set<String>) -> PortableExpressionReader {
        let collatedNames = Set(collated.map(sqliteFoldName))
        return PortableExpressionReader(
            dialect: SQLiteExpressionDialect.dialect,
            columns: columns.map { PortableExpressionColumn(name: $0.name, type: $0.type, exactText: !collatedNames.contains(sqliteFoldName($0.name))) })
    }

    /// An index with expression keys or a WHERE predicate, read from its `CREATE INDEX`: the
    /// position of its table and the index, or a refusal.
    private static func expressionIndex(
        _ name: String, ddl: String, tables: [PortableTable], objects: [UInt32: ArchiveObject]
    ) throws -> (Int, PortableIndex) {
        guard let parts = try SQLiteDDLExpressions.index(ddl), let position = tables.firstIndex(where: { sqliteSameName($0.name, parts.table) }) else {
            throw PortableExpressionRefusal("its CREATE INDEX could not be read")
        }
        let table = tables[position]
        let collated = (try? SQLiteDDLExpressions.checks(inCreateTable: objects[table.id]?.ddl ?? ""))?.collated ?? []
        let reader = expressionReader(table.columns, collated: collated)
        var columns: [(name: String, descending: Bool)] = []
        var expressions: [Int: PortableExpression] = [:]
        for (position, key) in parts.keys.enumerated() {
            let (expression, descending) = try reader.indexKey(key, strict: parts.unique)
            if case .column(let column) = expression {
                columns.append((column, descending))
            } else {
                columns.append((key, descending))
                expressions[position] = expression
            }
        }
        let predicate = try parts.predicate.map { try reader.condition($0, strict: parts.unique) }
        return (position, PortableIndex(name: name, columns: columns, unique: parts.unique, expressions: expressions, predicate: predicate, definition: ddl))
    }

    func rowDecoder(for table: ArchiveTable, in manifest: ArchiveManifest) throws -> any PortableRowDecoder {
        guard table.encoding == .sqliteTypedV1 else {
            throw PoolKitError(.archiveUnsupported, "table \(table.name) is stored as '\(table.encoding)', which the SQLite reader does not read")
        }
        return SQLitePortableRowDecoder(storedColumns: table.columns.filter { $0.generated != true }.count)
    }

    /// AUTOINCREMENT counters (`sqlite_sequence`), read from the archive's sequence objects.
    private static func autoIncrementCounters(_ manifest: ArchiveManifest) -> [String: Int64] {
        var counters: [String: Int64] = [:]
        for object in manifest.objects where object.kind == .sequence {
            guard let ddl = object.ddl, let values = ddl.range(of: "VALUES (", options: .backwards) else { continue }
            let tail = ddl[values.upperBound...]
            guard let comma = tail.lastIndex(of: ","), let close = tail.lastIndex(of: ")"), comma < close,
                let value = Int64(tail[tail.index(after: comma)..<close].trimmingCharacters(in: .whitespaces))
            else { continue }
            counters[object.name] = value
        }
        return counters
    }

    /// Creates the tables in the in-memory `database` and describes each.
    private func describe(
        _ tables: [ArchiveTable], objects: [UInt32: ArchiveObject], indexes: [String], counters: [String: Int64], on database: SQLiteConnection,
        notCarried: inout [PortableNotCarried]
    ) async throws -> [PortableTable] {
        try await database.execute(unsafeSQL: tables.compactMap { objects[$0.id]?.ddl }.joined(separator: "\n"))
        // The indexes too, so SQLite describes them; one that SQLite cannot create here (it names
        // a function or collation of the application) stays out and is reported as not carried.
        for index in indexes { try? await database.execute(unsafeSQL: index) }
        var portable: [PortableTable] = []
        for table in tables {
            portable.append(
                try await describe(
                    table, ddl: objects[table.id]?.ddl ?? "", nextAutoIncrement: counters[table.name].map { $0 + 1 }, on: database,
                    notCarried: &notCarried))
        }
        return portable
    }

    /// One table, as SQLite describes it.
    private func describe(
        _ table: ArchiveTable, ddl: String, nextAutoIncrement: Int64?, on database: SQLiteConnection,
        notCarried: inout [PortableNotCarried]
    ) async throws -> PortableTable {
        let quoted = sqliteQuoteString(table.name)
        let info = try await database.query(unsafeSQL: "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(\(quoted))").rows
        var columns: [PortableColumn] = []
        var keyColumns: [(position: Int, name: String, declared: String)] = []
        for row in info {
            let name = row[0] ?? "", declared = row[1] ?? ""
            let hidden = Int(row[5] ?? "0") ?? 0
            if hidden == 2 || hidden == 3 {
                notCarried.append(
                    PortableNotCarried(
                        kind: "generated-column", name: "\(table.name).\(name)",
                        reason: "a generated column's expression is in SQLite's dialect; the target has no such column", definition: ddl))
                continue
            }
            if hidden != 0 { continue }
            var column = PortableColumn(
                name: name, type: SQLiteTypeMapping.portableType(declared: declared),
                sourceTypeName: declared.isEmpty ? "(none)" : declared, nullable: row[2] == "0")
            if let text = row[3] {
                if let value = SQLiteTypeMapping.portableDefault(text) {
                    column.defaultValue = value
                } else {
                    notCarried.append(.expressionDefault(table: table.name, column: name, expression: text, dialect: "SQLite's"))
                }
            }
            if let position = Int(row[4] ?? "0"), position > 0 { keyColumns.append((position, name, declared)) }
            columns.append(column)
        }
        keyColumns.sort { $0.position < $1.position }
        let withoutRowid = ddl.range(of: #"\)\s*(STRICT\s*,\s*)?WITHOUT\s+ROWID"#, options: [.regularExpression, .caseInsensitive]) != nil
        // `INTEGER PRIMARY KEY` of a rowid table is the rowid: SQLite numbers it, so the target counts too.
        if keyColumns.count == 1, !withoutRowid, keyColumns[0].declared.uppercased() == "INTEGER",
            let index = columns.firstIndex(where: { $0.name == keyColumns[0].name })
        {
            columns[index].autoIncrement = true
            columns[index].nullable = false
        }
        let checks = Self.checks(of: table.name, ddl: ddl, columns: columns, notCarried: &notCarried)
        return PortableTable(
            id: table.id, name: table.name, columns: columns, primaryKey: keyColumns.map(\.name),
            indexes: try await indexes(of: table.name, on: database),
            foreignKeys: try await foreignKeys(of: table.name, on: database), checks: checks, nextAutoIncrement: nextAutoIncrement)
    }

    /// Indexes on plain columns (those from CREATE INDEX and from UNIQUE constraints); the primary
    /// key's own index is the key. Expression and partial indexes are left out here.
    private func indexes(of table: String, on database: SQLiteConnection) async throws -> [PortableIndex] {
        let list = try await database.query(unsafeSQL: "SELECT name, \"unique\", origin, partial FROM pragma_index_list(\(sqliteQuoteString(table))) ORDER BY seq DESC").rows
        var result: [PortableIndex] = []
        for row in list {
            guard let name = row[0], row[2] != "pk", row[3] == "0" else { continue }
            let parts = try await database.query(unsafeSQL: 
                "SELECT cid, name, \"desc\" FROM pragma_index_xinfo(\(sqliteQuoteString(name))) WHERE key = 1 ORDER BY seqno").rows
            guard !parts.contains(where: { $0[0] == "-2" }) else { continue }
            let columns = parts.map { (name: $0[1] ?? "", descending: $0[2] == "1") }
            let portableName = name.hasPrefix("sqlite_autoindex_") ? "\(table)_\(columns.map(\.name).joined(separator: "_"))_key" : name
            result.append(PortableIndex(name: portableName, columns: columns, unique: row[1] == "1"))
        }
        return result
    }

    private func foreignKeys(of table: String, on database: SQLiteConnection) async throws -> [PortableForeignKey] {
        let rows = try await database.query(unsafeSQL: 
            "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(\(sqliteQuoteString(table))) ORDER BY id, seq").rows
        var keys: [String: PortableForeignKey] = [:]
        var order: [String] = []
        for row in rows {
            let id = row[0] ?? ""
            if keys[id] == nil {
                order.append(id)
                keys[id] = PortableForeignKey(
                    name: nil, columns: [], referencedTable: row[1] ?? "", referencedColumns: [], onDelete: row[5] ?? "NO ACTION",
                    onUpdate: row[4] ?? "NO ACTION")
            }
            keys[id]!.columns.append(row[2] ?? "")
            if let to = row[3] { keys[id]!.referencedColumns.append(to) }
        }
        return order.compactMap { keys[$0] }
    }
}
