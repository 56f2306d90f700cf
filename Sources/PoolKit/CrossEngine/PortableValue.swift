/// One value on its way from a source archive's encoding to a target's bulk-load encoding.
///
/// A source decoder yields the raw forms (``null``, ``integer``, ``real``, ``text``, ``blob``: what the
/// archive holds — a text engine's archive yields text for every value); ``PortableValueConverter``
/// turns each into the form of the target column's ``PortableType``, which the target's encoder
/// writes. Text is kept as UTF-8 bytes, checked once by the converter.
public enum PortableValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    /// UTF-8 text (raw from a source: not yet checked).
    case text([UInt8])
    case blob([UInt8])
    case boolean(Bool)
    /// An exact number in plain decimal notation, e.g. `-12.50`, `1e-05`.
    case decimal(String)
    /// `YYYY-MM-DD`.
    case date(String)
    /// `HH:MM:SS[.ffffff]`.
    case time(String)
    /// `YYYY-MM-DD HH:MM:SS[.ffffff]`, with `+HH:MM` when the column has a zone.
    case timestamp(String)
    /// Valid JSON text.
    case json([UInt8])
    /// The lower-case 36-character form.
    case uuid(String)
    /// A SET's members.
    case labels([String])
    /// A bit string, e.g. `0101`.
    case bits(String)
    /// A value the source's decoder cannot read (its type has no portable form), with why: every
    /// conversion refuses it, so `--on-bad-value` decides (stop, NULL or leave the row out).
    case unreadable(reason: String)

    /// The value as text for a report or an error (at most 80 characters, blobs in hex).
    public var shown: String {
        let full: String
        switch self {
        case .null: full = "NULL"
        case .integer(let value): full = String(value)
        case .real(let value): full = String(value)
        case .text(let bytes), .json(let bytes): full = "'" + String(decoding: bytes, as: UTF8.self) + "'"
        case .blob(let bytes): full = "x'" + bytes.prefix(40).map { String(format2: $0) }.joined() + "'"
        case .boolean(let value): full = value ? "true" : "false"
        case .decimal(let text), .date(let text), .time(let text), .timestamp(let text), .uuid(let text), .bits(let text):
            full = text
        case .labels(let labels): full = labels.joined(separator: ",")
        case .unreadable: full = "(unreadable)"
        }
        return full.count > 80 ? String(full.prefix(77)) + "…" : full
    }
}

extension String {
    /// `byte` as two lower-case hex digits.
    init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
