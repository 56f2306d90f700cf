import CPoolKitChecksum

/// CRC-32C (Castagnoli), the per-frame checksum of the archive format.
///
/// Uses the CPU's CRC-32C instruction where there is one (x86-64 SSE4.2), and otherwise a
/// table-driven slicing-by-8: eight bytes per step through eight 256-entry tables. This is an
/// error-detecting code (every burst of up to 32 bits, every odd number of flipped bits), not a
/// cryptographic hash; the archive uses SHA-256 for its digests.
///
/// ```swift
/// var crc = CRC32C()
/// crc.update(headerBytes)
/// crc.update(payload)
/// let checksum = crc.value
/// ```
package struct CRC32C: Sendable {
    /// The running register (inverted, as the algorithm keeps it).
    private var state: UInt32 = 0xFFFF_FFFF

    /// A fresh checksum (of no bytes).
    package init() {}

    /// The CRC-32C of the bytes seen so far.
    package var value: UInt32 { ~state }

    /// Adds `bytes` to the checksum.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        if CRC32C.hardwareAvailable {
            state = cpoolkit_crc32c_hardware_update(state, base, bytes.count)
        } else {
            updateWithTables(bytes)
        }
    }

    /// Adds `bytes` with the table method, whatever the CPU has (the reference for tests).
    package mutating func updateWithTables(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        state = CRC32C.tables.withUnsafeBufferPointer { tables in
            CRC32C.step(state, base, bytes.count, tables)
        }
    }

    /// Whether the CPU's CRC-32C instruction is used.
    package static let hardwareAvailable = cpoolkit_crc32c_hardware_available() != 0

    /// Adds `bytes` to the checksum.
    package mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The CRC-32C of `bytes`.
    package static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CRC32C()
        crc.update(bytes)
        return crc.value
    }

    /// The CRC-32C of `bytes`.
    package static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    @inline(__always)
    private static func step(
        _ initial: UInt32, _ base: UnsafeRawPointer, _ count: Int, _ t: UnsafeBufferPointer<UInt32>
    ) -> UInt32 {
        var crc = initial
        var pointer = base
        var remaining = count
        while remaining >= 8 {
            let word = UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self))
            let low = UInt32(truncatingIfNeeded: word) ^ crc
            let high = UInt32(truncatingIfNeeded: word &>> 32)
            var next = t[7 &* 256 &+ Int(low & 0xFF)]
            next ^= t[6 &* 256 &+ Int((low &>> 8) & 0xFF)]
            next ^= t[5 &* 256 &+ Int((low &>> 16) & 0xFF)]
            next ^= t[4 &* 256 &+ Int(low &>> 24)]
            next ^= t[3 &* 256 &+ Int(high & 0xFF)]
            next ^= t[2 &* 256 &+ Int((high &>> 8) & 0xFF)]
            next ^= t[256 &+ Int((high &>> 16) & 0xFF)]
            next ^= t[Int(high &>> 24)]
            crc = next
            pointer += 8
            remaining &-= 8
        }
        while remaining > 0 {
            let byte = UInt32(pointer.load(as: UInt8.self))
            crc = t[Int((crc ^ byte) & 0xFF)] ^ (crc &>> 8)
            pointer += 1
            remaining &-= 1
        }
        return crc
    }

    /// Eight 256-entry tables; table k advances a byte by k further zero bytes.
    private static let tables: [UInt32] = {
        let polynomial: UInt32 = 0x82F6_3B78  // 0x1EDC6F41 reflected
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for index in 0..<256 {
            var crc = UInt32(index)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ polynomial : crc >> 1 }
            tables[index] = crc
        }
        for index in 0..<256 {
            for table in 1..<8 {
                let previous = tables[(table - 1) * 256 + index]
                tables[table * 256 + index] = tables[Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        return tables
    }()
}
