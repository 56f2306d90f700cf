/// The schema of an archive in a form every driver understands: what a source driver reads from its
/// own archive's manifest and what a target driver writes as its own DDL in a cross-engine restore.
/// No driver knows another driver; they meet here.
public struct PortableSchema: Sendable, Hashable {
    /// The tables, in the order the archive lists them.
    public var tables: [PortableTable]
    /// Objects of the source that the restore does not carry (views, triggers, routines,
    /// definitions that do not translate), each with its definition so a person can port it.
    public var notCarried: [PortableNotCarried]
    /// What the user should know about the source's types (a spatial column carried as bytes, …).
    public var warnings: [String]

    public init(tables: [PortableTable], notCarried: [PortableNotCarried] = [], warnings: [String] = []) {
        self.tables = tables
        self.notCarried = notCarried
        self.warnings = warnings
    }
}

/// A table with its columns, keys, indexes and constraints.
public struct PortableTable: Sendable, Hashable {
    /// The data-frame id of the table in the archive.
    public var id: UInt32
    /// The table's name in the target (after `--fold-identifiers`).
    public var name: String
    /// The name in the source (what the archive and the report call it).
    public var sourceName: String
    /// The columns whose values the archive's rows carry, in row order.
    public var columns: [PortableColumn]
    /// Primary-key column names (target names), in key order; empty: none.
    public var primaryKey: [String]
    public var indexes: [PortableIndex]
    public var foreignKeys: [PortableForeignKey]
    /// CHECK constraints: the labels of ENUM/SET columns, and conditions whose expression translates
    /// (``PortableExpression``).
    public var checks: [PortableCheck]
    public var comment: String?
    /// The next value the source would have given an auto-increment column (SQLite's
    /// `sqlite_sequence` + 1, MariaDB's `AUTO_INCREMENT=`); nil: the largest value loaded + 1.
    public var nextAutoIncrement: Int64?
    /// The archive tables whose rows this table receives besides its own: the partitions of a
    /// partitioned table, for a target that has no partitions (``PortablePartitionRouting``).
    public var partitions: [PortablePartition]

    public init(
        id: UInt32, name: String, sourceName: String? = nil, columns: [PortableColumn], primaryKey: [String] = [],
        indexes: [PortableIndex] = [], foreignKeys: [PortableForeignKey] = [], checks: [PortableCheck] = [],
        comment: String? = nil, nextAutoIncrement: Int64? = nil, partitions: [PortablePartition] = []
    ) {
        self.id = id
        self.name = name
        self.sourceName = sourceName ?? name
        self.columns = columns
        self.primaryKey = primaryKey
        self.indexes = indexes
        self.foreignKeys = foreignKeys
        self.checks = checks
        self.comment = comment
        self.nextAutoIncrement = nextAutoIncrement
        self.partitions = partitions
    }

    /// The auto-increment (identity) column, if any.
    public var autoIncrementColumn: PortableColumn? { columns.first { $0.autoIncrement } }
}

/// An archive table whose rows go into another table of the target: a partition, whose rows the
/// target keeps in its partitioned table's one table.
public struct PortablePartition: Sendable, Hashable {
    /// The data-frame id of the partition in the archive.
    public var id: UInt32
    /// Its name in the source (the report and errors name the rows by it).
    public var sourceName: String
    /// The source names of the columns its rows carry, in row order (a partition may order its
    /// columns otherwise than its parent).
    public var columns: [String]

    public init(id: UInt32, sourceName: String, columns: [String]) {
        self.id = id
        self.sourceName = sourceName
        self.columns = columns
    }
}

/// A column: its portable type, what the source called its type, nullability, default.
public struct PortableColumn: Sendable, Hashable {
    /// The name in the target (after `--fold-identifiers`).
    public var name: String
    /// The name in the source.
    public var sourceName: String
    /// The type the target column gets (after `--cast`).
    public var type: PortableType
    /// The type as the source read its values: how the archive's values are to be interpreted.
    public var sourceType: PortableType
    /// The source's own spelling, e.g. `tinyint(1) unsigned`, for the report.
    public var sourceTypeName: String
    public var nullable: Bool
    public var defaultValue: PortableDefault?
    /// Filled by the target from a counter (identity, AUTO_INCREMENT, SQLite rowid alias).
    public var autoIncrement: Bool
    public var comment: String?
    /// Why no value of this column can be read (its source type has no portable form), so each is
    /// refused and `--on-bad-value` decides; nil for a readable column.
    public var unreadable: String?

    public init(
        name: String, type: PortableType, sourceTypeName: String, nullable: Bool = true, defaultValue: PortableDefault? = nil,
        autoIncrement: Bool = false, comment: String? = nil
    ) {
        self.name = name
        self.sourceName = name
        self.type = type
        self.sourceType = type
        self.sourceTypeName = sourceTypeName
        self.nullable = nullable
        self.defaultValue = defaultValue
        self.autoIncrement = autoIncrement
        self.comment = comment
    }
}

/// A column default that has a meaning in every engine.
public enum PortableDefault: Sendable, Hashable {
    /// A constant, in the text form of the source (converted to the column's type like a value).
    case literal(String)
    case currentTimestamp
    case currentDate
    case currentTime
}

