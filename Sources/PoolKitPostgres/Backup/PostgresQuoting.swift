/// PostgreSQL's quoting rules for what goes into generated SQL.
enum PostgresQuoting {
    /// An identifier in double quotes, inner quotes doubled: `a"b` → `"a""b"`.
    static func identifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `schema.name`, both quoted.
    static func qualified(_ schema: String, _ name: String) -> String {
        identifier(schema) + "." + identifier(name)
    }

    /// A string literal, inner quotes doubled (with `standard_conforming_strings` on, the default
    /// since 9.1, backslashes are literal): `it's` → `'it''s'`.
    static func literal(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
