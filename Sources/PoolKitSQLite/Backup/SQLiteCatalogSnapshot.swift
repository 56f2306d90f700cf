import CPoolKitSQLite

/// Everything the logical strategy needs to know about a database, read in one job on a connection
/// thread inside one transaction: the schema in creation order, each table's columns and how its
/// rows are reached, the header values and the special tables' rows.
struct SQLiteCatalogSnapshot: Sendable {
    /// One row of `sqlite_schema`.
    struct Entry: Sendable {
        var rowid: Int64
        var type: String
        var name: String
        var tableName: String
        var sql: String?
    }

    /// How the data of a virtual table is carried.
    enum VirtualData: Sendable, Hashable {
        /// Read with `SELECT rowid, columns` and written back with `INSERT`, which rebuilds the
        /// module's own storage (FTS tables that store their content, R*Trees).
        case rows
        /// Nothing to carry: the index is rebuilt from its external content table after the data
        /// (`INSERT INTO t(t) VALUES('rebuild')`, FTS4/FTS5 with `content=table`).
        case rebuild
        /// The module's shadow tables are copied as they are (contentless FTS and other modules).
        case shadowTables
        /// The data lives outside the database (a module without shadow tables).
        case none
    }

    /// What kind of table an entry is.
    enum TableKind: Sendable, Hashable {
        case ordinary
        case virtual(SQLiteVirtualTableDefinition, VirtualData)
        /// A shadow table of the virtual table named `owner`.
        case shadow(owner: String)
    }

    /// A table (ordinary, virtual or shadow) with its columns.
    struct Table: Sendable {
        var name: String
        var sql: String
        var kind: TableKind
        var withoutRowid = false
        /// Columns that are not hidden virtual-table columns, in declaration order; generated ones flagged.
        var columns: [ArchiveColumn] = []
        /// A name that reaches the rowid (`rowid`, `_rowid_` or `oid`, whichever no column shadows);
        /// nil for WITHOUT ROWID tables or when all three are column names.
        var rowidName: String?
        /// The INTEGER PRIMARY KEY column that is the rowid, if any.
        var rowidAlias: String?
        /// The first primary-key column of a WITHOUT ROWID table (its b-tree's leading key).
        var leadingKeyColumn: String?
        /// Why the table cannot be read (a virtual table whose module this SQLite lacks); reported
        /// only if the table is chosen for the backup.
        var unavailable: PoolKitError?

        var isVirtual: Bool {
            if case .virtual = kind { return true }
            return false
        }

        /// The expression ranges are taken on: the rowid (or its alias column), or the leading
        /// primary-key column of a WITHOUT ROWID table; nil for tables dumped whole (virtual ones).
        var rangeExpression: String? {
            guard !isVirtual else { return nil }
            if withoutRowid { return leadingKeyColumn.map(sqliteQuoteIdentifier) }
            return rowidName ?? rowidAlias.map(sqliteQuoteIdentifier)
        }

        /// Whether rows carry the rowid in the slot before the columns: rowid tables without an
        /// INTEGER PRIMARY KEY (that column carries it otherwise) and virtual tables.
        var dumpsRowid: Bool {
            if withoutRowid || rowidName == nil { return false }
            return isVirtual || rowidAlias == nil
        }

        /// The non-generated columns: the ones whose values the rows carry.
        var storedColumns: [ArchiveColumn] { columns.filter { $0.generated != true } }
    }

    /// The database header and settings.
    struct Header: Sendable {
        var encoding = "UTF-8"
        var pageSize: Int64 = 4096
        var pageCount: Int64 = 0
        var autoVacuum: Int64 = 0
        var userVersion: Int64 = 0
        var applicationID: Int64 = 0
        var schemaVersion: Int64 = 0
        var journalMode = "delete"
        var freelistCount: Int64 = 0
    }

    /// A row of `sqlite_sequence`: the table and its counter as an SQL literal.
    struct SequenceRow: Sendable {
        var table: String
        var value: String
    }

    /// A row of `sqlite_stat1` as SQL literals, with the table name for selection.
    struct StatisticsRow: Sendable {
        var table: String
        var literals: String
    }

    var entries: [Entry] = []
    /// Tables in `sqlite_schema` order (internal `sqlite_` tables excluded).
    var tables: [Table] = []
    var header = Header()
    var sequences: [SequenceRow] = []
    var hasStatistics = false
    var statistics: [StatisticsRow] = []

