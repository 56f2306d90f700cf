import PoolKit

/// Reads the catalog of the connection's default database (inside the snapshot, on the
/// coordinator) and turns it into archive objects and tables.
struct MariaDBCatalogReader {
    let connection: MariaDBConnection
    let options: BackupOptions

    struct Result: Sendable {
        var database: String
        var properties: [String: String]
        var objects: [ArchiveObject]
        var tables: [ArchiveTable]
        /// Tables with data, by archive id.
        var tableInfo: [UInt32: MariaDBTableInfo]
        /// What the archive leaves out, each with its reason.
        var omitted: [ArchiveOmission]
    }

    func read() async throws -> Result {
        guard let database = try await connection.query(unsafeSQL: "SELECT DATABASE()").scalar else {
            throw PoolKitError(.usage, "the URL names no database: a MariaDB backup dumps one database, add it to the URL's path")
        }
        var properties: [String: String] = ["database": database]
        var objects: [ArchiveObject] = []
        var archiveTables: [ArchiveTable] = []
        var infos: [UInt32: MariaDBTableInfo] = [:]
        var nextID: UInt32 = 1
        func newID() -> UInt32 {
            defer { nextID += 1 }
            return nextID
        }
        // With --table, only the named tables (and their triggers); with --exclude-table alone,
        // everything but those tables and the views that read them.
        let whole = options.includeTables.isEmpty

        let defaults = try await connection.query(unsafeSQL:
            "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()")
        // The database defaults object is also what triggers and events lock (below): each one
        // records the database's default collation of its creation, which one may switch.
        // Without --table it sets the target's defaults; with it, it only stands for them.
        var databaseDefaultsID: UInt32?
        if let row = defaults.rows.first, let charset = row[0], let collation = row[1] {
            properties["default_character_set"] = charset
            properties["default_collation"] = collation
            let id = newID()
            databaseDefaultsID = id
            objects.append(
                ArchiveObject(
                    id: id, kind: .databaseDefaults, name: database, section: .preData,
                    ddl: whole ? "ALTER DATABASE CHARACTER SET \(mariadbString(charset)) COLLATE \(mariadbString(collation))" : nil))
        }
        let databaseCollationLock = databaseDefaultsID.map { [$0] } ?? []

        // Tables, views and sequences, with their columns and keys.
        let listed = try await connection.query(unsafeSQL:
            """
            SELECT TABLE_NAME, TABLE_TYPE, COALESCE(ENGINE, ''), COALESCE(DATA_LENGTH, 0), COALESCE(TABLE_ROWS, 0)
            FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE <> 'TEMPORARY'
            ORDER BY TABLE_NAME
            """)
        let unmatched = options.unmatchedTables(
            among: listed.rows.filter { $0[1] != "VIEW" }.compactMap { $0[0] }.map { (schema: String?.none, name: $0) })
        if !unmatched.isEmpty { throw BackupOptions.noSuchTables(unmatched) }
        let columns = try await columnsByTable()
        let keys = try await keysByTable(columns)
        let indexes = try await indexesByTable()
        let foreignKeys = try await foreignKeysByTable()
        // A table with a foreign key whose referenced columns lead no index (dropped while
        // foreign_key_checks was 0) keeps its whole definition, and is created before the table it
        // references (``MariaDBTableOrder``): `ALTER TABLE … ADD CONSTRAINT` refuses such a key even
        // with the checks off, `CREATE TABLE` accepts it while that table does not exist yet.
        let unindexedEdges = try await unindexedReferences(indexes)
        let unindexedReferences = Set(unindexedEdges.map(\.table))
        // Secondary keys and foreign keys of InnoDB tables, added after the load (post-data).
        var deferred: [(table: String, id: UInt32, definitions: MariaDBDeferredDefinitions)] = []

        var tableIDs: [String: UInt32] = [:]
        var views: [(name: String, ddl: String, context: MariaDBCreationContext)] = []
        var nonTransactional: [String] = []
        var omitted: [ArchiveOmission] = []
        for row in listed.rows {
            guard let name = row[0], let type = row[1] else { continue }
            switch type {
            case "VIEW":
                guard whole else { continue }
                let shown = try await connection.query(unsafeSQL: "SHOW CREATE VIEW \(mariadbIdentifier(name))")
                guard let view = shown.rows.first, let ddl = view[1] else { continue }
                views.append(
                    (name, ddl, MariaDBCreationContext(characterSetClient: view[2], collationConnection: view[3])))
            case "SEQUENCE":
                guard options.selects(schema: nil, name: name) else { continue }
                let shown = try await connection.query(unsafeSQL: "SHOW CREATE SEQUENCE \(mariadbIdentifier(name))")
                guard let ddl = shown.rows.first?[1] else { continue }
                let id = newID()
                tableIDs[name] = id
                objects.append(ArchiveObject(id: id, kind: .sequence, name: name, section: .preData, ddl: ddl))
                if !options.schemaOnly,
                    let next = try await connection.query(unsafeSQL:
                        "SELECT next_not_cached_value, cycle_count FROM \(mariadbIdentifier(name))"
                    ).rows.first, let value = next[0]
                {
                    let round = next[1] ?? "0"
                    objects.append(
                        ArchiveObject(
                            id: newID(), kind: .sequenceValue, name: name, section: .data, dependencies: [id],
                            ddl: "SELECT SETVAL(\(mariadbIdentifier(name)), \(value), 0, \(round))"))
                }
            default:  // BASE TABLE, SYSTEM VERSIONED
                guard options.selects(schema: nil, name: name) else { continue }
                let shown = try await connection.query(unsafeSQL: "SHOW CREATE TABLE \(mariadbIdentifier(name))")
                guard let ddl = shown.rows.first?[1] else { continue }
                let id = newID()
                tableIDs[name] = id
                var createStatement = ddl
                if !connection.keysInCreateTable, row[2]?.caseInsensitiveCompare("InnoDB") == .orderedSame,
                    !unindexedReferences.contains(name),
                    let split = MariaDBDeferredDefinitions.split(
                        ddl, table: name, indexes: indexes[name] ?? [:],
                        foreignKeyNames: Set((foreignKeys[name] ?? []).map(\.name)),
                        autoIncrementColumn: columns[name]?.first(where: \.autoIncrement)?.name)
                {
                    createStatement = split.createStatement
                    var split = split
                    split.systemVersioned = type == "SYSTEM VERSIONED"
                    deferred.append((name, id, split))
                }
                var period = type == "SYSTEM VERSIONED" ? MariaDBTableInfo.period(in: ddl) : nil
                var transactionPeriodStart: String?
                if let start = period?.start, let column = columns[name]?.first(where: { $0.name == start }), column.dataType != "timestamp" {
                    // Versioned by transaction id: only the current rows are dumped (see `omission`).
                    period = nil
                    transactionPeriodStart = start
                }
                let info = MariaDBTableInfo(
                    name: name, engine: row[2] ?? "", dataLength: Int64(row[3] ?? "") ?? 0,
                    estimatedRows: Int64(row[4] ?? "") ?? 0, columns: columns[name] ?? [], key: keys[name] ?? [],
                    createStatement: ddl, period: period, transactionPeriodStart: transactionPeriodStart)
                objects.append(ArchiveObject(id: id, kind: .table, name: name, section: .preData, ddl: createStatement))
                if !options.schemaOnly, let omission = info.omission { omitted.append(omission) }
                // A table whose engine holds no rows of its own is listed without chunks (so `--table`
                // selects it like any other).
                if !options.schemaOnly {
                    if info.holdsOwnRows { infos[id] = info }
                    archiveTables.append(
                        ArchiveTable(
                            id: id, name: name,
                            columns: info.storedColumns.map {
                                ArchiveColumn(name: $0.name, type: $0.columnType, nullable: $0.nullable, generated: false)
                            }, encoding: .mariadbTSV))
                    if info.holdsOwnRows && !info.isTransactional { nonTransactional.append(name) }
                }
            }
        }
        if !unindexedEdges.isEmpty {
            // Table objects take each other's places (pre-data runs in manifest order, one by one).
            let slots = objects.indices.filter { objects[$0].kind == .table }
            let byName = Dictionary(slots.map { (objects[$0].name, objects[$0]) }, uniquingKeysWith: { first, _ in first })
            let order = MariaDBTableOrder.referencingFirst(slots.map { objects[$0].name }, edges: unindexedEdges)
            for (slot, name) in zip(slots, order) { objects[slot] = byName[name]! }
        }
        let deferredDDL = deferredObjects(deferred, foreignKeys: foreignKeys, tableIDs: tableIDs, newID: newID)
        objects += deferredDDL
        // Views and triggers wait for the `ALTER TABLE`s of their tables: DDL on one table from two
        // workers at once can deadlock on its metadata lock (seen with CREATE TRIGGER beside ADD KEY).
        var alteredBy: [UInt32: [UInt32]] = [:]
        for entry in deferred { alteredBy[entry.id] = deferredDDL.filter { $0.name == entry.table }.map(\.id) }
        if !nonTransactional.isEmpty {
            properties["non_transactional_tables"] = nonTransactional.joined(separator: ",")
        }

        // Routines before views: a view may call a function. Oracle-mode packages after the
        // other routines, each body after its package.
        let databaseCollation = properties["default_collation"]
        func context(_ row: [String?], sqlMode: Int, timeZone: Int? = nil, characterSetClient: Int) -> MariaDBCreationContext {
            let collation = row.count > characterSetClient + 2 ? row[characterSetClient + 2] : nil
            return MariaDBCreationContext(
                sqlMode: row[sqlMode], characterSetClient: row[characterSetClient], collationConnection: row[characterSetClient + 1],
                timeZone: timeZone.flatMap { row[$0] },
                databaseCollation: databaseCollation == nil || collation == databaseCollation ? nil : collation)
        }
        if whole {
            let routines = try await connection.query(unsafeSQL:
                """
                SELECT ROUTINE_NAME, ROUTINE_TYPE, ROUTINE_COMMENT FROM information_schema.ROUTINES
                WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE IN ('FUNCTION', 'PROCEDURE', 'PACKAGE', 'PACKAGE BODY')
                ORDER BY FIELD(ROUTINE_TYPE, 'FUNCTION', 'PROCEDURE', 'PACKAGE', 'PACKAGE BODY'), ROUTINE_NAME
                """)
            var packages: [String: UInt32] = [:]
            for row in routines.rows {
                guard let name = row[0], let type = row[1] else { continue }
                let shown = try await connection.query(unsafeSQL: "SHOW CREATE \(type) \(mariadbIdentifier(name))")
                guard let routine = shown.rows.first else { continue }
                guard let ddl = routine[2] else {
                    throw PoolKitError(
                        .unsupported,
                        "cannot read the definition of \(type.lowercased()) \(name): the backup user needs SELECT on mysql.proc (or to be its definer)")
                }
                let context = context(routine, sqlMode: 1, characterSetClient: 3)
                let id = newID()
                let kind: ArchiveObject.Kind =
                    switch type {
                    case "FUNCTION": .function
                    case "PACKAGE": .package
                    case "PACKAGE BODY": .packageBody
                    default: .procedure
                    }
                if kind == .package { packages[name] = id }
                objects.append(
                    ArchiveObject(
                        id: id, kind: kind, name: name, section: .preData,
                        dependencies: kind == .packageBody ? packages[name].map { [$0] } ?? [] : [], ddl: context.statements + ddl))
                if kind == .function || kind == .procedure,
                    let repair = MariaDBCommentRepair.statement(
                        kind: type, name: name, comment: row[2], context: context, createStatement: ddl)
                {
                    objects.append(
                        ArchiveObject(id: newID(), kind: .comment, name: name, section: .preData, dependencies: [id], ddl: repair))
                }
            }
        }

        // Views that read an excluded table (directly or through another view) are left out.
        let excluded = listed.rows.compactMap { row -> String? in
            guard let name = row[0], row[1] != "VIEW", tableIDs[name] == nil else { return nil }
            return name
        }
        var droppedViews = Set<String>()
        var changed = true
        while changed {
            changed = false
            for view in views where !droppedViews.contains(view.name) {
                if (excluded + droppedViews).contains(where: { view.ddl.contains(mariadbIdentifier($0)) }) {
                    droppedViews.insert(view.name)
                    changed = true
                }
            }
        }
        views.removeAll { droppedViews.contains($0.name) }

        // Views in dependency order (post-data, after the tables and routines they read).
        let viewIDs = Dictionary(uniqueKeysWithValues: views.map { ($0.name, newID()) })
        var viewDependencies: [String: [String]] = [:]
        for view in views {
            viewDependencies[view.name] = views.filter { other in
                other.name != view.name && view.ddl.contains(mariadbIdentifier(other.name))
            }.map(\.name)
        }
        // Depth-first, so a view follows every view it reads (a cycle cannot exist among views).
        var ordered: [(name: String, ddl: String, context: MariaDBCreationContext)] = []
        var placed = Set<String>()
        func place(_ name: String, depth: Int) {
            guard !placed.contains(name), depth <= views.count, let view = views.first(where: { $0.name == name }) else { return }
            for dependency in viewDependencies[name] ?? [] { place(dependency, depth: depth + 1) }
            if placed.insert(name).inserted { ordered.append(view) }
        }
        for view in views { place(view.name, depth: 0) }
        // Views on views, and every table a view reads directly or through other views (so
        // `--table` leaves out the views of tables it leaves out).
        var readTables: [String: Set<UInt32>] = [:]
        for view in ordered {
            var tables = Set(tableIDs.filter { view.ddl.contains(mariadbIdentifier($0.key)) }.map(\.value))
            for other in viewDependencies[view.name] ?? [] { tables.formUnion(readTables[other] ?? []) }
            readTables[view.name] = tables
            let dependencies =
                (viewDependencies[view.name] ?? []).compactMap { viewIDs[$0] } + tables.sorted()
                + tables.flatMap { alteredBy[$0] ?? [] }
            objects.append(
                ArchiveObject(
                    id: viewIDs[view.name]!, kind: .view, name: view.name, section: .postData,
                    dependencies: dependencies.sorted(), ddl: view.context.statements + view.ddl,
                    locks: ArchiveObjectLocks(exclusive: tables.sorted() + databaseCollationLock)))
        }

        // Triggers, after the data (so loading does not fire them), in their action order.
        let triggers = try await connection.query(unsafeSQL:
            """
            SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
            ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER
            """)
        // Each trigger after the one before on its table: their order there is their creation order.
        var previousTrigger: [UInt32: UInt32] = [:]
        for row in triggers.rows {
            guard let name = row[0], let table = row[1], let tableID = tableIDs[table] else { continue }
            let shown = try await connection.query(unsafeSQL: "SHOW CREATE TRIGGER \(mariadbIdentifier(name))")
            guard let trigger = shown.rows.first, let ddl = trigger[2] else { continue }
            let context = context(trigger, sqlMode: 1, characterSetClient: 3)
            let id = newID()
            objects.append(
                ArchiveObject(
                    id: id, kind: .trigger, name: name, section: .postData,
                    dependencies: [tableID] + (alteredBy[tableID] ?? []) + (previousTrigger[tableID].map { [$0] } ?? []),
                    ddl: context.statements + ddl, locks: ArchiveObjectLocks(exclusive: [tableID] + databaseCollationLock)))
            previousTrigger[tableID] = id
        }

        // Events last: they must not fire while the restore runs. They depend on nothing (so
        // `--table` keeps them) and come after the views by the lock all of them take.
        if whole {
            let events = try await connection.query(unsafeSQL:
                "SELECT EVENT_NAME, EVENT_COMMENT FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE() ORDER BY EVENT_NAME")
            for row in events.rows {
                guard let name = row[0] else { continue }
                let shown = try await connection.query(unsafeSQL: "SHOW CREATE EVENT \(mariadbIdentifier(name))")
                guard let event = shown.rows.first, var ddl = event[3] else { continue }
                let context = context(event, sqlMode: 1, timeZone: 2, characterSetClient: 4)
                if let characterSet = context.characterSetClient, !MariaDBObjectDDL.isUTF8(characterSet),
                    name.unicodeScalars.contains(where: { !$0.isASCII }),
                    let misprinted = try await connection.query(unsafeSQL:
                        "SELECT CONVERT(CONVERT(\(mariadbString(name)) USING binary) USING \(mariadbIdentifier(characterSet)))"
                    ).scalar
                {
                    ddl = MariaDBCommentRepair.eventName(in: ddl, name: name, misprinted: misprinted)
                }
                let id = newID()
                objects.append(
                    ArchiveObject(
                        id: id, kind: .event, name: name, section: .postData,
                        ddl: context.statements + ddl, locks: ArchiveObjectLocks(exclusive: databaseCollationLock)))
                if let repair = MariaDBCommentRepair.statement(
                    kind: "EVENT", name: name, comment: row[1], context: context, createStatement: ddl)
                {
                    objects.append(
                        ArchiveObject(
                            id: newID(), kind: .comment, name: name, section: .postData, dependencies: [id], ddl: repair,
                            locks: ArchiveObjectLocks(exclusive: databaseCollationLock)))
                }
            }
        }
        if options.dataOnly {
            objects = objects.filter { $0.section == .data }
        }
        return Result(
            database: database, properties: properties, objects: objects, tables: archiveTables, tableInfo: infos,
            omitted: omitted)
    }

