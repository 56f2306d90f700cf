/// `sqlite-typed-v1`, PoolKit's row encoding for SQLite (defined in docs/archive-format.md).
///
/// A chunk's payload is a sequence of rows; a row is `1 + n` values: the row's rowid slot, then one
/// value per non-generated column of the table, in manifest order. The rowid slot is an INTEGER when
/// the table's rowid is dumped on its own (a rowid table without an INTEGER PRIMARY KEY column, or a
/// virtual table), otherwise NULL. Each value is a one-byte storage-class tag and its bytes:
///
/// | tag | class | bytes that follow |
/// |---:|---|---|
/// | `0x00` | NULL | none |
/// | `0x01` | INTEGER | 8: two's complement, little-endian |
/// | `0x02` | REAL | 8: the IEEE 754 binary64 bit pattern, little-endian |
/// | `0x03` | TEXT | `u32` LE length `n`, then `n` bytes of UTF-8 |
/// | `0x04` | BLOB | `u32` LE length `n`, then `n` bytes |
///
/// Frame boundaries may fall anywhere, even inside a value.
enum SQLiteTypedEncoding {
    static let null: UInt8 = 0x00
    static let integer: UInt8 = 0x01
    static let real: UInt8 = 0x02
    static let text: UInt8 = 0x03
    static let blob: UInt8 = 0x04
}

/// Encodes rows into buffers of about `bufferSize` bytes and hands each full buffer to `flush`.
/// A value larger than a buffer is split across buffers, so memory stays at one buffer. Values are
/// written with plain stores and `memcpy` into one preallocated buffer: this runs once per value of
/// every row dumped. Used inside one job on a connection thread.
final class SQLiteRowWriter {
    private let storage: UnsafeMutableRawPointer
    private var count = 0
    private let bufferSize: Int
    private let flush: ([UInt8]) throws -> Void

    init(bufferSize: Int, flush: @escaping ([UInt8]) throws -> Void) {
        precondition(bufferSize >= 16, "buffers must hold at least one fixed-size value")
        self.bufferSize = bufferSize
        self.flush = flush
        storage = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 16)
    }

    deinit { storage.deallocate() }

    func appendNull() throws {
        try reserve(1)
        storage.storeBytes(of: SQLiteTypedEncoding.null, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    func appendInteger(_ value: Int64) throws {
        try appendFixed(SQLiteTypedEncoding.integer, UInt64(bitPattern: value))
    }

    func appendReal(_ value: Double) throws {
        try appendFixed(SQLiteTypedEncoding.real, value.bitPattern)
    }

    func appendText(_ bytes: UnsafeRawBufferPointer) throws {
        try appendVariable(SQLiteTypedEncoding.text, bytes)
    }

    func appendBlob(_ bytes: UnsafeRawBufferPointer) throws {
        try appendVariable(SQLiteTypedEncoding.blob, bytes)
    }

    /// Hands the last, partly filled buffer to `flush` (nothing when it is empty).
    func finish() throws {
        if count > 0 { try flushBuffer() }
    }

    /// True when the buffer is full enough to be handed on after the current row.
    var isFull: Bool { count >= bufferSize }

    /// Hands the buffer on now.
    func flushBuffer() throws {
        let full = [UInt8](UnsafeRawBufferPointer(start: storage, count: count))
        count = 0
        try flush(full)
    }

    private func appendFixed(_ tag: UInt8, _ bits: UInt64) throws {
        try reserve(9)
        storage.storeBytes(of: tag, toByteOffset: count, as: UInt8.self)
        storage.storeBytes(of: bits.littleEndian, toByteOffset: count + 1, as: UInt64.self)
        count += 9
    }

    private func appendVariable(_ tag: UInt8, _ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count <= Int(UInt32.max) else {
            throw PoolKitError(.unsupported, "a value of \(bytes.count) bytes is larger than sqlite-typed-v1 can hold (4 GiB)")
        }
        try reserve(5)
        storage.storeBytes(of: tag, toByteOffset: count, as: UInt8.self)
        storage.storeBytes(of: UInt32(bytes.count).littleEndian, toByteOffset: count + 1, as: UInt32.self)
        count += 5
        guard let source = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            if count >= bufferSize { try flushBuffer() }
            let take = min(bytes.count - done, bufferSize - count)
            (storage + count).copyMemory(from: source + done, byteCount: take)
            count += take
            done += take
        }
    }

    /// Flushes first when `size` more bytes would overflow the buffer, so a fixed-size piece is
    /// never split (splitting would be allowed; keeping it whole is simpler to read in a hex dump).
    private func reserve(_ size: Int) throws {
        if count + size > bufferSize && count > 0 { try flushBuffer() }
    }
}

