import PoolKit

extension ArchiveEncoding {
    /// PostgreSQL `COPY … TO STDOUT (FORMAT binary)`, as the server sends it. PoolKit uses it for
    /// tables whose column types all have a binary form that reads back the same on another server
    /// (see `PostgresCopyBackupSession.binaryPortableTypes`); other tables are stored as
    /// ``postgresCopyText``.
    public static let postgresCopyBinary: ArchiveEncoding = "postgres-copy-binary"
}

/// How one table's rows are copied out and back in: its name, the columns COPY moves (generated
/// columns excluded) and the COPY format.
struct PostgresTableDump: Sendable, Hashable {
    var objectID: UInt32
    var schema: String
    var name: String
    var columns: [String]
    var encoding: ArchiveEncoding
    /// `WHERE …` that picks the rows to dump (an extension's configuration table: the rows the
    /// extension did not create itself); nil for all rows.
    var rowFilter: String? = nil
    /// Columns dumped as NULL (name → type), whose values no server accepts back (see
    /// ``PostgresColumnTypes``).
    var nulledColumns: [String: String] = [:]

    var qualifiedName: String { PostgresSQL.qualified(schema, name) }

    private var columnList: String { columns.map(PostgresSQL.identifier).joined(separator: ", ") }

    /// The columns as a COPY query selects them: nulled ones as `NULL::type`.
    private var selectList: String {
        columns.map { column in
            nulledColumns[column].map { "NULL::\($0) AS \(PostgresSQL.identifier(column))" } ?? PostgresSQL.identifier(column)
        }.joined(separator: ", ")
    }

    private var formatClause: String { encoding == .postgresCopyBinary ? " (FORMAT binary)" : "" }

    /// The `COPY … TO STDOUT` of the whole table, or of the heap blocks `lower..<upper` (nil = open)
    /// through a TID range scan. `ONLY`: an inheritance parent's children are tables of their own.
    func copyOut(lowerBlock: Int64?, upperBlock: Int64?) -> String {
        if let rowFilter {
            let list = columns.isEmpty ? "" : selectList
            return "COPY (SELECT \(list) FROM ONLY \(qualifiedName) \(rowFilter)) TO STDOUT\(formatClause)"
        }
        if lowerBlock == nil && upperBlock == nil && !nulledColumns.isEmpty {
            return "COPY (SELECT \(selectList) FROM ONLY \(qualifiedName)) TO STDOUT\(formatClause)"
        }
        if lowerBlock == nil && upperBlock == nil {
            let columns = self.columns.isEmpty ? "" : " (\(columnList))"
            return "COPY \(qualifiedName)\(columns) TO STDOUT\(formatClause)"
        }
        var conditions: [String] = []
        if let lowerBlock { conditions.append("ctid >= '(\(lowerBlock),0)'::pg_catalog.tid") }
        if let upperBlock { conditions.append("ctid < '(\(upperBlock),0)'::pg_catalog.tid") }
        return "COPY (SELECT \(selectList) FROM ONLY \(qualifiedName) WHERE \(conditions.joined(separator: " AND "))) TO STDOUT\(formatClause)"
    }

    /// The `COPY … FROM STDIN` that loads what ``copyOut(lowerBlock:upperBlock:)`` wrote.
    var copyIn: String {
        let columns = self.columns.isEmpty ? "" : " (\(columnList))"
        return "COPY \(qualifiedName)\(columns) FROM STDIN\(formatClause)"
    }

    /// Splits a table of `bytes` (its heap, `blocks` blocks of `blockSize`) into block ranges of
    /// about `targetBytes`: the first from block 0, the last open-ended, so rows in blocks added
    /// after the size was read are dumped too. Small tables (or servers before PostgreSQL 14, which
    /// has no TID range scan) get one whole-table chunk.
    static func chunks(
        objectID: UInt32, blocks: Int64, blockSize: Int64, targetBytes: Int64, canSplit: Bool
    ) -> [BackupChunk] {
        let bytes = blocks * blockSize
        let blocksPerChunk = max(1, targetBytes / max(1, blockSize))
        guard canSplit, blocks > blocksPerChunk else {
            return [BackupChunk(objectID: objectID, chunkID: 0, estimatedBytes: bytes)]
        }
        let count = (blocks + blocksPerChunk - 1) / blocksPerChunk
        return (0..<count).map { index in
            let lower = index == 0 ? nil : index * blocksPerChunk
            let upper = index == count - 1 ? nil : (index + 1) * blocksPerChunk
            return BackupChunk(
                objectID: objectID, chunkID: UInt32(index), lowerBound: lower, upperBound: upper,
                estimatedBytes: min(blocksPerChunk, blocks - index * blocksPerChunk) * blockSize)
        }
    }
}
