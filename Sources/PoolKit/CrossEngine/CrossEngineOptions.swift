/// What the user asked of a restore into another engine than the archive's.
public struct CrossEngineOptions: Sendable, Hashable {
    /// What to do with a value the target column cannot hold.
    public enum BadValuePolicy: String, Sendable, Hashable, CaseIterable {
        /// Stop, naming the table, column, chunk and value (the default).
        case error
        /// Load NULL instead (refused for a NOT NULL column), counted per table.
        case null
        /// Leave the row out, counted per table.
        case skipRow = "skip-row"
    }

    public var onBadValue: BadValuePolicy = .error
    /// `--cast` rules, the first that matches a column wins.
    public var casts: [CastRule] = []
    /// Fold table, column, index and constraint names to lower case (the target's convention).
    public var foldIdentifiers = false

    public init() {}
}

/// A `--cast` rule: `column TABLE.COLUMN to TYPE` or `type SOURCE-TYPE to TYPE`, e.g.
/// `column orders.flags to integer`, `type tinyint(1) to smallint`, `type datetime to timestamptz`.
public struct CastRule: Sendable, Hashable, CustomStringConvertible {
    public enum Subject: Sendable, Hashable {
        case column(table: String, column: String)
        /// A source type as the source spells it (`tinyint(1)`, `INTEGER`), compared without case;
        /// or a portable type name (`boolean`, `bigint`).
        case type(String)
    }

    public var subject: Subject
    public var target: PortableType
    public let description: String

    /// Parses a rule; `.usage` naming what is wrong.
    public init(parsing text: String) throws {
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard words.count >= 4, let to = words.lastIndex(where: { $0.lowercased() == "to" }), to >= 2, to < words.count - 1 else {
            throw PoolKitError(.usage, "--cast '\(text)': write 'column TABLE.COLUMN to TYPE' or 'type SOURCE-TYPE to TYPE'")
        }
        let subject = words[1..<to].joined(separator: " ")
        let targetName = words[(to + 1)...].joined(separator: " ")
        guard let target = PortableType(castName: targetName) else {
            throw PoolKitError(
                .usage,
                "--cast '\(text)': '\(targetName)' is not a type a cast can name (boolean, smallint, integer, bigint, numeric[(p,s)], real, double, text, varchar(n), char(n), blob, date, time, timestamp, timestamptz, json, uuid)")
        }
        switch words[0].lowercased() {
        case "column":
            guard let dot = subject.lastIndex(of: "."), dot != subject.startIndex, subject.index(after: dot) != subject.endIndex else {
                throw PoolKitError(.usage, "--cast '\(text)': name the column as TABLE.COLUMN")
            }
            self.subject = .column(table: String(subject[..<dot]), column: String(subject[subject.index(after: dot)...]))
        case "type":
            self.subject = .type(subject)
        default:
            throw PoolKitError(.usage, "--cast '\(text)': a rule starts with 'column' or 'type'")
        }
        self.target = target
        self.description = text
    }

    /// Whether the rule applies to `column` of `table` (source names; a table name may be given
    /// with or without its schema).
    func matches(table: String, schema: String?, column: PortableColumn) -> Bool {
        switch subject {
        case .column(let tableName, let columnName):
            let tableMatches = tableName == table || schema.map { "\($0).\(table)" == tableName } == true
            return tableMatches && columnName == column.sourceName
        case .type(let typeName):
            let wanted = typeName.lowercased().filter { !$0.isWhitespace }
            return column.sourceTypeName.lowercased().filter { !$0.isWhitespace } == wanted || column.sourceType.name == wanted
        }
    }
}