/// One decoded value; text and blob bytes point into the buffer being decoded.
enum SQLiteValueRef {
    case null
    case integer(Int64)
    case real(Double)
    case text(UnsafeRawBufferPointer)
    case blob(UnsafeRawBufferPointer)
}

/// Splits `sqlite-typed-v1` bytes into rows.
enum SQLiteRowParser {
    /// What ``parse(_:valuesPerRow:maxValueLength:maxRows:row:)`` got through.
    struct Progress {
        /// Bytes of complete rows, all handed to `row`.
        var consumed: Int
        /// Rows handed to `row`.
        var rows: Int
        /// When the bytes end inside a row: the least number of bytes, counted from the start of that
        /// row, that can complete the piece it stopped in. 0 when the bytes end exactly after a row.
        var needed: Int
    }

    /// Parses complete rows from the start of `bytes` and calls `row` with each row's values (reused
    /// between calls; the text and blob pointers are valid during the call only). Throws
    /// `.archiveCorrupt` for an unknown tag or a length above `maxValueLength`; `position` (the offset
    /// of `bytes` in the chunk) only makes messages precise.
    static func parse(
        _ bytes: UnsafeRawBufferPointer, valuesPerRow: Int, maxValueLength: Int, maxRows: Int = .max, position: Int64,
        row: (_ values: [SQLiteValueRef]) throws -> Void
    ) throws -> Progress {
        var values: [SQLiteValueRef] = []
        values.reserveCapacity(valuesPerRow)
        var progress = Progress(consumed: 0, rows: 0, needed: 0)
        let count = bytes.count
        rows: while progress.rows < maxRows && progress.consumed < count {
            var offset = progress.consumed
            values.removeAll(keepingCapacity: true)
            for _ in 0..<valuesPerRow {
                guard offset < count else {
                    progress.needed = offset + 1 - progress.consumed
                    break rows
                }
                let tag = bytes[offset]
                switch tag {
                case SQLiteTypedEncoding.null:
                    values.append(.null)
                    offset += 1
                case SQLiteTypedEncoding.integer, SQLiteTypedEncoding.real:
                    guard offset + 9 <= count else {
                        progress.needed = offset + 9 - progress.consumed
                        break rows
                    }
                    let bits = bytes.loadUnaligned(fromByteOffset: offset + 1, as: UInt64.self).littleEndian
                    values.append(tag == SQLiteTypedEncoding.integer ? .integer(Int64(bitPattern: bits)) : .real(Double(bitPattern: bits)))
                    offset += 9
                case SQLiteTypedEncoding.text, SQLiteTypedEncoding.blob:
                    guard offset + 5 <= count else {
                        progress.needed = offset + 5 - progress.consumed
                        break rows
                    }
                    let length = Int(bytes.loadUnaligned(fromByteOffset: offset + 1, as: UInt32.self).littleEndian)
                    guard length <= maxValueLength else {
                        throw PoolKitError(
                            .archiveCorrupt,
                            "sqlite-typed-v1 data has a value of \(length) bytes at byte \(position + Int64(offset)) of its chunk, more than SQLite's limit of \(maxValueLength)")
                    }
                    guard offset + 5 + length <= count else {
                        progress.needed = offset + 5 + length - progress.consumed
                        break rows
                    }
                    let value = UnsafeRawBufferPointer(start: bytes.baseAddress! + offset + 5, count: length)
                    values.append(tag == SQLiteTypedEncoding.text ? .text(value) : .blob(value))
                    offset += 5 + length
                default:
                    throw PoolKitError(
                        .archiveCorrupt,
                        "sqlite-typed-v1 data has an unknown value tag 0x\(String(tag, radix: 16)) at byte \(position + Int64(offset)) of its chunk")
                }
            }
            try row(values)
            progress.consumed = offset
            progress.rows += 1
        }
        return progress
    }
}
