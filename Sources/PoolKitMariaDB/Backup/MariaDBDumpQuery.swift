/// The `SELECT` that dumps a table's rows as `mariadb-tsv`: the backup runs it per chunk, and the
/// restore runs it again on the loaded table to prove rows equal when `LOAD DATA` warned.
enum MariaDBDumpQuery {
    /// How a column is read. FLOAT goes through DOUBLE: the server prints a FLOAT with 6
    /// significant digits, which do not always read back as the same float, while the double it
    /// widens to is printed exactly and narrows back to the same float.
    /// - Parameter type: the column's type as information_schema spells it (`float(7,2) unsigned`).
    ///
    /// An ENUM that has `''` among its members prints its error value (index 0, stored under a
    /// non-strict SQL mode) as `''` too, which would load as the member: such a column writes its
    /// error value as a number that is no member (`0`, or `00`, …), which `LOAD DATA` stores as
    /// index 0 (with a warning the read-back proves harmless).
    static func expression(name: String, type: String) -> String {
        let quoted = mariadbIdentifier(name)
        let lowered = type.lowercased()
        if lowered.hasPrefix("float") { return "CAST(\(quoted) AS DOUBLE)" }
        if lowered.hasPrefix("enum("), let members = enumMembers(type), members.contains("") {
            var marker = "0"
            while members.contains(marker) { marker += "0" }
            // CAST: the result keeps the member's bytes in the column's character set (an IF of a
            // utf8mb4 literal and a latin1 ENUM would convert the members to utf8mb4).
            return "IF(\(quoted) + 0 = 0, '\(marker)', CAST(\(quoted) AS BINARY))"
        }
        return quoted
    }

    /// The members of `enum('a','b''c')` as information_schema spells the type; nil if it does not parse.
    static func enumMembers(_ type: String) -> [String]? {
        guard let open = type.firstIndex(of: "("), type.hasSuffix(")") else { return nil }
        var members: [String] = []
        var current = ""
        var inLiteral = false
        var index = type.index(after: open)
        let end = type.index(before: type.endIndex)
        while index < end {
            let character = type[index]
            index = type.index(after: index)
            if inLiteral {
                if character == "'" {
                    if index < end && type[index] == "'" {
                        current.append("'")
                        index = type.index(after: index)
                    } else {
                        inLiteral = false
                        members.append(current)
                        current = ""
                    }
                } else {
                    current.append(character)
                }
            } else if character == "'" {
                inLiteral = true
            } else if character != "," {
                return nil
            }
        }
        return inLiteral ? nil : members
    }

    /// The statement. A table whose columns are all generated has no value to carry: each row is
    /// dumped as one empty field (all its rows are alike, the columns being computed from nothing
    /// but constants), so the row count survives.
    /// - Parameters:
    ///   - allHistory: a system-versioned table's history rows too (`FOR SYSTEM_TIME ALL`).
    ///   - condition: the chunk's key range, if the table is split.
    static func select(table: String, columns: [(name: String, type: String)], allHistory: Bool, condition: String? = nil)
        -> String
    {
        let list = columns.isEmpty ? "''" : columns.map { expression(name: $0.name, type: $0.type) }.joined(separator: ", ")
        var sql = "SELECT \(list) FROM \(mariadbIdentifier(table))"
        if allHistory { sql += " FOR SYSTEM_TIME ALL" }
        if let condition { sql += " WHERE \(condition)" }
        return sql
    }
}
