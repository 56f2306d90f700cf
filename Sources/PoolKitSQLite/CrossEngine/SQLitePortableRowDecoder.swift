import PoolKit

/// Decodes a chunk of `sqlite-typed-v1` into rows of raw portable values: the storage class of
/// each value as SQLite held it (INTEGER, REAL, TEXT, BLOB, NULL). The row's leading rowid slot
/// is left out: a rowid that is not a column is SQLite's own and no other engine has it.
final class SQLitePortableRowDecoder: PortableRowDecoder {
    private let valuesPerRow: Int
    private var pending: [UInt8] = []
    private var position: Int64 = 0
    private var values: [PortableValue] = []

    /// `storedColumns`: the non-generated columns the rows carry.
    init(storedColumns: Int) {
        valuesPerRow = 1 + storedColumns
        values.reserveCapacity(storedColumns)
    }

    func decode(_ payload: [UInt8], row: ([PortableValue]) throws -> Void) throws {
        if pending.isEmpty {
            let consumed = try parse(payload, row: row)
            if consumed < payload.count { pending = Array(payload[consumed...]) }
        } else {
            pending += payload
            let consumed = try parse(pending, row: row)
            pending.removeFirst(consumed)
        }
    }

    func finish() throws {
        guard pending.isEmpty else {
            throw PoolKitError(.archiveCorrupt, "sqlite-typed-v1 data ends inside a row (\(pending.count) bytes left over)")
        }
    }

    /// Parses the complete rows at the start of `bytes`; returns the bytes they took.
    private func parse(_ bytes: [UInt8], row: ([PortableValue]) throws -> Void) throws -> Int {
        let progress = try bytes.withUnsafeBytes { buffer in
            try SQLiteRowParser.parse(buffer, valuesPerRow: valuesPerRow, maxValueLength: Int(Int32.max), position: position) { raw in
                values.removeAll(keepingCapacity: true)
                for value in raw.dropFirst() {
                    switch value {
                    case .null: values.append(.null)
                    case .integer(let number): values.append(.integer(number))
                    case .real(let number): values.append(.real(number))
                    case .text(let bytes): values.append(.text(Array(bytes)))
                    case .blob(let bytes): values.append(.blob(Array(bytes)))
                    }
                }
                try row(values)
            }
        }
        position += Int64(progress.consumed)
        return progress.consumed
    }
}
