import Foundation

/// Decodes rows into `Decodable` types, each property from the column of the same name.
///
/// ```swift
/// struct User: Decodable { var id: Int; var name: String; var createdAt: Date }
/// let users = try await connection.query("SELECT id, name, created_at FROM users").decode(User.self, keys: .convertFromSnakeCase)
/// ```
///
/// A property whose type is one of ``SQLDecodable``'s is read from its column; an optional one is
/// `nil` for NULL or for a column the result lacks. Any other `Decodable` property (a struct, an
/// array, a dictionary) is read from a JSON column (`json`/`jsonb` on PostgreSQL, `JSON` on
/// MariaDB, JSON text on SQLite). Errors name the column, its SQL type and the Swift type.
public struct SQLRowDecoder: Sendable {
    /// How property names find their columns.
    public enum KeyStrategy: Sendable {
        /// A property reads the column with exactly its name.
        case useColumnNames
        /// `created_at` is read by the property `createdAt`.
        case convertFromSnakeCase
    }

    public var keys: KeyStrategy

    public init(keys: KeyStrategy = .useColumnNames) {
        self.keys = keys
    }

    /// `row` as `T`.
    public func decode<T: Decodable>(_ type: T.Type, from row: SQLRow) throws -> T {
        let positions = Self.positions(of: row, keys: keys)
        do {
            return try T(from: RowDecoder(row: row, positions: positions))
        } catch let error as PoolKitError {
            throw error
        } catch let error as DecodingError {
            throw PoolKitError(.usage, "the row cannot be decoded as \(T.self): \(Self.describe(error))", underlying: error)
        }
    }

    /// Property name → column position.
    static func positions(of row: SQLRow, keys: KeyStrategy) -> [String: Int] {
        var positions: [String: Int] = [:]
        for (position, name) in row.columns.enumerated() {
            let key = keys == .convertFromSnakeCase ? camelCase(name) : name
            if positions[key] == nil { positions[key] = position }
        }
        return positions
    }

    /// `created_at` → `createdAt`; leading and trailing underscores stay.
    static func camelCase(_ name: String) -> String {
        let parts = name.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count > 1, parts.contains(where: { !$0.isEmpty }) else { return name }
        var result = ""
        var started = false
        for part in parts {
            if part.isEmpty {
                result += "_"
            } else if !started {
                result += part.lowercased()
                started = true
            } else {
                result += part.prefix(1).uppercased() + part.dropFirst().lowercased()
            }
        }
        return result
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context): "no column '\(key.stringValue)' (\(context.debugDescription))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            context.debugDescription
        @unknown default: "\(error)"
        }
    }
}

extension SQLRow {
    /// The row as a `Decodable` type, each property from the column of its name (see ``SQLRowDecoder``).
    public func decode<T: Decodable>(_ type: T.Type, keys: SQLRowDecoder.KeyStrategy = .useColumnNames) throws -> T {
        try SQLRowDecoder(keys: keys).decode(type, from: self)
    }
}

extension SQLRows {
    /// Every row as a `Decodable` type (see ``SQLRowDecoder``).
    public func decode<T: Decodable>(_ type: T.Type, keys: SQLRowDecoder.KeyStrategy = .useColumnNames) throws -> [T] {
        let decoder = SQLRowDecoder(keys: keys)
        return try rows.map { try decoder.decode(type, from: $0) }
    }
}

/// The `Decoder` a row is read through: one keyed container, whose keys are column names.
private struct RowDecoder: Decoder {
    let row: SQLRow
    let positions: [String: Int]
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RowContainer<Key>(row: row, positions: positions))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw PoolKitError(.usage, "a row decodes into a type with named properties (a struct or class), not into a list")
    }

    /// A row of one column decodes as that column's value (`row.decode(Int.self)`).
    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        guard row.values.count == 1 else {
            throw PoolKitError(
                .usage,
                "a row of \(row.values.count) columns (\(row.columns.joined(separator: ", "))) decodes into a tuple or a type with named properties, not into one value")
        }
        return SingleColumn(row: row)
    }
}

