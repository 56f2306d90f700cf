import PoolKit

/// Reads big-endian integers, floats, NUL-terminated strings and byte runs from a slice: the
/// pieces of PostgreSQL's binary (`send`) forms.
struct BigEndianReader {
    private var bytes: ArraySlice<UInt8>
    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    var remaining: Int { bytes.count }

    mutating func bytes(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count >= count else { throw PoolKitError(.archiveCorrupt, "postgres-copy-binary data ends inside a value") }
        let result = bytes.prefix(count)
        bytes = bytes.dropFirst(count)
        return result
    }

    mutating func uint8() throws -> UInt8 { try bytes(1).first ?? 0 }

    mutating func int16() throws -> Int16 { Int16(truncatingIfNeeded: try unsigned(2)) }

    mutating func int32() throws -> Int32 { Int32(truncatingIfNeeded: try unsigned(4)) }

    mutating func int64() throws -> Int64 { Int64(bitPattern: try unsigned(8)) }

    mutating func float8() throws -> Double { Double(bitPattern: try unsigned(8)) }

    /// The next `width` bytes as an unsigned number.
    mutating func unsigned(_ width: Int) throws -> UInt64 {
        try bytes(width).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// A count of `what` (an int32) that the bytes left can hold, each taking at least `minimumBytes`.
    mutating func count(of what: String, minimumBytes: Int) throws -> Int {
        let count = Int(try int32())
        guard count >= 0, count * minimumBytes <= remaining else {
            throw PoolKitError(.archiveCorrupt, "postgres-copy-binary data holds \(count) \(what) in \(remaining) bytes")
        }
        return count
    }

    /// UTF-8 text up to the next NUL byte, which is consumed.
    mutating func cString() throws -> String {
        guard let end = bytes.firstIndex(of: 0) else { throw PoolKitError(.archiveCorrupt, "postgres-copy-binary data holds a string without its end") }
        let text = String(decoding: bytes[..<end], as: UTF8.self)
        bytes = bytes[(end + 1)...]
        return text
    }
}