/// An index: its keys (columns, or expressions where ``expressions`` says so) and, for a partial
/// index, its predicate. An expression or predicate that does not translate leaves the index out,
/// listed in ``PortableSchema/notCarried`` instead.
public struct PortableIndex: Sendable, Hashable {
    public var name: String
    /// Keys in order: column names (target names); for a key in ``expressions``, the name is the
    /// expression's source text (for reports).
    public var columns: [(name: String, descending: Bool)]
    public var unique: Bool
    /// Keys that are expressions, by their position in ``columns``.
    public var expressions: [Int: PortableExpression]
    /// A partial index's condition: the rows it covers.
    public var predicate: PortableExpression?
    /// The source's definition, when the index has an expression or a predicate (for the report).
    public var definition: String?

    public init(
        name: String, columns: [(name: String, descending: Bool)], unique: Bool, expressions: [Int: PortableExpression] = [:],
        predicate: PortableExpression? = nil, definition: String? = nil
    ) {
        self.name = name
        self.columns = columns
        self.unique = unique
        self.expressions = expressions
        self.predicate = predicate
        self.definition = definition
    }

    /// Whether every key is a column and there is no predicate.
    public var isPlain: Bool { expressions.isEmpty && predicate == nil }

    public static func == (lhs: PortableIndex, rhs: PortableIndex) -> Bool {
        lhs.name == rhs.name && lhs.unique == rhs.unique && lhs.columns.map(\.name) == rhs.columns.map(\.name)
            && lhs.columns.map(\.descending) == rhs.columns.map(\.descending) && lhs.expressions == rhs.expressions
            && lhs.predicate == rhs.predicate && lhs.definition == rhs.definition
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(unique)
        for column in columns {
            hasher.combine(column.name)
            hasher.combine(column.descending)
        }
        hasher.combine(expressions)
        hasher.combine(predicate)
        hasher.combine(definition)
    }
}

/// A foreign key, created after the data.
public struct PortableForeignKey: Sendable, Hashable {
    public var name: String?
    public var columns: [String]
    /// The referenced table's target name.
    public var referencedTable: String
    /// The referenced columns; empty: the referenced table's primary key.
    public var referencedColumns: [String]
    /// `CASCADE`, `SET NULL`, `SET DEFAULT`, `RESTRICT` or `NO ACTION`.
    public var onDelete: String
    public var onUpdate: String

    public init(
        name: String?, columns: [String], referencedTable: String, referencedColumns: [String], onDelete: String = "NO ACTION",
        onUpdate: String = "NO ACTION"
    ) {
        self.name = name
        self.columns = columns
        self.referencedTable = referencedTable
        self.referencedColumns = referencedColumns
        self.onDelete = onDelete
        self.onUpdate = onUpdate
    }
}

/// A CHECK constraint a target can write: the values a column may take, or a condition on the row.
public struct PortableCheck: Sendable, Hashable {
    public enum Rule: Sendable, Hashable {
        /// The column's value is one of these labels (an ENUM carried as text).
        case oneOf([String])
        /// Every element of the column's array is one of these labels (a SET carried as an array).
        case subsetOf([String])
        /// A condition on the row's columns; the row is refused when it is false (not when NULL).
        case condition(PortableExpression)
    }
    public var name: String
    /// The column a label rule constrains; empty for a condition.
    public var column: String
    public var rule: Rule
    /// The source's definition of a condition (for the report).
    public var definition: String?

    public init(name: String, column: String, rule: Rule, definition: String? = nil) {
        self.name = name
        self.column = column
        self.rule = rule
        self.definition = definition
    }

    /// A CHECK of a condition, as read from the source's `definition`.
    public static func condition(name: String, _ expression: PortableExpression, definition: String) -> PortableCheck {
        PortableCheck(name: name, column: "", rule: .condition(expression), definition: definition)
    }
}

/// An object of the source a cross-engine restore does not create in the target, with its definition.
public struct PortableNotCarried: Sendable, Hashable, Codable {
    /// `view`, `trigger`, `function`, `index`, `check`, `default`, `generated-column`, …
    public var kind: String
    /// The object's name (for a column-level item: `table.column`).
    public var name: String
    /// Why it is not carried.
    public var reason: String
    /// Its definition in the source's dialect, so a person can port it.
    public var definition: String?

    public init(kind: String, name: String, reason: String, definition: String?) {
        self.kind = kind
        self.name = name
        self.reason = reason
        self.definition = definition
    }
}

extension PortableColumn {
    /// A literal default in this column's type, by the value rules: the converted value (`.null`
    /// when the rules make it NULL), or nil when it does not fit (the default is then not created).
    public func convertedDefault(literal text: String) -> PortableValue? {
        switch PortableValueConverter(textualSource: true).convert(.text(Array(text.utf8)), from: sourceType, to: type) {
        case .value(let value), .converted(let value, _): return value
        case .nulled: return .null
        case .refused: return nil
        }
    }
}

extension PortableNotCarried {
    /// A column default written as an expression in the source's own SQL dialect (`dialect`, e.g.
    /// `PostgreSQL's`), which a target cannot run.
    public static func expressionDefault(table: String, column: String, expression: String, dialect: String) -> PortableNotCarried {
        PortableNotCarried(
            kind: "default", name: "\(table).\(column)", reason: "an expression default in \(dialect) dialect", definition: "DEFAULT \(expression)")
    }
}

extension PortableForeignKey {
    /// A referential action in the standard spelling every target writes as is: `CASCADE`,
    /// `SET NULL`, `SET DEFAULT`, `RESTRICT`, else `NO ACTION`.
    public static func standardAction(_ text: String) -> String {
        let upper = text.uppercased()
        return ["CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT"].contains(upper) ? upper : "NO ACTION"
    }
}