    /// Reads the catalog of the main database of `db`. Run inside a transaction so every part comes
    /// from one snapshot.
    static func read(_ db: OpaquePointer) throws -> SQLiteCatalogSnapshot {
        var snapshot = SQLiteCatalogSnapshot()
        snapshot.header = try readHeader(db)
        let schema = try SQLiteStatement(db, "SELECT rowid, type, name, tbl_name, sql FROM main.sqlite_schema ORDER BY rowid")
        while try schema.step() {
            snapshot.entries.append(
                Entry(rowid: schema.int64(0), type: schema.text(1) ?? "", name: schema.text(2) ?? "", tableName: schema.text(3) ?? "", sql: schema.text(4)))
        }
        let tableEntries = snapshot.entries.filter { $0.type == "table" && !isInternal($0.name) }
        guard !tableEntries.isEmpty else { return try snapshot.readingSpecialTables(db) }

        // PRAGMA table_list (SQLite 3.37+) says which tables are virtual, shadow, or WITHOUT ROWID.
        var listed: [String: (type: String, withoutRowid: Bool)] = [:]
        let list = try SQLiteStatement(db, "PRAGMA main.table_list")
        while try list.step() {
            listed[list.text(1) ?? ""] = (list.text(2) ?? "table", list.int64(4) != 0)
        }
        var virtualNames: [String] = []
        for entry in tableEntries {
            let sql = entry.sql ?? ""
            if let definition = SQLiteVirtualTableDefinition(sql: sql) {
                virtualNames.append(entry.name)
                snapshot.tables.append(Table(name: entry.name, sql: sql, kind: .virtual(definition, .none)))
            } else {
                let info = listed[entry.name]
                snapshot.tables.append(
                    Table(
                        name: entry.name, sql: sql, kind: info?.type == "shadow" ? .shadow(owner: "") : .ordinary,
                        withoutRowid: info?.withoutRowid ?? false))
            }
        }
        // Shadow tables belong to the virtual table whose name, plus `_`, is their longest prefix.
        for index in snapshot.tables.indices {
            guard case .shadow = snapshot.tables[index].kind else { continue }
            let folded = sqliteFoldName(snapshot.tables[index].name)
            let owner = virtualNames.filter { folded.hasPrefix(sqliteFoldName($0) + "_") }.max { $0.utf8.count < $1.utf8.count }
            snapshot.tables[index].kind = owner.map { .shadow(owner: $0) } ?? .ordinary
        }
        for index in snapshot.tables.indices {
            try snapshot.tables[index].readColumns(db)
        }
        for index in snapshot.tables.indices {
            guard case .virtual(let definition, _) = snapshot.tables[index].kind else { continue }
            let name = snapshot.tables[index].name
            let shadows = snapshot.tables.filter {
                if case .shadow(let owner) = $0.kind { return owner == name }
                return false
            }
            let data: VirtualData
            switch sqliteFoldName(definition.module) {
            case "fts3", "fts4", "fts5":
                if shadows.contains(where: { sqliteSameName($0.name, name + "_content") }) {
                    data = .rows
                } else if let content = definition.contentOption, !content.isEmpty {
                    data = .rebuild
                } else {
                    data = .shadowTables
                }
            case "rtree", "rtree_i32", "geopoly":
                data = .rows
            default:
                data = shadows.isEmpty ? .none : .shadowTables
            }
            snapshot.tables[index].kind = .virtual(definition, data)
        }
        return try snapshot.readingSpecialTables(db)
    }

    /// True for SQLite's own tables (`sqlite_schema`, `sqlite_sequence`, `sqlite_stat1`, …).
    static func isInternal(_ name: String) -> Bool {
        sqliteFoldName(name).hasPrefix("sqlite_")
    }

    private static func readHeader(_ db: OpaquePointer) throws -> Header {
        var header = Header()
        header.encoding = try SQLiteRaw.scalar(db, "PRAGMA main.encoding") ?? "UTF-8"
        header.pageSize = try SQLiteRaw.integer(db, "PRAGMA main.page_size")
        header.pageCount = try SQLiteRaw.integer(db, "PRAGMA main.page_count")
        header.autoVacuum = try SQLiteRaw.integer(db, "PRAGMA main.auto_vacuum")
        header.userVersion = try SQLiteRaw.integer(db, "PRAGMA main.user_version")
        header.applicationID = try SQLiteRaw.integer(db, "PRAGMA main.application_id")
        header.schemaVersion = try SQLiteRaw.integer(db, "PRAGMA main.schema_version")
        header.journalMode = try SQLiteRaw.scalar(db, "PRAGMA main.journal_mode") ?? "delete"
        header.freelistCount = try SQLiteRaw.integer(db, "PRAGMA main.freelist_count")
        return header
    }

