/// How one table's rows are read for the archive.
struct SQLiteTableDump: Sendable, Hashable {
    /// The table, for messages.
    var name: String
    /// `SELECT <list> FROM main."name"`: the rowid slot (the rowid, or NULL), then the stored columns.
    var selectSQL: String
    /// What rowid ranges are taken on; nil when the table is read whole.
    var rangeExpression: String?
    /// The rowid slot plus the stored columns.
    var valuesPerRow: Int

    /// The query for keys `lower...upper` (either bound may be open), in key order. The upper
    /// bound is written half-open (`< upper + 1`): the same for integer rowids, and for the
    /// leading key of a WITHOUT ROWID table it also takes the REAL values between two ranges.
    /// TEXT and BLOB keys sort after every number, so the last, open-ended range takes them.
    func sql(lower: Int64?, upper: Int64?) -> String {
        guard let rangeExpression else { return selectSQL }
        var conditions: [String] = []
        if let lower { conditions.append("\(rangeExpression) >= \(lower)") }
        if let upper {
            conditions.append(upper == .max ? "\(rangeExpression) <= \(upper)" : "\(rangeExpression) < \(upper + 1)")
        }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return selectSQL + filter + " ORDER BY \(rangeExpression)"
    }
}

/// The catalog, chunk plan and table readers of a `logical` backup, made from a snapshot's catalog.
struct SQLiteLogicalPlan: Sendable {
    var catalog: BackupCatalog
    var chunks: [BackupChunk] = []
    /// How to read each table, by table id.
    var dumps: [UInt32: SQLiteTableDump] = [:]

    /// Throws `.unsupported` when a chosen virtual table cannot be read.
    init(snapshot: SQLiteCatalogSnapshot, sizes: SQLiteTableSizes?, options: BackupOptions, serverVersion: String) throws {
        let header = snapshot.header
        catalog = BackupCatalog(
            engine: "sqlite", serverVersion: serverVersion,
            properties: [
                "encoding": header.encoding, "page_size": "\(header.pageSize)", "page_count": "\(header.pageCount)",
                "auto_vacuum": "\(header.autoVacuum)", "user_version": "\(header.userVersion)",
                "application_id": "\(header.applicationID)", "journal_mode": header.journalMode,
                "schema_version": "\(header.schemaVersion)", "freelist_count": "\(header.freelistCount)",
            ])
        var builder = Builder()
        let withSchema = !options.dataOnly
        let withData = !options.schemaOnly
        let selected = { (name: String) in options.selects(schema: "main", name: name) }

        if withSchema {
            builder.add(
                .databaseFormat, "main", .preData,
                ddl: "PRAGMA main.encoding = \(sqliteQuoteString(header.encoding));\nPRAGMA main.page_size = \(header.pageSize);\nPRAGMA main.auto_vacuum = \(header.autoVacuum);")
        }

        // Pre-data: tables and virtual tables in creation order; which tables carry rows.
        var dataTables: [(table: SQLiteCatalogSnapshot.Table, id: UInt32?)] = []
        var rebuilds: [(name: String, id: UInt32?)] = []
        let owners = Dictionary(
            snapshot.tables.compactMap { table -> (String, SQLiteCatalogSnapshot.VirtualData)? in
                guard case .virtual(_, let data) = table.kind else { return nil }
                return (sqliteFoldName(table.name), data)
            }, uniquingKeysWith: { first, _ in first })
        for table in snapshot.tables {
            switch table.kind {
            case .ordinary:
                guard selected(table.name) else { continue }
                let id = withSchema ? builder.add(.table, table.name, .preData, ddl: table.sql + ";") : nil
                builder.names.updateValue(id, forKey: sqliteFoldName(table.name))
                dataTables.append((table, id))
            case .virtual(_, let data):
                guard selected(table.name) else { continue }
                if let unavailable = table.unavailable { throw unavailable }
                let id = withSchema ? builder.add(.virtualTable, table.name, .preData, ddl: table.sql + ";") : nil
                builder.names.updateValue(id, forKey: sqliteFoldName(table.name))
                switch data {
                case .rows: dataTables.append((table, id))
                case .rebuild: rebuilds.append((table.name, id))
                case .shadowTables:
                    let shadows = snapshot.tables.filter { if case .shadow(let owner) = $0.kind { return owner == table.name } else { return false } }
                    if withSchema && withData {
                        builder.add(
                            .virtualTableReset, table.name, .preData, dependencies: id.map { [$0] } ?? [],
                            ddl: shadows.map { "DELETE FROM \(sqliteQualifiedName($0.name));" }.joined(separator: "\n"))
                    }
                case .none: break
                }
            case .shadow(let owner):
                // Shadow tables are created with their virtual table; their rows travel only when the
                // module's data cannot be read back through the virtual table.
                if selected(owner), owners[sqliteFoldName(owner)] == .shadowTables { dataTables.append((table, nil)) }
            }
        }

        // Data: table rows, then the AUTOINCREMENT counters.
        if withData {
            let rowidTables = dataTables.filter { $0.table.rangeExpression != nil }.count
            for (table, objectID) in dataTables {
                let id = objectID ?? builder.freshID()
                let stored = table.storedColumns
                let slot = table.dumpsRowid ? table.rowidName! : "NULL"
                let list = ([slot] + stored.map { sqliteQuoteIdentifier($0.name) }).joined(separator: ", ")
                let dump = SQLiteTableDump(
                    name: table.name, selectSQL: "SELECT \(list) FROM \(sqliteQualifiedName(table.name))",
                    rangeExpression: table.rangeExpression, valuesPerRow: 1 + stored.count)
                dumps[id] = dump
                let tableChunks = Self.chunks(
                    of: table, id: id, sizes: sizes, tableCount: max(rowidTables, 1), target: options.targetChunkBytes)
                chunks += tableChunks
                builder.tables.append(
                    ArchiveTable(id: id, name: table.name, columns: table.columns, encoding: .sqliteTypedV1, chunks: tableChunks.count))
            }
            for row in snapshot.sequences {
                guard let tableID = builder.names[sqliteFoldName(row.table)] else { continue }
                let name = sqliteQuoteString(row.table)
                builder.add(
                    .sequence, row.table, .data, dependencies: tableID.map { [$0] } ?? [],
                    ddl: "DELETE FROM main.sqlite_sequence WHERE name = \(name);\nINSERT INTO main.sqlite_sequence(name, seq) VALUES (\(name), \(row.value));")
            }
        }

        // Post-data: indexes, triggers and views in creation order, then rebuilds, statistics, header.
        if withSchema {
            for entry in snapshot.entries {
                guard let sql = entry.sql else { continue }  // automatic indexes have no SQL
                switch entry.type {
                case "index", "trigger":
                    guard let parent = builder.names[sqliteFoldName(entry.tableName)] else { continue }
                    builder.add(entry.type == "index" ? .index : .trigger, entry.name, .postData, dependencies: parent.map { [$0] } ?? [], ddl: sql + ";")
                case "view":
                    guard selected(entry.name) else { continue }
                    let id = builder.add(.view, entry.name, .postData, ddl: sql + ";")
                    builder.names.updateValue(id, forKey: sqliteFoldName(entry.name))
                default:
                    continue
                }
            }
            if withData {
                for (name, id) in rebuilds {
                    let quoted = sqliteQuoteIdentifier(name)
                    builder.add(
                        .virtualTableRebuild, name, .postData, dependencies: id.map { [$0] } ?? [],
                        ddl: "INSERT INTO main.\(quoted)(\(quoted)) VALUES ('rebuild');")
                }
                if snapshot.hasStatistics {
                    // Statistics of the chosen tables, and of the shadow tables their virtual tables create.
                    let shadows = snapshot.tables.compactMap { table -> String? in
                        guard case .shadow(let owner) = table.kind, builder.names[sqliteFoldName(owner)] != nil else { return nil }
                        return sqliteFoldName(table.name)
                    }
                    let covered = Set(builder.names.keys).union(shadows)
                    let rows = snapshot.statistics.filter { covered.contains(sqliteFoldName($0.table)) }
                    let tables = Set(rows.map(\.table)).sorted()
                    var ddl = ["ANALYZE main.sqlite_schema;"]  // creates sqlite_stat1 if missing (it cannot be created by name)
                    ddl += tables.map { "DELETE FROM main.sqlite_stat1 WHERE tbl = \(sqliteQuoteString($0));" }
                    ddl += rows.map { "INSERT INTO main.sqlite_stat1(tbl, idx, stat) VALUES (\($0.literals));" }
                    builder.add(.statistics, "sqlite_stat1", .postData, ddl: ddl.joined(separator: "\n"))
                }
            }
            builder.add(
                .databaseHeader, "main", .postData,
                ddl: "PRAGMA main.user_version = \(header.userVersion);\nPRAGMA main.application_id = \(header.applicationID);")
        }
        catalog.objects = builder.objects
        catalog.tables = builder.tables
    }

