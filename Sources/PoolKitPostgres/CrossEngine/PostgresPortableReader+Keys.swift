import Foundation
import PoolKit

/// PostgreSQL keys and indexes of an archive in portable form: plain and expression indexes,
/// foreign keys, as `pg_get_indexdef` and `pg_get_constraintdef` write them.
extension PostgresPortableReader {
    /// An index with expression keys or a WHERE predicate (`pg_get_indexdef`'s form, btree only),
    /// or a refusal.
    static func expressionIndex(name: String, _ ddl: String, table: PortableTable, tableDDL: String) throws -> PortableIndex {
        let text = ddl.trimmingCharacters(in: CharacterSet(charactersIn: " ;\n"))
        guard let using = text.range(of: " USING ") else { throw PortableExpressionRefusal("its definition could not be read") }
        let method = text[using.upperBound...].prefix { $0 != " " }
        guard method == "btree" else { throw PortableExpressionRefusal("a \(method) index, which other engines do not have") }
        guard let (list, rest) = PostgresDDLText.parenthesized(text[using.upperBound...]) else {
            throw PortableExpressionRefusal("its definition could not be read")
        }
        let tail = rest.trimmingCharacters(in: .whitespaces)
        var predicateText: String?
        if tail.hasPrefix("WHERE ") {
            predicateText = String(tail.dropFirst("WHERE ".count))
        } else if !tail.isEmpty {
            throw PortableExpressionRefusal("an index with \(tail.prefix { $0 != " " }) (INCLUDE columns, storage parameters, …)")
        }
        var lines: [String: String] = [:]
        for line in tableDDL.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("\""), let (column, rest) = PostgresDDLText.identifier(Substring(trimmed)) { lines[column] = String(rest) }
        }
        let reader = expressionReader(table.columns, lines: lines)
        let unique = text.hasPrefix("CREATE UNIQUE INDEX ")
        var columns: [(name: String, descending: Bool)] = []
        var expressions: [Int: PortableExpression] = [:]
        for (position, key) in PostgresDDLText.splitTopLevel(list).enumerated() {
            let (expression, descending) = try reader.indexKey(key, strict: unique)
            if case .column(let column) = expression {
                columns.append((column, descending))
            } else {
                columns.append((key, descending))
                expressions[position] = expression
            }
        }
        let predicate = try predicateText.map { try reader.condition($0, strict: unique) }
        return PortableIndex(name: name, columns: columns, unique: unique, expressions: expressions, predicate: predicate, definition: ddl)
    }

    /// `CREATE [UNIQUE] INDEX name ON [ONLY] table USING btree (plain columns);` — nil for anything else.
    static func plainIndex(_ ddl: String) -> (unique: Bool, columns: [(name: String, descending: Bool)])? {
        let text = ddl.trimmingCharacters(in: CharacterSet(charactersIn: " ;\n"))
        guard text.hasPrefix("CREATE "), let using = text.range(of: " USING btree "),
            let (list, rest) = PostgresDDLText.parenthesized(text[using.upperBound...]),
            rest.trimmingCharacters(in: .whitespaces).isEmpty, let columns = PostgresDDLText.plainColumns(list)
        else { return nil }
        return (text.hasPrefix("CREATE UNIQUE INDEX "), columns)
    }

    /// `FOREIGN KEY (a) REFERENCES schema.t(b) [ON UPDATE x] [ON DELETE y]` (pg_get_constraintdef's form).
    static func foreignKey(name: String, _ definition: String) -> PortableForeignKey? {
        guard let (list, rest) = PostgresDDLText.parenthesized(Substring(definition)), let columns = PostgresDDLText.plainColumns(list),
            let references = rest.range(of: "REFERENCES "),
            let (_, table, afterTable) = PostgresDDLText.qualifiedName(rest[references.upperBound...]),
            let (targetList, actions) = PostgresDDLText.parenthesized(afterTable), let targets = PostgresDDLText.plainColumns(targetList),
            !actions.contains("MATCH FULL")
        else { return nil }
        func action(_ word: String) -> String {
            guard let range = actions.range(of: "ON \(word) ") else { return "NO ACTION" }
            let tail = actions[range.upperBound...]
            for candidate in ["CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"] where tail.hasPrefix(candidate) { return candidate }
            return "NO ACTION"
        }
        return PortableForeignKey(
            name: name, columns: columns.map(\.name), referencedTable: table, referencedColumns: targets.map(\.name), onDelete: action("DELETE"),
            onUpdate: action("UPDATE"))
    }
}
