/// A binary array as the text `array_out` writes for it: `{1,NULL,"a b"}`, `{{1,2},{3,4}}`, with
/// the bounds first when one is not 1 (`[0:1]={a,b}`).
enum PostgresBinaryArrayText {
    /// Dimension count, has-nulls flag, element type OID, then per dimension its length and lower
    /// bound, then each element as a length (-1: NULL) and its binary form. Each element is written
    /// by ``PostgresBinaryText``, in double quotes when it is empty, `NULL` in any case, or holds
    /// `{`, `}`, `"`, `\`, the delimiter (`;` for `box`, else `,`) or white space.
    static func text(_ bytes: ArraySlice<UInt8>) throws -> String {
        var reader = BigEndianReader(bytes)
        let dimensions = Int(try reader.int32())
        _ = try reader.int32()  // has-nulls flag
        let element = UInt32(bitPattern: try reader.int32())
        guard let kind = PostgresBinaryValue.elementKind(oid: element) else {
            throw PostgresBinaryText.corrupt("an array of element type OID \(element), which has no portable form")
        }
        if dimensions == 0 { return "{}" }
        guard (1...6).contains(dimensions) else { throw PostgresBinaryText.corrupt("an array of \(dimensions) dimensions") }
        var lengths: [Int] = []
        var lowerBounds: [Int] = []
        for _ in 0..<dimensions {
            lengths.append(Int(try reader.int32()))
            lowerBounds.append(Int(try reader.int32()))
        }
        let delimiter = kind.isBox ? ";" : ","
        var items: [String] = []
        for _ in 0..<lengths.reduce(1, *) {
            let length = Int(try reader.int32())
            guard length >= 0 else {
                items.append("NULL")
                continue
            }
            let text = try PostgresBinaryText.text(try reader.bytes(length), as: kind)
            items.append(PostgresBinaryText.quotedIfNeeded(text, special: #"{}"\"# + delimiter, alsoWhen: text.uppercased() == "NULL"))
        }
        func nest(_ items: ArraySlice<String>, _ dims: ArraySlice<Int>) -> String {
            guard let first = dims.first, dims.count > 1 else { return "{" + items.joined(separator: delimiter) + "}" }
            let size = items.count / max(first, 1)
            return "{" + (0..<first).map { nest(items.dropFirst($0 * size).prefix(size), dims.dropFirst()) }.joined(separator: delimiter) + "}"
        }
        let bounds = lowerBounds.allSatisfy { $0 == 1 } ? "" : zip(lowerBounds, lengths).map { "[\($0):\($0 + $1 - 1)]" }.joined() + "="
        return bounds + nest(items[...], lengths[...])
    }
}
