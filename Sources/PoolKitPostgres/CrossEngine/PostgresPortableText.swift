import PoolKit

/// Portable values in PostgreSQL's text input forms: what `COPY … FROM STDIN` reads (escaped by
/// ``PostgresCopyTextEncoder``) and what a quoted literal in DDL holds.
enum PostgresPortableText {
    /// The value's input form, unescaped; nil for NULL.
    static func text(_ value: PortableValue) -> [UInt8]? {
        switch value {
        case .null: return nil
        case .boolean(let flag): return [flag ? UInt8(ascii: "t") : UInt8(ascii: "f")]
        case .integer(let number): return Array(String(number).utf8)
        case .real(let number):
            if number.isNaN { return Array("NaN".utf8) }
            if number.isInfinite { return Array((number < 0 ? "-Infinity" : "Infinity").utf8) }
            return Array(String(number).utf8)
        case .text(let bytes), .json(let bytes): return bytes
        case .blob(let bytes):
            var out: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
            out.reserveCapacity(2 + bytes.count * 2)
            let digits = Array("0123456789abcdef".utf8)
            for byte in bytes {
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0xF)])
            }
            return out
        case .decimal(let text), .date(let text), .time(let text), .timestamp(let text), .uuid(let text), .bits(let text):
            return Array(text.utf8)
        case .labels(let labels):
            let elements = labels.map { label in
                "\"" + label.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            }
            return Array(("{" + elements.joined(separator: ",") + "}").utf8)
        case .unreadable:
            preconditionFailure("PortableValueConverter refuses an unreadable value before any encoder sees it")
        }
    }
}

/// Rows in `postgres-copy-text`: values separated by tabs, `\N` for NULL, backslash, tab, newline
/// and carriage return escaped.
struct PostgresCopyTextEncoder: PortableRowEncoder {
    func append(_ row: [PortableValue], to buffer: inout [UInt8]) {
        for (index, value) in row.enumerated() {
            if index > 0 { buffer.append(0x09) }
            // The forms that never need an escape, written without an array of their own.
            switch value {
            case .integer(let number):
                buffer.append(contentsOf: String(number).utf8)
                continue
            case .decimal(let text), .date(let text), .time(let text), .timestamp(let text), .uuid(let text), .bits(let text):
                buffer.append(contentsOf: text.utf8)
                continue
            case .blob(let bytes):
                // bytea's hex form, its backslash escaped for COPY: \\x00ff.
                let digits: StaticString = "0123456789abcdef"
                buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")])
                buffer.reserveCapacity(buffer.count + bytes.count * 2)
                digits.withUTF8Buffer { hex in
                    for byte in bytes {
                        buffer.append(hex[Int(byte >> 4)])
                        buffer.append(hex[Int(byte & 0xF)])
                    }
                }
                continue
            default: break
            }
            guard let text = PostgresPortableText.text(value) else {
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(UInt8(ascii: "N"))
                continue
            }
            // Most values need no escape: copied whole.
            if !text.contains(where: { byte in byte == UInt8(ascii: "\\") || byte == 0x0A || byte == 0x0D || byte == 0x09 }) {
                buffer.append(contentsOf: text)
                continue
            }
            for byte in text {
                switch byte {
                case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "\\"))
                case 0x0A: buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "n"))
                case 0x0D: buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "r"))
                case 0x09: buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "t"))
                default: buffer.append(byte)
                }
            }
        }
        buffer.append(0x0A)
    }
}