    /// Post-data objects for the deferred definitions: per table one `ALTER TABLE … ADD KEY …`
    /// (these run in parallel on the restore's workers), then per table one `ALTER TABLE … ADD
    /// CONSTRAINT … FOREIGN KEY …`, after the keys of its own and of the tables it references, one
    /// after the other (foreign keys in a cycle name each other's tables; with `foreign_key_checks
    /// = 0` each is a metadata-only change).
    private func deferredObjects(
        _ deferred: [(table: String, id: UInt32, definitions: MariaDBDeferredDefinitions)],
        foreignKeys: [String: [(name: String, referencedTable: String?)]], tableIDs: [String: UInt32], newID: () -> UInt32
    ) -> [ArchiveObject] {
        var objects: [ArchiveObject] = []
        // Once a table's keys are added, what a foreign key relies on exists: its own index and the referenced key.
        var keysReady: [String: UInt32] = [:]
        for entry in deferred {
            guard let ddl = entry.definitions.addKeysStatement(table: entry.table) else { continue }
            let id = newID()
            keysReady[entry.table] = id
            objects.append(ArchiveObject(id: id, kind: .index, name: entry.table, section: .postData, dependencies: [entry.id], ddl: ddl))
        }
        var previous: UInt32?
        for entry in deferred {
            guard let ddl = entry.definitions.addForeignKeysStatement(table: entry.table) else { continue }
            var dependencies: Set<UInt32> = [entry.id]
            if let ready = keysReady[entry.table] { dependencies.insert(ready) }
            for table in (foreignKeys[entry.table] ?? []).compactMap(\.referencedTable) {
                if let ready = keysReady[table] ?? tableIDs[table] { dependencies.insert(ready) }
            }
            if let previous { dependencies.insert(previous) }
            let id = newID()
            previous = id
            objects.append(
                ArchiveObject(
                    id: id, kind: .constraint, name: entry.table, section: .postData, dependencies: dependencies.sorted(), ddl: ddl))
        }
        return objects
    }

