import PoolKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An order-independent digest of `mariadb-tsv` rows: the row count, the byte count, and the sum
/// and the XOR of each row's CRC-32C. Two sets of rows with the same digest are, but for a chance
/// of about 2⁻³² per changed row, the same rows in any order.
///
/// The restore computes it over the archive's bytes as they go into `LOAD DATA`, and — when the
/// server warned — over the rows read back from the table with the dump's own `SELECT`: equal
/// digests prove that the warnings changed no value (a recomputed generated column, an ENUM's
/// error value, a FLOAT clipped to the value it already had). Rows end at a raw newline byte,
/// which the encoding never leaves inside a value (it writes `\n` as backslash-n).
struct MariaDBRowDigest: Sendable, Equatable {
    var rows: UInt64 = 0
    var bytes: UInt64 = 0
    var sum: UInt64 = 0
    var xor: UInt32 = 0
    /// The CRC of the row read so far (a row may span buffers).
    private var current = CRC32C()

    /// Adds the bytes of rows (or of a part of one) in the order they are written.
    mutating func update(_ buffer: UnsafeRawBufferPointer) {
        bytes += UInt64(buffer.count)
        guard let base = buffer.baseAddress else { return }
        var start = 0
        while start < buffer.count {
            guard let found = memchr(base + start, 0x0A, buffer.count - start) else {
                current.update(UnsafeRawBufferPointer(rebasing: buffer[start...]))
                return
            }
            let newline = UnsafeRawPointer(found) - base
            current.update(UnsafeRawBufferPointer(rebasing: buffer[start...newline]))
            let value = current.value
            sum &+= UInt64(value)
            xor ^= value
            rows += 1
            current = CRC32C()
            start = newline + 1
        }
    }

    mutating func update(_ buffer: [UInt8]) {
        buffer.withUnsafeBytes { update($0) }
    }

    /// Adds the digest of other rows (another chunk of the same table).
    mutating func combine(_ other: MariaDBRowDigest) {
        rows += other.rows
        bytes += other.bytes
        sum &+= other.sum
        xor ^= other.xor
    }

    static func == (lhs: MariaDBRowDigest, rhs: MariaDBRowDigest) -> Bool {
        lhs.rows == rhs.rows && lhs.bytes == rhs.bytes && lhs.sum == rhs.sum && lhs.xor == rhs.xor
    }
}
