import PoolKit
import Synchronization

/// Keeps, per table of a restore, the digest of the archive rows loaded and the warnings
/// `LOAD DATA` reported, and says when a table that warned is complete, so its rows can be read
/// back and compared (``MariaDBRowDigest``).
///
/// A warning that changed nothing (a STORED generated column recomputed with a warning, an ENUM
/// holding its error value `''`, a FLOAT(M,D) clipped to the value it already had) must not fail
/// the restore; one that changed a value must. Reading back is the proof either way; it runs only
/// for tables that warned, once all their chunks are in.
final class MariaDBLoadCheck: Sendable {
    /// A table that warned and whose chunks are all loaded: what its rows must read back as.
    struct Due: Sendable {
        var tableID: UInt32
        var expected: MariaDBRowDigest
        var warningCount: Int
        /// The first warnings, each prefixed with its chunk.
        var warnings: [String]
    }

    private struct Table {
        /// nil when the manifest does not plan the table's chunks: checked at the end.
        var chunksLeft: Int?
        var digest = MariaDBRowDigest()
        var warningCount = 0
        var warnings: [String] = []
        var checked = false

        var due: Bool { warningCount > 0 && !checked }
    }

    private let tables: Mutex<[UInt32: Table]>

    init(manifest: ArchiveManifest) {
        tables = Mutex(Dictionary(uniqueKeysWithValues: manifest.tables.map { ($0.id, Table(chunksLeft: $0.chunks)) }))
    }

    /// Records one chunk's load; returns the table's check if it is due now (its last chunk).
    func record(tableID: UInt32, chunkID: UInt32, _ result: MariaDBLoadResult) -> Due? {
        tables.withLock { tables in
            var table = tables[tableID] ?? Table(chunksLeft: nil)
            table.digest.combine(result.digest)
            table.warningCount += result.warningCount
            for warning in result.warnings where table.warnings.count < 5 {
                table.warnings.append("chunk \(chunkID): \(warning)")
            }
            if let left = table.chunksLeft { table.chunksLeft = left - 1 }
            var due: Due?
            if table.chunksLeft == 0 && table.due {
                table.checked = true
                due = Due(tableID: tableID, expected: table.digest, warningCount: table.warningCount, warnings: table.warnings)
            }
            tables[tableID] = table
            return due
        }
    }

    /// The checks still due at the end of the load (tables whose chunk count was not planned).
    func remaining() -> [Due] {
        tables.withLock { tables in
            var due: [Due] = []
            for (id, table) in tables where table.due {
                tables[id]?.checked = true
                due.append(Due(tableID: id, expected: table.digest, warningCount: table.warningCount, warnings: table.warnings))
            }
            return due.sorted { $0.tableID < $1.tableID }
        }
    }

    /// Reads `table` back on `connection` with the dump's own `SELECT` and compares; throws
    /// naming the table and the warnings (which name column and row) when the rows differ.
    static func verify(_ due: Due, table: ArchiveTable, on connection: MariaDBConnection) async throws {
        let versioned = try await connection.query(unsafeSQL:
            "SELECT TABLE_TYPE = 'SYSTEM VERSIONED' FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = \(mariadbString(table.name))"
        ).scalar == "1"
        let sql = MariaDBDumpQuery.select(
            table: table.name, columns: table.columns.map { ($0.name, $0.type) }, allHistory: versioned)
        let found = try await connection.withHandle { handle in
            try handle.execute(
                "SET character_set_results = binary; SET time_zone = '+00:00'; SET SESSION sql_mode = '\(mariadbRestoreSQLMode)'")
            return try handle.digestRows(sql)
        }
        guard found != due.expected else { return }
        throw PoolKitError(
            .statementFailed,
            "loading table '\(table.name)' changed values: LOAD DATA reported \(due.warningCount) warning(s), and the rows read back (\(found.rows) rows, \(found.bytes) bytes as dumped) are not the archive's (\(due.expected.rows) rows, \(due.expected.bytes) bytes): \(due.warnings.joined(separator: "; "))"
        )
    }
}
