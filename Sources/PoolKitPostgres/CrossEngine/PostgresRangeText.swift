/// PostgreSQL's range and multirange types from their binary forms, as `range_out` and
/// `multirange_out` write them: `empty`, `[1,10)`, `(,5]`, `["2020-01-01 00:00:00","2020-01-02 00:00:00")`,
/// `{[1,3),[5,7)}`.
enum PostgresRangeText {
    /// Flag bits of a range's first byte.
    private static let empty: UInt8 = 0x01, lowerInclusive: UInt8 = 0x02, upperInclusive: UInt8 = 0x04
    private static let lowerInfinite: UInt8 = 0x08, upperInfinite: UInt8 = 0x10, lowerNull: UInt8 = 0x20, upperNull: UInt8 = 0x40

    /// A range: the flags, then each bound it has as a length and the element's binary form. A
    /// bound is quoted when it is empty or holds `"`, `\`, `(`, `)`, `[`, `]`, `,` or white space.
    static func range(_ bytes: ArraySlice<UInt8>, of element: PostgresBinaryValue.Kind) throws -> String {
        var reader = BigEndianReader(bytes)
        let flags = try reader.uint8()
        if flags & empty != 0 { return "empty" }
        func bound(absentIf absent: UInt8) throws -> String {
            guard flags & absent == 0 else { return "" }
            let text = try PostgresBinaryText.text(try reader.bytes(Int(try reader.int32())), as: element)
            return PostgresBinaryText.quotedIfNeeded(text, special: #""\()[],"#)
        }
        let lower = try bound(absentIf: lowerInfinite | lowerNull)
        let upper = try bound(absentIf: upperInfinite | upperNull)
        return (flags & lowerInclusive != 0 ? "[" : "(") + lower + "," + upper + (flags & upperInclusive != 0 ? "]" : ")")
    }

    /// A multirange: a range count, then each range as a length and its binary form.
    static func multirange(_ bytes: ArraySlice<UInt8>, of element: PostgresBinaryValue.Kind) throws -> String {
        var reader = BigEndianReader(bytes)
        let count = try reader.count(of: "ranges of a multirange", minimumBytes: 5)
        let ranges = try (0..<count).map { _ in try range(try reader.bytes(Int(try reader.int32())), of: element) }
        return "{" + ranges.joined(separator: ",") + "}"
    }
}