    /// One chunk per `target` bytes of a rowid table, by equal-width rowid ranges; one chunk for the rest.
    private static func chunks(
        of table: SQLiteCatalogSnapshot.Table, id: UInt32, sizes: SQLiteTableSizes?, tableCount: Int, target: Int64
    ) -> [BackupChunk] {
        let bytes = sizes?.estimate(table.name, tableCount: tableCount) ?? 0
        guard table.rangeExpression != nil, let sizes, let bounds = sizes.rowids[sqliteFoldName(table.name)] else {
            return [BackupChunk(objectID: id, chunkID: 0, estimatedBytes: bytes)]
        }
        let widthMinusOne = UInt64(bitPattern: bounds.max &- bounds.min)
        let count = SQLiteRangePlanner.chunkCount(
            bytes: bytes, target: target, limit: widthMinusOne == .max ? .max : widthMinusOne + 1)
        return SQLiteRangePlanner.rowidRanges(min: bounds.min, max: bounds.max, count: count).enumerated().map { index, range in
            BackupChunk(
                objectID: id, chunkID: UInt32(index), lowerBound: range.lower, upperBound: range.upper,
                estimatedBytes: bytes / Int64(count))
        }
    }

    /// Numbers objects and tables as they are added.
    private struct Builder {
        var objects: [ArchiveObject] = []
        var tables: [ArchiveTable] = []
        /// Object ids of the tables and views in the catalog by folded name (nil: selected, not listed).
        var names: [String: UInt32?] = [:]
        private var nextID: UInt32 = 1

        mutating func freshID() -> UInt32 {
            defer { nextID += 1 }
            return nextID
        }

        @discardableResult
        mutating func add(
            _ kind: ArchiveObject.Kind, _ name: String, _ section: ArchiveSection, dependencies: [UInt32] = [], ddl: String
        ) -> UInt32 {
            let id = freshID()
            objects.append(ArchiveObject(id: id, kind: kind, name: name, section: section, dependencies: dependencies, ddl: ddl))
            return id
        }
    }
}