/// The one column of a one-column row, as a single value.
private struct SingleColumn: SingleValueDecodingContainer {
    let row: SQLRow
    var codingPath: [any CodingKey] { [] }

    func decodeNil() -> Bool { row.values[0] == .null }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard let sqlType = type as? any SQLDecodable.Type else {
            throw PoolKitError(.usage, "\(row.describeColumn(0)) cannot be read as Swift type \(T.self): it is not a column type")
        }
        return try column(sqlType) as! T
    }

    private func column<V: SQLDecodable>(_ type: V.Type) throws -> V {
        try row.decode(type, row.values[0], position: 0)
    }
}

private struct RowContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let row: SQLRow
    let positions: [String: Int]
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { positions.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { positions[key.stringValue] != nil }

    private func position(of key: Key) throws -> Int {
        guard let position = positions[key.stringValue] else {
            throw PoolKitError(
                .usage, "the row has no column for the property '\(key.stringValue)'; its columns are \(row.columns.joined(separator: ", "))")
        }
        return position
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        row.values[try position(of: key)] == .null
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let position = try position(of: key)
        let value = row.values[position]
        if let sqlType = type as? any SQLDecodable.Type {
            return try decodeColumn(sqlType, value, position) as! T
        }
        switch value {
        case .text(let text): return try decodeJSON(type, Data(text.utf8), position)
        case .bytes(let bytes): return try decodeJSON(type, Data(bytes), position)
        default:
            throw PoolKitError(
                .usage, "\(row.describeColumn(position)) holds \(value.kindDescription), which cannot be read as Swift type \(T.self): it is not JSON text")
        }
    }

    private func decodeColumn<V: SQLDecodable>(_ type: V.Type, _ value: SQLValue, _ position: Int) throws -> V {
        try row.decode(type, value, position: position)
    }


    private func decodeJSON<T: Decodable>(_ type: T.Type, _ data: Data, _ position: Int) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw PoolKitError(
                .usage, "\(row.describeColumn(position)) holds JSON that cannot be read as Swift type \(T.self): \(SQLRowDecoder.describe(error))")
        }
    }

    private func column<V: SQLDecodable>(_ type: V.Type, _ key: Key) throws -> V {
        let position = try position(of: key)
        return try row.decode(type, row.values[position], position: position)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try column(type, key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try column(type, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try column(type, key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try column(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try column(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try column(type, key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try decode(Double.self, forKey: key)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try narrow(try decode(Int64.self, forKey: key), key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try narrow(try decode(Int64.self, forKey: key), key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try narrow(try decode(Int64.self, forKey: key), key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try narrow(try decode(Int64.self, forKey: key), key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try narrow(try decode(Int64.self, forKey: key), key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try narrow(try decode(Int64.self, forKey: key), key) }

    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 {
        let position = try position(of: key)
        if case .text(let text) = row.values[position], let value = UInt64(text) { return value }
        return try narrow(try decode(Int64.self, forKey: key), key)
    }

    private func narrow<Wide: BinaryInteger, Narrow: FixedWidthInteger>(_ value: Wide, _ key: Key) throws -> Narrow {
        guard let narrow = Narrow(exactly: value) else {
            throw PoolKitError(
                .usage, "\(row.describeColumn(try position(of: key))) holds \(value), which cannot be read as Swift type \(Narrow.self): it is out of range")
        }
        return narrow
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        throw PoolKitError(.usage, "the column '\(key.stringValue)' cannot be read as a nested container; give the property a Decodable type")
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw PoolKitError(.usage, "the column '\(key.stringValue)' cannot be read as a nested list; give the property a Decodable type")
    }

    func superDecoder() throws -> any Decoder { RowDecoder(row: row, positions: positions) }
    func superDecoder(forKey key: Key) throws -> any Decoder { RowDecoder(row: row, positions: positions) }
}
