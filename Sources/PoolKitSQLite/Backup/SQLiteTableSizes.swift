import CPoolKitSQLite

/// Size estimates and rowid bounds for chunk planning, read before the snapshot is taken so that
/// the write lock that starts the snapshot is held only for moments. Estimates need not come from
/// the snapshot: chunk ranges always cover every rowid (the first and last are open-ended).
struct SQLiteTableSizes: Sendable {
    /// Bytes of each table's b-tree from `dbstat`, by folded table name; empty when `dbstat` is missing.
    var bytes: [String: Int64] = [:]
    /// Smallest and largest rowid of each non-empty rowid table, by folded table name.
    var rowids: [String: (min: Int64, max: Int64)] = [:]
    /// page_count × page_size.
    var databaseBytes: Int64 = 0
    /// Whether `bytes` came from `dbstat`.
    var measured = false

    /// Reads the estimates for the rowid tables of `snapshot` on `db`.
    static func read(_ db: OpaquePointer, for snapshot: SQLiteCatalogSnapshot) throws -> SQLiteTableSizes {
        var sizes = SQLiteTableSizes()
        sizes.databaseBytes = snapshot.header.pageCount * snapshot.header.pageSize
        // dbstat (SQLITE_ENABLE_DBSTAT_VTAB) walks every page once; aggregate=1 sums per b-tree.
        if let statement = try? SQLiteStatement(db, "SELECT name, pgsize FROM dbstat WHERE aggregate = 1") {
            while try statement.step() {
                sizes.bytes[sqliteFoldName(statement.text(0) ?? ""), default: 0] += statement.int64(1)
            }
            sizes.measured = true
        }
        for table in snapshot.tables {
            guard let expression = table.rangeExpression else { continue }
            // Numbers sort before every TEXT and BLOB, so `< ''` keeps the numeric keys of a WITHOUT
            // ROWID table (a rowid always passes). Keys that are not integers still arrive: the outer
            // ranges are open-ended and the ranges half-open (SQLiteTableDump). min and max are asked
            // in two subqueries: SQLite reads a lone min() or max() off the b-tree's edge, but scans
            // the whole table for both in one.
            let from = "FROM \(sqliteQualifiedName(table.name)) WHERE \(expression) < ''"
            let bounds = try SQLiteStatement(
                db,
                "SELECT (SELECT CAST(min(\(expression)) AS INTEGER) \(from)), (SELECT CAST(max(\(expression)) AS INTEGER) \(from))")
            guard try bounds.step(), bounds.type(0) == SQLITE_INTEGER, bounds.type(1) == SQLITE_INTEGER else { continue }
            sizes.rowids[sqliteFoldName(table.name)] = (bounds.int64(0), bounds.int64(1))
        }
        return sizes
    }

    /// The estimated bytes of `table`: its `dbstat` size, or an equal share of the database file.
    func estimate(_ table: String, tableCount: Int) -> Int64 {
        if measured { return bytes[sqliteFoldName(table)] ?? 0 }
        return databaseBytes / Int64(max(tableCount, 1))
    }
}
