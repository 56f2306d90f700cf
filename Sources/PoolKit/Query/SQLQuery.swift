/// A statement whose interpolated values are bound as parameters, never spliced into its text.
///
/// Write it as a string literal; each `\(value)` becomes a placeholder in the engine's own syntax
/// (`$1`, `$2`, … on PostgreSQL, `?` on MariaDB and SQLite) and its value travels apart from the
/// SQL, so no value can change what the statement does:
///
/// ```swift
/// let rows = try await connection.query("SELECT name FROM users WHERE id = \(id) AND team = \(team)")
/// ```
///
/// Text that must become part of the SQL itself goes in only through a named way:
/// `\(identifier: name)` quotes a table or column name by the engine's rules, and
/// `\(unsafeSQL: text)` or ``init(unsafeSQL:binds:)`` put raw text in, unchecked — the name says
/// that an injection is possible there. Queries compose: `\(other)` inserts another query with its
/// bound values.
public struct SQLQuery: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// One piece of the statement.
    enum Fragment: Sendable, Hashable {
        /// SQL text, as written.
        case sql(String)
        /// A value bound to a placeholder.
        case value(SQLValue)
        /// A name quoted by the engine's rules when the statement is written.
        case identifier(String)
        /// Raw text whose placeholders the caller wrote, with their values
        /// (``SQLQuery/init(unsafeSQL:binds:)``).
        case prewritten(sql: String, values: [SQLValue])
    }

    var fragments: [Fragment]

    /// Raw SQL text, unchecked, with `binds` for the placeholders it already contains in the
    /// engine's own syntax (`$1` on PostgreSQL, `?` on MariaDB and SQLite). Never build `sql`
    /// from input: that is how SQL injection happens. Use string interpolation instead.
    public init(unsafeSQL sql: String, binds: [SQLValue] = []) {
        fragments = binds.isEmpty ? [.sql(sql)] : [.prewritten(sql: sql, values: binds)]
    }

    /// A statement with no bound values, from a literal.
    public init(stringLiteral value: String) {
        fragments = [.sql(value)]
    }

    public init(stringInterpolation: StringInterpolation) {
        fragments = stringInterpolation.fragments
    }

    /// Builds a query from a literal with `\(…)` values.
    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        var fragments: [Fragment] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            fragments.reserveCapacity(2 * interpolationCount + 1)
        }

        public mutating func appendLiteral(_ literal: String) {
            guard !literal.isEmpty else { return }
            fragments.append(.sql(literal))
        }

        /// A value, bound to a placeholder (`nil` binds NULL).
        public mutating func appendInterpolation(_ value: some SQLValueConvertible) {
            fragments.append(.value(value.sqlValue))
        }

        /// A table, column or other name, quoted by the engine's rules (`"name"` on PostgreSQL and
        /// SQLite, `` `name` `` on MariaDB), so any name round-trips and none can end the quote.
        public mutating func appendInterpolation(identifier name: String) {
            fragments.append(.identifier(name))
        }

        /// A qualified name such as a schema and a table, each part quoted, joined by dots.
        public mutating func appendInterpolation(identifiers names: [String]) {
            for (index, name) in names.enumerated() {
                if index > 0 { fragments.append(.sql(".")) }
                fragments.append(.identifier(name))
            }
        }

        /// Raw SQL text, unchecked. Never pass input here: use a plain `\(value)` for values and
        /// `\(identifier:)` for names.
        public mutating func appendInterpolation(unsafeSQL text: String) {
            fragments.append(.sql(text))
        }

        /// Another query, with its bound values.
        public mutating func appendInterpolation(_ query: SQLQuery) {
            fragments += query.fragments
        }
    }

    /// The values bound to the statement, in placeholder order.
    public var binds: [SQLValue] {
        fragments.flatMap { fragment -> [SQLValue] in
            switch fragment {
            case .value(let value): [value]
            case .prewritten(_, let values): values
            case .sql, .identifier: []
            }
        }
    }

    /// The statement's text for `dialect`, with its placeholders, and the values they bind.
    /// PostgreSQL numbers placeholders, so a query that mixes interpolated values with a
    /// ``init(unsafeSQL:binds:)`` part renumbers that part's `$n` after the values before it.
    public func rendered(for dialect: SQLDialect) -> (sql: String, binds: [SQLValue]) {
        var sql = ""
        var binds: [SQLValue] = []
        for fragment in fragments {
            switch fragment {
            case .sql(let text):
                sql += text
            case .value(let value):
                binds.append(value)
                sql += dialect.placeholder(binds.count)
            case .identifier(let name):
                sql += dialect.quote(name)
            case .prewritten(let text, let values):
                sql += binds.isEmpty ? text : dialect.shiftingPlaceholders(in: text, by: binds.count)
                binds += values
            }
        }
        return (sql, binds)
    }

    /// The statement as PostgreSQL would get it, values as placeholders: safe to log, as no
    /// bound value is in it.
    public var description: String { rendered(for: .postgres).sql }

    /// Two queries one after the other.
    public static func + (lhs: SQLQuery, rhs: SQLQuery) -> SQLQuery {
        var query = lhs
        query.fragments += rhs.fragments
        return query
    }

    /// Appends `other`.
    public static func += (lhs: inout SQLQuery, rhs: SQLQuery) {
        lhs.fragments += rhs.fragments
    }
}
