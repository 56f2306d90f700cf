/// Writes a portable expression in a target's dialect. Every operation is parenthesized, so no
/// engine's operator precedence can regroup it. A refusal says what the target lacks (a function,
/// a LIKE that respects case).
public struct PortableExpressionWriter: Sendable {
    public let dialect: PortableExpressionDialect

    public init(dialect: PortableExpressionDialect) { self.dialect = dialect }

    /// An index's keys (`"a", (lower("b")) DESC`: an expression key in parentheses, as every engine
    /// takes it) and its predicate, or a refusal when the target has no such index.
    public func index(_ index: PortableIndex) throws -> (keys: String, predicate: String?) {
        if !index.expressions.isEmpty && !dialect.expressionIndexes {
            throw PortableExpressionRefusal(
                "\(dialect.engine) has no index on an expression (an index on a generated column would need a column the source does not have)")
        }
        if index.predicate != nil && !dialect.partialIndexes { throw PortableExpressionRefusal("\(dialect.engine) has no partial index (an index with WHERE)") }
        var keys: [String] = []
        for (position, key) in index.columns.enumerated() {
            let text = try index.expressions[position].map { "(" + (try sql($0, strict: index.unique)) + ")" } ?? dialect.quoteIdentifier(key.name)
            keys.append(text + (key.descending ? " DESC" : ""))
        }
        return (keys.joined(separator: ", "), try index.predicate.map { try sql($0, strict: index.unique) })
    }

    /// `expression` as SQL; `strict` as for ``PortableExpressionReader``.
    public func sql(_ expression: PortableExpression, strict: Bool) throws -> String {
        switch expression {
        case .column(let name): return dialect.quoteIdentifier(name)
        case .number(let text): return text
        case .string(let text): return dialect.quoteString(text)
        case .date(let text): return dialect.dateLiteral(text)
        case .timestamp(let text): return dialect.timestampLiteral(text)
        case .boolean(let value): return dialect.booleanLiteral(value)
        case .null: return "NULL"
        case .not(let inner): return "(NOT \(try sql(inner, strict: strict)))"
        case .negate(let inner): return "(- \(try sql(inner, strict: strict)))"
        case .binary(let op, let left, let right):
            let (l, r) = (try sql(left, strict: strict), try sql(right, strict: strict))
            return op == .concat ? dialect.concat(l, r) : "(\(l) \(op.rawValue) \(r))"
        case .isNull(let inner, let negated): return "(\(try sql(inner, strict: strict)) IS \(negated ? "NOT " : "")NULL)"
        case .distinct(let left, let right, let negated):
            return dialect.distinct(try sql(left, strict: strict), try sql(right, strict: strict), negated)
        case .inList(let inner, let list, let negated):
            let items = try list.map { try sql($0, strict: strict) }.joined(separator: ", ")
            return "(\(try sql(inner, strict: strict)) \(negated ? "NOT " : "")IN (\(items)))"
        case .between(let inner, let low, let high, let negated):
            return "(\(try sql(inner, strict: strict)) \(negated ? "NOT " : "")BETWEEN \(try sql(low, strict: strict)) AND \(try sql(high, strict: strict)))"
        case .like(let inner, let pattern, let negated):
            if strict && dialect.likeIgnoresCase {
                throw PortableExpressionRefusal("\(dialect.engine)'s LIKE ignores the case of ASCII letters, where the source's does not")
            }
            return "(\(try sql(inner, strict: strict)) \(negated ? "NOT " : "")LIKE \(dialect.quoteString(pattern)) ESCAPE \(dialect.quoteString("\\")))"
        case .function(let function, let arguments):
            guard let call = dialect.call(function, try arguments.map { try sql($0, strict: strict) }) else {
                throw PortableExpressionRefusal("\(dialect.engine) has no function with the meaning of \(function.rawValue)()")
            }
            return call
        case .exactText(let inner, let ordering): return dialect.exactText(try sql(inner, strict: strict), ordering)
        }
    }
}
