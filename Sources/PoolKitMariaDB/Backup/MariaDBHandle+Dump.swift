import CPoolKitMariaDB
import PoolKit

extension MariaDBHandle {
    /// Runs `sql` (a SELECT) with `mysql_use_result` and streams its rows, in the text format
    /// `LOAD DATA … FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES TERMINATED BY '\n'` reads back,
    /// through `channel` in buffers of about `bufferSize` bytes. Returns the row count.
    ///
    /// Rows are written straight from libmariadb's row buffer into the output buffer: no Swift
    /// object per row or per value. The session should set `character_set_results = binary`, so values arrive
    /// in the bytes their columns store them in.
    func dumpRows(_ sql: String, into channel: BufferChannel, bufferSize: Int = 1 << 20) throws -> UInt64 {
        try writeRows(sql, bufferSize: bufferSize) { try channel.send($0) }
    }

    /// The ``MariaDBRowDigest`` of the rows `sql` returns, in the dump's text format: for proving
    /// that rows read back from a loaded table are the archive's.
    func digestRows(_ sql: String) throws -> MariaDBRowDigest {
        var digest = MariaDBRowDigest()
        _ = try writeRows(sql, bufferSize: 1 << 20) { digest.update($0) }
        return digest
    }

    /// Writes the rows of `sql` as dump text to `send`, in buffers of about `bufferSize` bytes.
    private func writeRows(_ sql: String, bufferSize: Int, send: @escaping ([UInt8]) throws -> Void) throws -> UInt64 {
        let (mysql, result) = try useResult(sql)
        defer { mysql_free_result(result) }
        let columnCount = Int(mysql_num_fields(result))
        var writer = TSVWriter(capacity: bufferSize, send: send)
        var rows: UInt64 = 0
        while let row = mysql_fetch_row(result) {
            guard let lengths = mysql_fetch_lengths(result) else { break }
            for index in 0..<columnCount {
                if index > 0 { try writer.byte(0x09) }
                if let value = row[index] {
                    try writer.escaped(UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self), count: Int(lengths[index]))
                } else {
                    try writer.byte(0x5C)
                    try writer.byte(0x4E)  // \N
                }
            }
            try writer.byte(0x0A)
            rows += 1
        }
        // mysql_fetch_row returns NULL at the end and on a read error; only the error sets errno.
        if mysql_errno(mysql) != 0 { throw statementError(mysql) }
        try writer.flush()
        return rows
    }
}

/// Fills one fixed buffer with escaped values and hands it to `send` when full.
struct TSVWriter: ~Copyable {
    private let buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var count = 0
    private let send: ([UInt8]) throws -> Void

    init(capacity: Int, send: @escaping ([UInt8]) throws -> Void) {
        self.capacity = max(64, capacity)
        self.buffer = .allocate(capacity: self.capacity)
        self.send = send
    }

    deinit { buffer.deallocate() }

    /// Sends what is buffered, if anything.
    mutating func flush() throws {
        guard count > 0 else { return }
        let bytes = [UInt8](UnsafeBufferPointer(start: buffer, count: count))
        count = 0
        try send(bytes)
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) throws {
        if count == capacity { try flush() }
        buffer[count] = value
        count += 1
    }

    /// Appends `length` bytes, escaping backslash, tab, newline, carriage return and NUL — the
    /// bytes LOAD DATA would otherwise read as structure (`\0`, `\t`, `\n`, `\r`, `\\`). Every
    /// other byte, including `\b` and `\Z` characters, passes as is.
    mutating func escaped(_ value: UnsafePointer<UInt8>, count length: Int) throws {
        var start = 0
        var index = 0
        while index < length {
            // Eight bytes at a time while none of them needs escaping (most text and numbers).
            while index &+ 8 <= length, !Self.hasSpecialByte(UnsafeRawPointer(value + index).loadUnaligned(as: UInt64.self)) {
                index &+= 8
            }
            guard index < length else { break }
            let byte = value[index]
            let replacement: UInt8
            switch byte {
            case 0x5C: replacement = 0x5C
            case 0x09: replacement = 0x74  // t
            case 0x0A: replacement = 0x6E  // n
            case 0x0D: replacement = 0x72  // r
            case 0x00: replacement = 0x30  // 0
            default:
                index += 1
                continue
            }
            try raw(value + start, count: index - start)
            try byte2(0x5C, replacement)
            index += 1
            start = index
        }
        try raw(value + start, count: length - start)
    }

    /// Whether any of the eight bytes of `word` is NUL, tab, newline, carriage return or
    /// backslash: for each, `(v - 0x01…) & ~v & 0x80…` is non-zero exactly when `v` has a zero byte.
    @inline(__always)
    static func hasSpecialByte(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zero(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        return zero(word) | zero(word ^ (ones &* 0x09)) | zero(word ^ (ones &* 0x0A)) | zero(word ^ (ones &* 0x0D))
            | zero(word ^ (ones &* 0x5C)) != 0
    }

    @inline(__always)
    private mutating func byte2(_ first: UInt8, _ second: UInt8) throws {
        if capacity - count < 2 { try flush() }
        buffer[count] = first
        buffer[count + 1] = second
        count += 2
    }

    /// Copies `length` bytes, flushing as often as the buffer fills (a value may be larger than it).
    private mutating func raw(_ source: UnsafePointer<UInt8>, count length: Int) throws {
        var offset = 0
        while offset < length {
            if count == capacity { try flush() }
            let take = min(length - offset, capacity - count)
            (buffer + count).update(from: source + offset, count: take)
            count += take
            offset += take
        }
    }
}

extension MariaDBHandle {
    /// Runs `sql` with `mysql_use_result` and keeps every `step`-th row after the first (rows
    /// `step`, `2·step`, …), at most `limit` of them, as text: one pass in one hop, for picking
    /// chunk boundaries along a key.
    func sampleRows(_ sql: String, every step: Int, limit: Int) throws -> [[String?]] {
        let (mysql, result) = try useResult(sql)
        defer { mysql_free_result(result) }
        let columnCount = Int(mysql_num_fields(result))
        var kept: [[String?]] = []
        var index = 0
        // Read to the end even after `limit`: a use_result set must be drained before the next statement.
        while let row = mysql_fetch_row(result) {
            defer { index += 1 }
            guard index > 0, index % max(1, step) == 0, kept.count < limit, let lengths = mysql_fetch_lengths(result) else { continue }
            kept.append(
                (0..<columnCount).map { column in
                    row[column].map { String(decoding: UnsafeRawBufferPointer(start: $0, count: Int(lengths[column])), as: UTF8.self) }
                })
        }
        if mysql_errno(mysql) != 0 { throw statementError(mysql) }
        return kept
    }
}

extension MariaDBHandle {
    /// Sends `sql` and opens its rows for reading one at a time (`mysql_use_result`): nothing is
    /// buffered on the client. The caller frees the result with `mysql_free_result`.
    fileprivate func useResult(_ sql: String) throws -> (mysql: UnsafeMutablePointer<MYSQL>, result: UnsafeMutablePointer<MYSQL_RES>) {
        let mysql = try open()
        var sql = sql
        let status = sql.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { mysql_real_query(mysql, $0.baseAddress, UInt($0.count)) }
        }
        if status != 0 { throw statementError(mysql) }
        guard let result = mysql_use_result(mysql) else { throw statementError(mysql) }
        return (mysql, result)
    }
}

