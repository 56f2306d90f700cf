import PoolKit

extension PostgresSchemaReader {
    /// Splits a `--table` argument into its schema (if given) and name, as `psql` and `pg_dump` read
    /// names: `schema.table`, `"My Table"`, `"s"."t"`, `"a.b"` (one name with a dot). Unquoted parts
    /// are folded to lower case, quoted parts are kept as written with `""` read as `"`.
    ///
    /// More than two dot-separated parts keep the last two (a leading database name is ignored).
    package static func parseTablePattern(_ pattern: String) -> (schema: String?, name: String) {
        var parts: [String] = []
        var current = ""
        var inQuotes = false
        var characters = pattern.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? characters.next() {
            pending = nil
            if inQuotes {
                if character == "\"" {
                    if let next = characters.next() {
                        if next == "\"" { current.append("\"") } else { inQuotes = false; pending = next }
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                inQuotes = true
            } else if character == "." {
                parts.append(current)
                current = ""
            } else {
                current.append(contentsOf: character.lowercased())
            }
        }
        parts.append(current)
        if parts.count == 1 { return (nil, parts[0]) }
        return (parts[parts.count - 2], parts[parts.count - 1])
    }
}

/// The `--table` and `--exclude-table` choices of a backup, parsed once.
struct PostgresTableSelection {
    /// Whether only the included tables (and what belongs to them) are dumped, like `pg_dump -t`.
    let tableMode: Bool
    private let includes: [(schema: String?, name: String)]
    private let excludes: [(schema: String?, name: String)]

    init(_ options: BackupOptions) {
        includes = options.includeTables.map(PostgresSchemaReader.parseTablePattern)
        excludes = options.excludeTables.map(PostgresSchemaReader.parseTablePattern)
        tableMode = !includes.isEmpty
    }

    /// Whether the relation `schema.name` is selected.
    func selects(schema: String, name: String) -> Bool {
        func matches(_ pattern: (schema: String?, name: String)) -> Bool {
            pattern.name == name && (pattern.schema == nil || pattern.schema == schema)
        }
        if excludes.contains(where: matches) { return false }
        return includes.isEmpty || includes.contains(where: matches)
    }
}
