/// Quoting of names and literals in the SQL the schema reader writes.
///
/// Identifiers are always quoted (`"x""y"`), so names with quotes, spaces, unicode, upper case or
/// reserved words come back as they were. Literals are written for
/// `standard_conforming_strings = on`: quotes doubled, backslashes as they are.
package enum PostgresSQL {
    /// `name` as a quoted identifier.
    package static func identifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `"schema"."name"`.
    package static func qualified(_ schema: String, _ name: String) -> String {
        identifier(schema) + "." + identifier(name)
    }

    /// `text` as a string literal.
    package static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// A role name as a grantee or owner: `PUBLIC` for nil, else the quoted name.
    package static func role(_ name: String?) -> String {
        name.map(identifier) ?? "PUBLIC"
    }
}
