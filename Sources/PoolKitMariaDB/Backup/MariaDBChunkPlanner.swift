import PoolKit

/// Splits tables larger than the target chunk size into key ranges, so several workers dump one
/// large table at once. Ranges are half-open along the table's primary key (or unique NOT NULL
/// key), composite and non-integer keys included; every row falls into exactly one range because
/// the same literal closes one range and opens the next, compared in the key's own order.
struct MariaDBChunkPlanner {
    let connection: MariaDBConnection
    let targetChunkBytes: Int64
    /// Upper limit on chunks per table.
    var maxChunks = 4096

    /// The chunks of `table` (id `id`), each with its `WHERE` condition (nil = the whole table).
    func chunks(for table: MariaDBTableInfo, id: UInt32) async throws -> [(chunk: BackupChunk, condition: String?)] {
        let whole = [(BackupChunk(objectID: id, chunkID: 0, estimatedBytes: table.dataLength), String?.none)]
        let wanted = Int(min(Int64(maxChunks), (table.dataLength + targetChunkBytes - 1) / max(1, targetChunkBytes)))
        guard wanted > 1, !table.key.isEmpty, table.key.allSatisfy({ Self.keyKind($0) != nil }) else { return whole }
        let boundaries: [[String]]
        if table.key.count == 1, Self.keyKind(table.key[0]) == .integer {
            boundaries = try await integerBoundaries(table, parts: wanted)
        } else {
            boundaries = try await sampledBoundaries(table, parts: wanted)
        }
        guard !boundaries.isEmpty else { return whole }
        let literals = boundaries.map { values in zip(table.key, values).map { Self.literal($1, for: $0) } }
        let columns = table.key.map { mariadbIdentifier($0.name) }
        let estimate = table.dataLength / Int64(literals.count + 1)
        var result: [(BackupChunk, String?)] = []
        for index in 0...literals.count {
            var conditions: [String] = []
            if index > 0 { conditions.append(Self.compare(columns, literals[index - 1], lower: true)) }
            if index < literals.count { conditions.append(Self.compare(columns, literals[index], lower: false)) }
            let chunk = BackupChunk(
                objectID: id, chunkID: UInt32(index), lowerKey: index > 0 ? boundaries[index - 1] : nil,
                upperKey: index < boundaries.count ? boundaries[index] : nil, estimatedBytes: estimate)
            result.append((chunk, conditions.joined(separator: " AND ")))
        }
        return result
    }

    enum KeyKind { case integer, number, text, binary, temporal }

    /// How a key column's values are written as literals; nil for types whose comparison order is
    /// not the order of their literals (ENUM, SET, floating point, BIT, …): such keys are not split.
    static func keyKind(_ column: MariaDBColumnInfo) -> KeyKind? {
        switch column.dataType {
        case "tinyint", "smallint", "mediumint", "int", "bigint": return .integer
        case "decimal", "year": return .number
        case "char", "varchar": return column.characterSet == nil ? .binary : .text
        case "binary", "varbinary": return .binary
        case "date", "datetime", "timestamp", "time": return .temporal
        default: return nil
        }
    }

    /// The value (as the sampling query returns it: hex for strings) as a literal of the column's type.
    static func literal(_ value: String, for column: MariaDBColumnInfo) -> String {
        switch keyKind(column) {
        case .integer, .number:
            return value.allSatisfy({ $0.isNumber || $0 == "-" || $0 == "." }) ? value : mariadbString(value)
        case .text:
            let hex = "X'\(value)'"
            return "_\(column.characterSet!) \(hex) COLLATE \(mariadbIdentifier(column.collation ?? column.characterSet!))"
        case .binary:
            return "X'\(value)'"
        case .temporal, nil:
            return mariadbString(value)
        }
    }

    /// The expression that reads a key column for sampling.
    static func sampleExpression(_ column: MariaDBColumnInfo) -> String {
        switch keyKind(column) {
        case .text, .binary: return "HEX(\(mariadbIdentifier(column.name)))"
        default: return mariadbIdentifier(column.name)
        }
    }

    /// `(c1, c2, …) >= (v1, v2, …)` (lower) or `< (…)` (upper), spelled out column by column so
    /// the range optimizer uses the key.
    static func compare(_ columns: [String], _ values: [String], lower: Bool) -> String {
        var alternatives: [String] = []
        for position in columns.indices {
            var terms = (0..<position).map { "\(columns[$0]) = \(values[$0])" }
            let last = position == columns.count - 1
            let op = lower ? (last ? ">=" : ">") : "<"
            terms.append("\(columns[position]) \(op) \(values[position])")
            alternatives.append(terms.count == 1 ? terms[0] : "(" + terms.joined(separator: " AND ") + ")")
        }
        return alternatives.count == 1 ? alternatives[0] : "(" + alternatives.joined(separator: " OR ") + ")"
    }

    /// Even steps between MIN and MAX of a single integer key (two index lookups).
    private func integerBoundaries(_ table: MariaDBTableInfo, parts: Int) async throws -> [[String]] {
        let key = mariadbIdentifier(table.key[0].name)
        let row = try await connection.query(unsafeSQL: "SELECT MIN(\(key)), MAX(\(key)) FROM \(mariadbIdentifier(table.name))").rows.first
        guard let low = row?[0].flatMap({ Int128($0) }), let high = row?[1].flatMap({ Int128($0) }), high > low else {
            return []
        }
        let span = high - low + 1
        let parts = Int128(min(Int128(parts), span))
        var result: [[String]] = []
        var previous: Int128?
        for index in 1..<Int(parts) {
            let boundary = low + span * Int128(index) / parts
            if boundary != previous { result.append([String(boundary)]) }
            previous = boundary
        }
        return result
    }

    /// Every n-th key in key order, read in one pass over the key.
    private func sampledBoundaries(_ table: MariaDBTableInfo, parts: Int) async throws -> [[String]] {
        let step = max(1, Int(table.estimatedRows) / parts)
        let expressions = table.key.map(Self.sampleExpression).joined(separator: ", ")
        let order = table.key.map { mariadbIdentifier($0.name) }.joined(separator: ", ")
        let sql = "SELECT \(expressions) FROM \(mariadbIdentifier(table.name)) ORDER BY \(order)"
        let rows = try await connection.withHandle { handle in try handle.sampleRows(sql, every: step, limit: parts - 1) }
        var result: [[String]] = []
        for row in rows {
            let values = row.compactMap { $0 }
            if values.count == row.count, values != result.last { result.append(values) }
        }
        return result
    }
}
