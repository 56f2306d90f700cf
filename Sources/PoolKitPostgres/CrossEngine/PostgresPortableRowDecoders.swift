import PoolKit

/// Decodes a chunk of `postgres-copy-binary` into rows of portable values: the 19-byte header, then
/// per row a field count and each field's length (-1: NULL) and bytes, then the trailer (-1).
final class PostgresBinaryRowDecoder: PortableRowDecoder {
    private let kinds: [PostgresBinaryValue.Kind]
    private var pending: [UInt8] = []
    private var headerRead = false
    private var ended = false
    private var values: [PortableValue] = []

    init(kinds: [PostgresBinaryValue.Kind]) {
        self.kinds = kinds
        values.reserveCapacity(kinds.count)
    }

    static let signature: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00]

    func decode(_ payload: [UInt8], row: ([PortableValue]) throws -> Void) throws {
        pending += payload
        var offset = 0
        defer { pending.removeFirst(offset) }
        if !headerRead {
            guard pending.count >= 19 else { return }
            guard Array(pending.prefix(11)) == Self.signature else { throw PoolKitError(.archiveCorrupt, "postgres-copy-binary data lacks its signature") }
            var reader = BigEndianReader(pending[15..<19])
            let extensionLength = Int(try reader.int32())
            guard pending.count >= 19 + extensionLength else { return }
            offset = 19 + extensionLength
            headerRead = true
        }
        while !ended, pending.count - offset >= 2 {
            var reader = BigEndianReader(pending[offset...])
            let fields = Int(try reader.int16())
            if fields == -1 {
                ended = true
                offset += 2
                break
            }
            guard fields == kinds.count else {
                throw PoolKitError(.archiveCorrupt, "a postgres-copy-binary row has \(fields) fields but the table has \(kinds.count) columns")
            }
            values.removeAll(keepingCapacity: true)
            var complete = true
            for kind in kinds {
                guard reader.remaining >= 4 else {
                    complete = false
                    break
                }
                let length = Int(try reader.int32())
                if length < 0 {
                    values.append(.null)
                    continue
                }
                guard reader.remaining >= length else {
                    complete = false
                    break
                }
                values.append(try PostgresBinaryValue.decode(try reader.bytes(length), as: kind))
            }
            guard complete else { break }
            try row(values)
            offset = pending.count - reader.remaining
        }
    }

    func finish() throws {
        guard pending.isEmpty || (ended && pending.isEmpty) else {
            throw PoolKitError(.archiveCorrupt, "postgres-copy-binary data ends inside a row (\(pending.count) bytes left over)")
        }
    }
}

/// Decodes a chunk of `postgres-copy-text` into rows of text values: lines, tab-separated fields,
/// `\N` for NULL, backslash escapes (`\t`, `\n`, `\\`, octal `\NNN`, hex `\xHH`, …) undone.
final class PostgresTextRowDecoder: PortableRowDecoder {
    private let columns: Int
    /// Columns of type bytea, whose text form (`\x00ff`) is decoded to bytes.
    private let byteaColumns: Set<Int>
    /// Columns of type money, whose text form (`-$1,234.50`, as the C and en_US monetary locales
    /// write it) is read as the decimal it spells.
    private let moneyColumns: Set<Int>
    private var pending: [UInt8] = []
    private var values: [PortableValue] = []

    init(columns: Int, byteaColumns: Set<Int>, moneyColumns: Set<Int> = []) {
        self.columns = columns
        self.byteaColumns = byteaColumns
        self.moneyColumns = moneyColumns
    }

    /// `-$1,234.50` → `-1234.50`; any other spelling (another locale's) is left as it is, for the
    /// conversion to refuse, naming it.
    static func money(_ text: [UInt8]) -> [UInt8] {
        let plain = text.filter { $0 != UInt8(ascii: "$") && $0 != UInt8(ascii: ",") }
        let digits = plain.first == UInt8(ascii: "-") ? plain.dropFirst() : plain[...]
        let parts = digits.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        let isNumber = !digits.isEmpty && parts.count <= 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { (0x30...0x39).contains($0) } }
        return isNumber ? plain : text
    }

    func decode(_ payload: [UInt8], row: ([PortableValue]) throws -> Void) throws {
        let bytes = pending.isEmpty ? payload : pending + payload
        var start = 0
        while let newline = bytes[start...].firstIndex(of: 0x0A) {
            values.removeAll(keepingCapacity: true)
            var fieldStart = start
            while true {
                let end = bytes[fieldStart..<newline].firstIndex(of: 0x09) ?? newline
                values.append(Self.unescape(bytes[fieldStart..<end]))
                if end == newline { break }
                fieldStart = end + 1
            }
            for index in byteaColumns where index < values.count {
                if case .text(let text) = values[index] { values[index] = Self.bytea(text) }
            }
            for index in moneyColumns where index < values.count {
                if case .text(let text) = values[index] { values[index] = .text(Self.money(text)) }
            }
            guard values.count == columns else {
                throw PoolKitError(.archiveCorrupt, "a postgres-copy-text row has \(values.count) fields but the table has \(columns) columns")
            }
            try row(values)
            start = newline + 1
        }
        pending = Array(bytes[start...])
    }

    func finish() throws {
        guard pending.isEmpty else { throw PoolKitError(.archiveCorrupt, "postgres-copy-text data ends inside a row") }
    }

    private static func unescape(_ field: ArraySlice<UInt8>) -> PortableValue {
        if field.count == 2, field.first == 0x5C, field.last == UInt8(ascii: "N") { return .null }
        guard field.contains(0x5C) else { return .text(Array(field)) }
        var out: [UInt8] = []
        var index = field.startIndex
        while index < field.endIndex {
            let byte = field[index]
            index += 1
            guard byte == 0x5C, index < field.endIndex else {
                out.append(byte)
                continue
            }
            let next = field[index]
            index += 1
            switch next {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "x"):
                var value: UInt8 = 0
                var digits = 0
                while digits < 2, index < field.endIndex, let digit = hex(field[index]) {
                    value = value << 4 | digit
                    index += 1
                    digits += 1
                }
                out.append(digits == 0 ? UInt8(ascii: "x") : value)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = next - UInt8(ascii: "0")
                var digits = 1
                while digits < 3, index < field.endIndex, field[index] >= UInt8(ascii: "0"), field[index] <= UInt8(ascii: "7") {
                    value = value &* 8 &+ (field[index] - UInt8(ascii: "0"))
                    index += 1
                    digits += 1
                }
                out.append(value)
            default: out.append(next)
            }
        }
        return .text(out)
    }

    /// bytea's hex text form `\x00ff` as bytes (the form every server since 9.0 writes).
    private static func bytea(_ text: [UInt8]) -> PortableValue {
        guard text.count >= 2, text[0] == 0x5C, text[1] == UInt8(ascii: "x"), text.count % 2 == 0 else { return .text(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count / 2 - 1)
        var index = 2
        while index + 1 < text.count {
            guard let high = hex(text[index]), let low = hex(text[index + 1]) else { return .text(text) }
            bytes.append(high << 4 | low)
            index += 2
        }
        return .blob(bytes)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
