import Foundation
import PoolKit

/// Rows in `mariadb-tsv` (what `LOAD DATA … CHARACTER SET binary` reads): values separated by tabs,
/// `\N` for NULL, backslash, tab, newline, carriage return and NUL escaped, every value in the
/// bytes its column stores (booleans `1`/`0`, a BIT's big-endian bytes, instants in UTC).
struct MariaDBTSVEncoder: PortableRowEncoder {
    func append(_ row: [PortableValue], to buffer: inout [UInt8]) {
        for (index, value) in row.enumerated() {
            if index > 0 { buffer.append(0x09) }
            guard let bytes = Self.bytes(value) else {
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(UInt8(ascii: "N"))
                continue
            }
            // Most values need no escape: copied whole.
            if !bytes.contains(where: { byte in byte == UInt8(ascii: "\\") || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x00 }) {
                buffer.append(contentsOf: bytes)
                continue
            }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "\\"))
                case 0x0A: buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "n"))
                case 0x0D: buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "r"))
                case 0x09: buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "t"))
                case 0x00: buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "0"))
                default: buffer.append(byte)
                }
            }
        }
        buffer.append(0x0A)
    }

    /// The stored bytes of a value; nil for NULL.
    static func bytes(_ value: PortableValue) -> [UInt8]? {
        switch value {
        case .null: return nil
        case .boolean(let flag): return [flag ? UInt8(ascii: "1") : UInt8(ascii: "0")]
        case .integer(let number): return Array(String(number).utf8)
        case .real(let number): return Array(String(number).utf8)
        case .text(let bytes), .blob(let bytes), .json(let bytes): return bytes
        case .decimal(let text), .date(let text), .time(let text), .uuid(let text): return Array(text.utf8)
        case .timestamp(let text): return Array(MariaDBInstant.utc(text).utf8)
        case .labels(let labels): return Array(labels.joined(separator: ",").utf8)
        case .bits(let text):
            var bytes: [UInt8] = []
            let padded = String(repeating: "0", count: (8 - text.count % 8) % 8) + text
            var chunk = padded[...]
            while !chunk.isEmpty {
                bytes.append(UInt8(chunk.prefix(8), radix: 2) ?? 0)
                chunk = chunk.dropFirst(8)
            }
            return bytes
        case .unreadable:
            preconditionFailure("PortableValueConverter refuses an unreadable value before any encoder sees it")
        }
    }
}

/// Instants for a MariaDB `DATETIME` column, which has no zone: stored in UTC.
enum MariaDBInstant {
    /// `YYYY-MM-DD HH:MM:SS[.f][±HH:MM]` in UTC without the offset.
    static func utc(_ text: String) -> String {
        guard text.count > 19, let sign = text.dropFirst(19).lastIndex(where: { $0 == "+" || $0 == "-" }) else { return text }
        let local = String(text[..<sign])
        let offset = text[text.index(after: sign)...].split(separator: ":").compactMap { Int($0) }
        guard offset.count == 2 else { return local }
        let minutes = (offset[0] * 60 + offset[1]) * (text[sign] == "+" ? 1 : -1)
        if minutes == 0 { return local }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let whole = String(local.prefix(19))
        let fraction = local.dropFirst(19)
        guard let date = formatter.date(from: whole) else { return local }
        return formatter.string(from: date.addingTimeInterval(TimeInterval(-minutes * 60))) + fraction
    }
}
