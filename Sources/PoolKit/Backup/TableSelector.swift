/// Which tables `--table` and `--exclude-table` pick, written once for backup and restore.
///
/// A pattern is `name` or `schema.name`, matched exactly (case-sensitive). A pattern matches a
/// table when it equals its name or its qualified name, so `orders` picks `orders` in every
/// schema and `sales.orders` only that one. Names that contain a dot are matched whole too.
public struct TableSelector: Sendable, Hashable {
    public var include: [String]
    public var exclude: [String]

    public init(include: [String], exclude: [String] = []) {
        self.include = include
        self.exclude = exclude
    }

    /// Whether the table is selected: not excluded, and included when `include` is not empty.
    public func selects(schema: String?, name: String) -> Bool {
        if exclude.contains(where: { Self.matches($0, schema: schema, name: name) }) { return false }
        return include.isEmpty || include.contains { Self.matches($0, schema: schema, name: name) }
    }

    /// The `include` patterns that match none of `tables`.
    public func unmatched(among tables: [(schema: String?, name: String)]) -> [String] {
        include.filter { pattern in !tables.contains { Self.matches(pattern, schema: $0.schema, name: $0.name) } }
    }

    /// Whether `pattern` names the table.
    public static func matches(_ pattern: String, schema: String?, name: String) -> Bool {
        pattern == name || schema.map { "\($0).\(name)" == pattern } == true
    }
}
