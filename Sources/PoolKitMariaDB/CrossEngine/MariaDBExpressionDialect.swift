import PoolKit

/// MariaDB's spelling of portable expressions. Reading (what `SHOW CREATE TABLE` writes): names in
/// `` `…` `` matched without regard to case; strings with backslash escapes; `length` counts bytes,
/// `char_length` characters; `MOD` is `%`; text compares by the column's collation (see the
/// reader: only `_nopad_bin` compares by code point). Writing: every compared text operand gets
/// `COLLATE utf8mb4_nopad_bin` (the tables' `utf8mb4_bin` ignores trailing spaces), `||` is
/// `concat()`; MariaDB 10.11 has neither expression nor partial indexes.
enum MariaDBExpressionDialect {
    static let dialect = PortableExpressionDialect(
        engine: "MariaDB", identifierQuotes: ["`": "`"], backslashEscapes: true, caseInsensitiveNames: true,
        functionNames: [
            "char_length": .charLength, "character_length": .charLength, "length": .octetLength, "octet_length": .octetLength,
            "lower": .lower, "lcase": .lower, "upper": .upper, "ucase": .upper, "abs": .abs, "coalesce": .coalesce, "ifnull": .coalesce,
            "nullif": .nullif,
        ],
        likeBackslashEscape: true, likeIgnoresCase: false, textOrderingByCodePoint: true,
        quoteIdentifier: mariadbIdentifier, quoteString: mariadbString, booleanLiteral: { $0 ? "TRUE" : "FALSE" },
        dateLiteral: { "DATE \(mariadbString($0))" }, timestampLiteral: { "TIMESTAMP \(mariadbString($0))" },
        call: { function, arguments in "\(function.rawValue)(\(arguments.joined(separator: ", ")))" },
        exactText: { operand, _ in "(\(operand) COLLATE utf8mb4_nopad_bin)" }, concat: { "concat(\($0), \($1))" },
        distinct: { left, right, negated in negated ? "(\(left) <=> \(right))" : "(NOT (\(left) <=> \(right)))" },
        expressionIndexes: false, partialIndexes: false)
}
