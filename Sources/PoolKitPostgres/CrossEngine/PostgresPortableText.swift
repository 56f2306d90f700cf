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
            appendHex(bytes, to: &out)
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

extension PostgresPortableText {
    /// `bytes` as lower-case hex digits, two a byte (bytea's hex form after its `\\x`).
    static func appendHex(_ bytes: [UInt8], to out: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        out.reserveCapacity(out.count + bytes.count * 2)
        digits.withUTF8Buffer { hex in
            for byte in bytes {
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            }
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
                buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")])
                PostgresPortableText.appendHex(bytes, to: &buffer)
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