    /// Adds the rows of `sqlite_sequence` and `sqlite_stat1`, when those tables exist.
    private func readingSpecialTables(_ db: OpaquePointer) throws -> SQLiteCatalogSnapshot {
        var snapshot = self
        let names = Set(entries.filter { $0.type == "table" }.map { sqliteFoldName($0.name) })
        if names.contains("sqlite_sequence") {
            let rows = try SQLiteStatement(db, "SELECT name, quote(seq) FROM main.sqlite_sequence ORDER BY rowid")
            while try rows.step() {
                snapshot.sequences.append(SequenceRow(table: rows.text(0) ?? "", value: rows.text(1) ?? "NULL"))
            }
        }
        if names.contains("sqlite_stat1") {
            snapshot.hasStatistics = true
            let rows = try SQLiteStatement(db, "SELECT tbl, quote(tbl) || ', ' || quote(idx) || ', ' || quote(stat) FROM main.sqlite_stat1 ORDER BY rowid")
            while try rows.step() {
                snapshot.statistics.append(StatisticsRow(table: rows.text(0) ?? "", literals: rows.text(1) ?? ""))
            }
        }
        return snapshot
    }
}

extension SQLiteCatalogSnapshot.Table {
    /// Reads the columns (`PRAGMA table_xinfo`), the name that reaches the rowid and the rowid's
    /// alias column. A virtual table whose module this SQLite lacks is marked ``unavailable``.
    fileprivate mutating func readColumns(_ db: OpaquePointer) throws {
        let info = try SQLiteStatement(db, #"SELECT name, type, "notnull", pk, hidden FROM pragma_table_xinfo(?1, 'main') ORDER BY cid"#)
        try info.bind(1, name)
        var allNames: [String] = []
        var primaryKey: [(name: String, type: String)] = []
        var leadingKey: String?
        do {
            while try info.step() {
                let column = info.text(0) ?? ""
                let type = info.text(1) ?? ""
                let hidden = info.int64(4)
                allNames.append(column)
                if info.int64(3) > 0 { primaryKey.append((column, type)) }
                if info.int64(3) == 1 { leadingKey = column }
                // hidden: 0 ordinary, 1 hidden column of a virtual table, 2 virtual generated, 3 stored generated.
                guard hidden != 1 else { continue }
                columns.append(
                    ArchiveColumn(name: column, type: type, nullable: info.int64(2) == 0, generated: hidden >= 2 ? true : nil))
            }
        } catch let error as PoolKitError {
            guard case .virtual(let definition, _) = kind else { throw error }
            unavailable = PoolKitError(
                .unsupported,
                "cannot read virtual table '\(name)': its module '\(definition.module)' is not available in this SQLite (\(error.message)); back the database up with --strategy pages, or leave the table out with --exclude-table",
                engineCode: error.engineCode, underlying: error.underlying)
            return
        }
        guard !withoutRowid else {
            leadingKeyColumn = leadingKey
            return
        }
        rowidName = ["rowid", "_rowid_", "oid"].first { candidate in !allNames.contains { sqliteSameName($0, candidate) } }
        guard !isVirtual else { return }
        if let rowidName {
            // For a rowid that an INTEGER PRIMARY KEY aliases, SQLite reports that column as the origin.
            let probe = try SQLiteStatement(db, "SELECT \(rowidName) FROM \(sqliteQualifiedName(name))")
            let origin = probe.originName(0) ?? "rowid"
            if origin != "rowid" {
                rowidAlias = origin
                return
            }
        }
        // The origin is also "rowid" when the alias column is itself named rowid (or every rowid name is
        // taken): then the single INTEGER PRIMARY KEY column is the alias.
        if primaryKey.count == 1, sqliteFoldName(primaryKey[0].type) == "integer",
            rowidName == nil || sqliteSameName(primaryKey[0].name, "rowid")
        {
            rowidAlias = primaryKey[0].name
        }
    }
}
