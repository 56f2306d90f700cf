import PoolKit

/// One table as the snapshot strategy dumps it.
struct MariaDBTableInfo: Sendable {
    var name: String
    var engine: String
    var dataLength: Int64
    var estimatedRows: Int64
    var columns: [MariaDBColumnInfo]
    /// The primary key, or a unique key whose columns are all NOT NULL; empty if none.
    var key: [MariaDBColumnInfo]
    var createStatement: String
    /// For a system-versioned table, its period's start and end columns (`ROW_START`/`ROW_END`
    /// when implicit): dumped with the history rows (`FOR SYSTEM_TIME ALL`) and loaded with
    /// `system_versioning_insert_history`.
    var period: (start: String, end: String)?
    /// For a table versioned by transaction id, its period's start column: such a table is dumped
    /// without its history (``omission``).
    var transactionPeriodStart: String?

    /// The columns whose values are dumped and loaded: generated columns are recomputed; the
    /// period columns of a system-versioned table come last.
    var storedColumns: [MariaDBColumnInfo] {
        guard let period else { return columns.filter { !$0.generated } }
        let plain = columns.filter { !$0.generated && $0.name != period.start && $0.name != period.end }
        func periodColumn(_ name: String) -> MariaDBColumnInfo {
            columns.first { $0.name == name }.map { column in
                var column = column
                column.generated = false
                return column
            } ?? MariaDBColumnInfo(name: name, columnType: "timestamp(6)", dataType: "timestamp", nullable: false, generated: false)
        }
        return plain + [periodColumn(period.start), periodColumn(period.end)]
    }

    /// The period columns named in `SHOW CREATE TABLE`, or the implicit ones.
    static func period(in createStatement: String) -> (start: String, end: String) {
        let pattern = #/PERIOD FOR SYSTEM_TIME \(`((?:[^`]|``)+)`, `((?:[^`]|``)+)`\)/#
        if let match = createStatement.firstMatch(of: pattern) {
            return (
                String(match.1).replacingOccurrences(of: "``", with: "`"), String(match.2).replacingOccurrences(of: "``", with: "`")
            )
        }
        return ("ROW_START", "ROW_END")
    }
    /// InnoDB is the only engine of those reachable here whose reads see the snapshot.
    var isTransactional: Bool { engine.caseInsensitiveCompare("InnoDB") == .orderedSame }

    /// Engines whose tables hold no rows of their own: MERGE shows the rows of its MyISAM tables
    /// (loading them again would double them, or fail with `INSERT_METHOD=NO`), FEDERATED,
    /// FederatedX, CONNECT and SPIDER those of another server or file, BLACKHOLE keeps none.
    static let enginesWithoutOwnRows: Set<String> = ["MRG_MYISAM", "FEDERATED", "CONNECT", "SPIDER", "BLACKHOLE"]

    /// Whether the table's rows are its own, and so carried; the others carry their definition only.
    var holdsOwnRows: Bool { !Self.enginesWithoutOwnRows.contains(engine.uppercased()) }

    /// What of the table's rows the archive does not carry, if anything.
    ///
    /// - History versioned by transaction id: the ids belong to the source server's transaction
    ///   registry and cannot be set on a load (mariadb-dump refuses that history too). The current
    ///   rows are carried; the history is never loaded as current rows.
    /// - The rows of FEDERATED, CONNECT and SPIDER tables, which live on another server or in a
    ///   file. (A MERGE table's rows are carried with its MyISAM tables; BLACKHOLE keeps none.)
    var omission: ArchiveOmission? {
        if let start = transactionPeriodStart {
            return ArchiveOmission(
                kind: .history, name: name,
                reason: "system versioning by transaction id (\(start)): only the current rows are carried, the history rows are not")
        }
        guard !holdsOwnRows, !["MRG_MYISAM", "BLACKHOLE"].contains(engine.uppercased()) else { return nil }
        return ArchiveOmission(
            kind: .rows, name: name,
            reason: "ENGINE=\(engine) shows rows stored on another server or in a file: the table's definition is carried, those rows are not")
    }
}

struct MariaDBColumnInfo: Sendable, Hashable {
    var name: String
    var columnType: String
    var dataType: String
    var nullable: Bool
    var generated: Bool
    var characterSet: String?
    var collation: String?
    var autoIncrement = false
}
