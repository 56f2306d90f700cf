import PoolKit

/// PostgreSQL's spelling of portable expressions. Reading (what `pg_get_constraintdef` and
/// `pg_get_indexdef` write): names in `"…"`, bare ones in lower case; `length` and `char_length`
/// count characters; LIKE (`~~`) respects case, with `\` as its escape; text is ordered by the
/// database's collation, which other engines do not have. Writing: `COLLATE "C"` where text is
/// compared by order, so that it is by code point.
enum PostgresExpressionDialect {
    static let dialect = PortableExpressionDialect(
        engine: "PostgreSQL", identifierQuotes: ["\"": "\""], backslashEscapes: false, caseInsensitiveNames: false,
        functionNames: [
            "length": .charLength, "char_length": .charLength, "character_length": .charLength, "octet_length": .octetLength, "lower": .lower,
            "upper": .upper, "abs": .abs, "coalesce": .coalesce, "nullif": .nullif,
        ],
        likeBackslashEscape: true, likeIgnoresCase: false, textOrderingByCodePoint: false,
        quoteIdentifier: PostgresSQL.identifier, quoteString: PostgresSQL.literal, booleanLiteral: { $0 ? "true" : "false" },
        dateLiteral: { "\(PostgresSQL.literal($0))::date" }, timestampLiteral: { "\(PostgresSQL.literal($0))::timestamp without time zone" },
        call: { function, arguments in
            switch function {
            case .coalesce, .nullif: return "\(function.rawValue.uppercased())(\(arguments.joined(separator: ", ")))"
            default: return "\(function.rawValue)(\(arguments.joined(separator: ", ")))"
            }
        },
        exactText: { operand, ordering in ordering ? "(\(operand) COLLATE \"C\")" : operand }, concat: { "(\($0) || \($1))" },
        distinct: { left, right, negated in "(\(left) IS \(negated ? "NOT " : "")DISTINCT FROM \(right))" },
        expressionIndexes: true, partialIndexes: true)
}
