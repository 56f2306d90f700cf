import PoolKit

/// SQLite's spelling of portable expressions. Reading: names in `"…"`, `` `…` `` or `[…]`, matched
/// without regard to ASCII case; `length` counts characters; LIKE ignores ASCII case and has no
/// escape character unless given; text compares by bytes (BINARY), so its order is by code point.
/// Writing: booleans are 1 and 0, dates and timestamps text (as the writer stores them), bytes of
/// UTF-8 are `length(CAST(x AS BLOB))` (SQLite 3.40 has no `octet_length`).
enum SQLiteExpressionDialect {
    static let dialect = PortableExpressionDialect(
        engine: "SQLite", identifierQuotes: ["\"": "\"", "`": "`", "[": "]"], backslashEscapes: false, caseInsensitiveNames: true,
        functionNames: [
            "length": .charLength, "octet_length": .octetLength, "lower": .lower, "upper": .upper, "abs": .abs, "coalesce": .coalesce,
            "ifnull": .coalesce, "nullif": .nullif,
        ],
        likeBackslashEscape: false, likeIgnoresCase: true, textOrderingByCodePoint: true,
        quoteIdentifier: sqliteQuoteIdentifier, quoteString: sqliteQuoteString, booleanLiteral: { $0 ? "1" : "0" },
        dateLiteral: sqliteQuoteString, timestampLiteral: sqliteQuoteString,
        call: { function, arguments in
            switch function {
            case .charLength: return "length(\(arguments[0]))"
            case .octetLength: return "length(CAST(\(arguments[0]) AS BLOB))"
            case .coalesce where arguments.count == 1: return arguments[0]  // SQLite's coalesce wants two
            default: return "\(function.rawValue)(\(arguments.joined(separator: ", ")))"
            }
        },
        exactText: { operand, _ in operand }, concat: { "(\($0) || \($1))" },
        distinct: { left, right, negated in negated ? "(\(left) IS \(right))" : "(\(left) IS NOT \(right))" },
        expressionIndexes: true, partialIndexes: true)
}
