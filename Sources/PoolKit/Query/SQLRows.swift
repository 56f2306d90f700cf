/// The rows a parameterized query returned, with typed values.
///
/// ```swift
/// for row in try await connection.query("SELECT id, name FROM users WHERE team = \(team)") {
///     let (id, name) = try row.decode((Int, String?).self)
///     let sameName = try row.decode(String?.self, column: "name")
/// }
/// ```
public struct SQLRows: Sendable, Hashable, RandomAccessCollection {
    /// The result's column names, in order.
    public let columns: [String]
    public let rows: [SQLRow]

    /// The SQL type of each column as the engine names it (`int8`, `numeric`, `DECIMAL`, …), for
    /// error messages; empty where the driver does not know them.
    public var columnTypes: [String] { index.types }

    let index: SQLRow.ColumnIndex

    /// Rows from their columns, the columns' SQL types (as the engine names them; `[]` if
    /// unknown) and each row's values in column order.
    public init(columns: [String], types: [String] = [], values: [[SQLValue]]) {
        self.columns = columns
        let index = SQLRow.ColumnIndex(columns, types: types)
        self.index = index
        self.rows = values.map { SQLRow(index: index, values: $0) }
    }

    public var startIndex: Int { rows.startIndex }
    public var endIndex: Int { rows.endIndex }
    public subscript(position: Int) -> SQLRow { rows[position] }
}

/// One row of ``SQLRows``: values by position or by column name, decoded to Swift types.
public struct SQLRow: Sendable, Hashable {
    /// Column names and positions, shared by every row of a result.
    final class ColumnIndex: Sendable, Hashable {
        let names: [String]
        let types: [String]
        let positions: [String: Int]
        init(_ names: [String], types: [String]) {
            self.names = names
            self.types = types
            var positions: [String: Int] = [:]
            for (position, name) in names.enumerated() where positions[name] == nil { positions[name] = position }
            self.positions = positions
        }
        static func == (lhs: ColumnIndex, rhs: ColumnIndex) -> Bool { lhs.names == rhs.names }
        func hash(into hasher: inout Hasher) { hasher.combine(names) }
    }

    let index: ColumnIndex
    /// The row's values, in column order.
    public let values: [SQLValue]

    /// The column names.
    public var columns: [String] { index.names }

    /// The value at `position`. Throws `.usage` when there is no such column.
    public func value(at position: Int) throws -> SQLValue {
        guard values.indices.contains(position) else {
            throw PoolKitError(.usage, "the row has \(values.count) columns; there is no column \(position)")
        }
        return values[position]
    }

    /// The value of the first column named `name`. Throws `.usage` naming the columns there are.
    public func value(column name: String) throws -> SQLValue {
        guard let position = index.positions[name] else {
            throw PoolKitError(.usage, "the row has no column '\(name)'; its columns are \(index.names.joined(separator: ", "))")
        }
        return values[position]
    }

    /// The value at `position` as `T`. Throws `.usage` if it does not convert (NULL into a
    /// non-optional, text into Int, …), naming the column, its SQL type and the Swift type.
    public func decode<T: SQLDecodable>(_ type: T.Type, at position: Int) throws -> T {
        try decode(type, try value(at: position), position: position)
    }

    /// The value of the column named `name` as `T`.
    public func decode<T: SQLDecodable>(_ type: T.Type, column name: String) throws -> T {
        let value = try value(column: name)
        return try decode(type, value, position: index.positions[name]!)
    }

    /// The SQL type of the column at `position` as the engine names it, or nil if unknown.
    public func sqlType(at position: Int) -> String? {
        index.types.indices.contains(position) && !index.types[position].isEmpty ? index.types[position] : nil
    }

    /// `column 2 'name' (SQL type text)`, for messages.
    func describeColumn(_ position: Int) -> String {
        let name = index.names.indices.contains(position) ? " '\(index.names[position])'" : ""
        let type = sqlType(at: position).map { " (SQL type \($0))" } ?? ""
        return "column \(position)\(name)\(type)"
    }

    func decode<T: SQLDecodable>(_ type: T.Type, _ value: SQLValue, position: Int) throws -> T {
        do {
            return try T(sqlValue: value)
        } catch let error as SQLDecodingError {
            throw PoolKitError(
                .usage,
                "\(describeColumn(position)) holds \(value.kindDescription), which cannot be read as Swift type \(T.self): \(error.reason)")
        }
    }
}

/// Why a ``SQLValue`` could not become a Swift value.
public struct SQLDecodingError: Error, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}

extension SQLValue {
    var kindDescription: String {
        switch self {
        case .null: "NULL"
        case .int(let value): "the integer \(value)"
        case .double(let value): "the number \(value)"
        case .text(let value): "text of \(value.count) characters"
        case .bytes(let value): "\(value.count) bytes"
        case .bool(let value): "the boolean \(value)"
        case .date(let value): "the time \(value)"
        }
    }
}