    /// Per table, its indexes by name (PRIMARY included): unique or not, columns, any nullable.
    private func indexesByTable() async throws -> [String: [String: MariaDBDeferredDefinitions.Index]] {
        let rows = try await connection.query(unsafeSQL:
            """
            SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, NULLABLE
            FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX
            """
        ).rows
        var byTable: [String: [String: MariaDBDeferredDefinitions.Index]] = [:]
        for row in rows {
            guard let table = row[0], let index = row[1] else { continue }
            var entry = byTable[table]?[index] ?? MariaDBDeferredDefinitions.Index(unique: row[2] == "0", columns: [], nullable: false)
            if let column = row[3] { entry.columns.append(column) }
            if row[4] == "YES" { entry.nullable = true }
            byTable[table, default: [:]][index] = entry
        }
        return byTable
    }

    /// Per table, its foreign keys and the table each references (nil when in another database).
    private func foreignKeysByTable() async throws -> [String: [(name: String, referencedTable: String?)]] {
        let rows = try await connection.query(unsafeSQL:
            """
            SELECT TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME, UNIQUE_CONSTRAINT_SCHEMA = CONSTRAINT_SCHEMA
            FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY TABLE_NAME, CONSTRAINT_NAME
            """
        ).rows
        var byTable: [String: [(name: String, referencedTable: String?)]] = [:]
        for row in rows {
            guard let table = row[0], let name = row[1] else { continue }
            byTable[table, default: []].append((name, row[3] == "1" ? row[2] : nil))
        }
        return byTable
    }

