/// PostgreSQL's network address types from their binary forms, as its output functions write them.
enum PostgresNetworkText {
    /// `inet` and `cidr`: family (2 IPv4, 3 IPv6), prefix bits, is-cidr flag, address length, address.
    /// An `inet` host address (all bits) has no `/n`; a `cidr` always has it.
    static func address(_ bytes: ArraySlice<UInt8>) throws -> String {
        var reader = BigEndianReader(bytes)
        let family = try reader.uint8()
        let bits = Int(try reader.uint8())
        let isCIDR = try reader.uint8() != 0
        let length = Int(try reader.uint8())
        let address = Array(try reader.bytes(length))
        let text: String
        switch (family, length) {
        case (2, 4): text = address.map { String($0) }.joined(separator: ".")
        case (3, 16): text = ipv6(address)
        default: throw PostgresBinaryText.corrupt("a network address of family \(family) and \(length) bytes")
        }
        return isCIDR || bits != length * 8 ? "\(text)/\(bits)" : text
    }

    /// IPv6 in hexadecimal words without leading zeros; the longest run of two or more zero words
    /// (the first of equal runs) written `::`; an address of six zero words, or five and `ffff`,
    /// ends in dotted IPv4 (`::1.2.3.4`, `::ffff:1.2.3.4`).
    private static func ipv6(_ address: [UInt8]) -> String {
        let words = (0..<8).map { Int(address[2 * $0]) << 8 | Int(address[2 * $0 + 1]) }
        var best: Range<Int>?
        var start: Int?
        for index in 0...8 {
            if index < 8, words[index] == 0 {
                start = start ?? index
            } else if let first = start {
                if index - first >= 2, index - first > best?.count ?? 0 { best = first..<index }
                start = nil
            }
        }
        let embedsIPv4 = best?.lowerBound == 0 && (best?.count == 6 || (best?.count == 5 && words[5] == 0xFFFF))
        func hex(_ range: Range<Int>) -> [String] { range.map { String(words[$0], radix: 16) } }
        let tail = embedsIPv4 ? hex((best?.upperBound ?? 0)..<6) + [address[12...].map { String($0) }.joined(separator: ".")] : nil
        guard let run = best else { return hex(0..<8).joined(separator: ":") }
        let after = tail ?? hex(run.upperBound..<8)
        return hex(0..<run.lowerBound).joined(separator: ":") + "::" + after.joined(separator: ":")
    }

    /// `macaddr` (6 bytes) and `macaddr8` (8 bytes): `08:00:2b:01:02:03`.
    static func macAddress(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.map { PostgresBinaryText.hex($0) }.joined(separator: ":")
    }
}
