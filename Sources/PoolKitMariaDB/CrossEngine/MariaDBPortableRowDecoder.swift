import PoolKit

/// Decodes a chunk of `mariadb-tsv` into rows of raw portable values: every value is text (the
/// bytes the server printed, unescaped), `\N` is NULL.
final class MariaDBPortableRowDecoder: PortableRowDecoder {
    private let columns: Int
    private var pending: [UInt8] = []
    private var values: [PortableValue] = []
    private var field: [UInt8] = []

    init(columns: Int) {
        self.columns = columns
        values.reserveCapacity(columns)
    }

    func decode(_ payload: [UInt8], row: ([PortableValue]) throws -> Void) throws {
        let bytes: [UInt8]
        if pending.isEmpty { bytes = payload } else { bytes = pending + payload }
        var rowStart = 0
        var index = 0
        while let newline = bytes[index...].firstIndex(of: 0x0A) {
            try parseRow(bytes[rowStart..<newline], row: row)
            rowStart = newline + 1
            index = rowStart
        }
        pending = rowStart < bytes.count ? Array(bytes[rowStart...]) : []
    }

    func finish() throws {
        guard pending.isEmpty else {
            throw PoolKitError(.archiveCorrupt, "mariadb-tsv data ends inside a row (\(pending.count) bytes left over)")
        }
    }

    /// One line: fields split at unescaped tabs (an escaped tab is `\t`, so every tab byte separates).
    private func parseRow(_ line: ArraySlice<UInt8>, row: ([PortableValue]) throws -> Void) throws {
        values.removeAll(keepingCapacity: true)
        var start = line.startIndex
        while true {
            let end = line[start...].firstIndex(of: 0x09) ?? line.endIndex
            values.append(unescape(line[start..<end]))
            if end == line.endIndex { break }
            start = end + 1
        }
        // A table whose columns are all generated dumps one empty field per row.
        if columns == 0, values.count == 1, case .text(let bytes) = values[0], bytes.isEmpty { values.removeAll() }
        guard values.count == columns else {
            throw PoolKitError(.archiveCorrupt, "a mariadb-tsv row has \(values.count) fields but the table has \(columns) columns")
        }
        try row(values)
    }

    private func unescape(_ bytes: ArraySlice<UInt8>) -> PortableValue {
        if bytes.count == 2, bytes.first == 0x5C, bytes.last == UInt8(ascii: "N") { return .null }
        guard bytes.contains(0x5C) else { return .text(Array(bytes)) }
        field.removeAll(keepingCapacity: true)
        var escaped = false
        for byte in bytes {
            if escaped {
                switch byte {
                case UInt8(ascii: "t"): field.append(0x09)
                case UInt8(ascii: "n"): field.append(0x0A)
                case UInt8(ascii: "r"): field.append(0x0D)
                case UInt8(ascii: "0"): field.append(0x00)
                default: field.append(byte)
                }
                escaped = false
            } else if byte == 0x5C {
                escaped = true
            } else {
                field.append(byte)
            }
        }
        return .text(field)
    }
}