    /// The foreign keys whose referenced columns, in this database, are not the first columns of
    /// any index of the referenced table: each as the referencing and the referenced table.
    private func unindexedReferences(_ indexes: [String: [String: MariaDBDeferredDefinitions.Index]])
        async throws -> [(table: String, referenced: String)]
    {
        let rows = try await connection.query(unsafeSQL:
            """
            SELECT TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
            FROM information_schema.KEY_COLUMN_USAGE
            WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL
            ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION
            """
        ).rows
        var references: [[String]: (table: String, referenced: String, columns: [String])] = [:]
        for row in rows {
            guard let table = row[0], let name = row[1], let referenced = row[2], let column = row[3] else { continue }
            references[[table, name], default: (table, referenced, [])].columns.append(column.lowercased())
        }
        var unindexed: [(table: String, referenced: String)] = []
        for reference in references.values.sorted(by: { ($0.table, $0.referenced) < ($1.table, $1.referenced) }) {
            let indexed = (indexes[reference.referenced] ?? [:]).values.contains { index in
                index.columns.map { $0.lowercased() }.starts(with: reference.columns)
            }
            if !indexed { unindexed.append((reference.table, reference.referenced)) }
        }
        return unindexed
    }

    /// Generated columns are told by `EXTRA` (VIRTUAL/STORED GENERATED), which MariaDB and MySQL
    /// both have (MySQL has no `IS_GENERATED`; its `DEFAULT_GENERATED` is a plain column).
    private func columnsByTable() async throws -> [String: [MariaDBColumnInfo]] {
        let rows = try await connection.query(unsafeSQL:
            """
            SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, DATA_TYPE, IS_NULLABLE,
              EXTRA LIKE '%VIRTUAL GENERATED%' OR EXTRA LIKE '%STORED GENERATED%', CHARACTER_SET_NAME, COLLATION_NAME,
              EXTRA LIKE '%auto_increment%'
            FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION
            """
        ).rows
        var byTable: [String: [MariaDBColumnInfo]] = [:]
        for row in rows {
            guard let table = row[0], let name = row[1] else { continue }
            byTable[table, default: []].append(
                MariaDBColumnInfo(
                    name: name, columnType: row[2] ?? "", dataType: (row[3] ?? "").lowercased(), nullable: row[4] == "YES",
                    generated: row[5] == "1", characterSet: row[6], collation: row[7], autoIncrement: row[8] == "1"))
        }
        return byTable
    }

