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
