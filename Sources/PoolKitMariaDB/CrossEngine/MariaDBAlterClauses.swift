import Foundation
import PoolKit

/// Keys, indexes and foreign keys as MariaDB writes them, in `SHOW CREATE TABLE` lines and in the
/// snapshot strategy's deferred `ALTER TABLE … ADD …` statements.
enum MariaDBAlterClauses {
    enum Clause {
        case index(PortableIndex)
        case foreignKey(PortableForeignKey)
        /// A definition with no portable form (FULLTEXT, SPATIAL, a prefix index, a CHECK).
        case notCarried(String)
    }

    /// The `ADD …` clauses of the `ALTER TABLE` statements in `ddl`, without `ADD`, each with the
    /// table its statement alters.
    static func clauses(of ddl: String) -> [(table: String, clause: String)] {
        var result: [(table: String, clause: String)] = []
        for statement in ddl.components(separatedBy: ";\n") {
            let trimmed = statement.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: ";")))
            let tokens = MariaDBDDLTokenizer.tokens(trimmed)
            guard tokens.count > 3, tokens[0].keyword == "ALTER", tokens[1].keyword == "TABLE" else { continue }
            // `ALTER TABLE `t`` or `ALTER TABLE `db`.`t``: the table is the last identifier before the first clause.
            var table: String?
            for token in tokens.dropFirst(2) {
                if case .identifier(let name) = token { table = name } else if token != .word(".") { break }
            }
            guard let table,
                let range = trimmed.range(of: #"^ALTER\s+TABLE\s+`(?:[^`]|``)+`(?:\.`(?:[^`]|``)+`)?\s+"#, options: [.regularExpression, .caseInsensitive])
            else { continue }
            for clause in MariaDBDDLTokenizer.splitTopLevel(String(trimmed[range.upperBound...])) {
                var text = clause
                if text.uppercased().hasPrefix("ADD ") { text = String(text.dropFirst(4)) }
                result.append((table, text))
            }
        }
        return result
    }

    static func parse(_ clause: String) -> Clause {
        var tokens = MariaDBDDLTokenizer.tokens(clause)
        var constraintName: String?
        if tokens.first?.keyword == "CONSTRAINT" {
            if tokens.count > 1, case .identifier(let name) = tokens[1] {
                constraintName = name
                tokens.removeFirst(2)
            } else {
                tokens.removeFirst()
            }
        }
        switch tokens.first?.keyword {
        case "FOREIGN": return foreignKey(tokens, name: constraintName)
        case "UNIQUE", "KEY", "INDEX":
            let unique = tokens.first?.keyword == "UNIQUE"
            var rest = tokens.dropFirst(unique ? 1 : 0)
            if let word = rest.first?.keyword, word == "KEY" || word == "INDEX" { rest = rest.dropFirst() }
            var name = constraintName
            if case .identifier(let given)? = rest.first {
                name = given
                rest = rest.dropFirst()
            }
            guard case .group(let list)? = rest.first else { return .notCarried("an index whose columns could not be read") }
            let columns = columnList(list)
            if columns.contains(where: \.prefix) {
                return .notCarried("an index on a prefix of a column (MariaDB's `column(length)`) has no counterpart")
            }
            return .index(
                PortableIndex(name: name ?? columns.map(\.name).joined(separator: "_"), columns: columns.map { ($0.name, $0.descending) }, unique: unique))
        case "FULLTEXT", "SPATIAL":
            return .notCarried("a \(tokens.first!.keyword!.lowercased()) index is specific to MariaDB")
        case "CHECK":
            return .notCarried("CHECK expressions are in MariaDB's dialect and are not translated")
        default:
            return .notCarried("not a definition a cross-engine restore reads")
        }
    }

    /// `FOREIGN KEY [name] (cols) REFERENCES [db.]t (cols) [ON DELETE a] [ON UPDATE b]`.
    private static func foreignKey(_ tokens: [MariaDBDDLToken], name: String?) -> Clause {
        guard let columnsIndex = tokens.firstIndex(where: { if case .group = $0 { return true } else { return false } }),
            case .group(let columns) = tokens[columnsIndex],
            let references = tokens.firstIndex(where: { $0.keyword == "REFERENCES" }),
            let targetIndex = tokens[references...].firstIndex(where: { if case .group = $0 { return true } else { return false } }),
            case .group(let targetColumns) = tokens[targetIndex],
            case .identifier(let table)? = tokens[references..<targetIndex].last(where: { if case .identifier = $0 { return true } else { return false } })
        else { return .notCarried("a foreign key whose definition could not be read") }
        var onDelete = "RESTRICT"
        var onUpdate = "RESTRICT"
        var index = targetIndex + 1
        while index + 2 < tokens.count + 1 {
            guard tokens[index].keyword == "ON", index + 2 < tokens.count else { break }
            var action = tokens[index + 2].keyword ?? ""
            var used = 3
            if (action == "SET" || action == "NO"), index + 3 < tokens.count, let second = tokens[index + 3].keyword {
                action += " " + second
                used = 4
            }
            if tokens[index + 1].keyword == "DELETE" { onDelete = action } else { onUpdate = action }
            index += used
        }
        return .foreignKey(
            PortableForeignKey(
                name: name, columns: columnList(columns).map(\.name), referencedTable: table,
                referencedColumns: columnList(targetColumns).map(\.name), onDelete: onDelete, onUpdate: onUpdate))
    }

    /// `` `a`,`b`(10) DESC `` → names, descending, whether a prefix length is given.
    static func columnList(_ text: String) -> [(name: String, descending: Bool, prefix: Bool)] {
        MariaDBDDLTokenizer.splitTopLevel(text).compactMap { part in
            let tokens = MariaDBDDLTokenizer.tokens(part)
            guard case .identifier(let name)? = tokens.first else { return nil }
            let prefix = tokens.dropFirst().contains { if case .group = $0 { return true } else { return false } }
            return (name, tokens.contains { $0.keyword == "DESC" }, prefix)
        }
    }

    /// Tokens written back as text, for a report.
    static func text<S: Sequence>(_ tokens: S) -> String where S.Element == MariaDBDDLToken {
        tokens.map { token -> String in
            switch token {
            case .word(let word): return word
            case .string(let text): return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
            case .identifier(let name): return mariadbIdentifier(name)
            case .group(let inner): return "(" + inner + ")"
            case .punctuation(let character): return String(character)
            }
        }.joined(separator: " ")
    }
}