    /// Per table, the primary key's columns, or those of the first unique key on NOT NULL
    /// columns without prefix lengths.
    private func keysByTable(_ columns: [String: [MariaDBColumnInfo]]) async throws -> [String: [MariaDBColumnInfo]] {
        let rows = try await connection.query(unsafeSQL:
            """
            SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME, NULLABLE, SUB_PART
            FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND NON_UNIQUE = 0
            ORDER BY TABLE_NAME, INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX
            """
        ).rows
        var indexes: [String: [(index: String, columns: [String], usable: Bool)]] = [:]
        for row in rows {
            guard let table = row[0], let index = row[1], let column = row[2] else { continue }
            let usable = row[3] != "YES" && row[4] == nil
            if let last = indexes[table]?.last, last.index == index {
                indexes[table]![indexes[table]!.count - 1].columns.append(column)
                indexes[table]![indexes[table]!.count - 1].usable = last.usable && usable
            } else {
                indexes[table, default: []].append((index, [column], usable))
            }
        }
        var keys: [String: [MariaDBColumnInfo]] = [:]
        for (table, candidates) in indexes {
            guard let chosen = candidates.first(where: \.usable), let tableColumns = columns[table] else { continue }
            let resolved = chosen.columns.compactMap { name in tableColumns.first { $0.name == name } }
            if resolved.count == chosen.columns.count, resolved.allSatisfy({ !$0.generated }) { keys[table] = resolved }
        }
        return keys
    }
}
