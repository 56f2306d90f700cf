/// Decodes one chunk of `sqlite-typed-v1` data that arrives as payloads of any size: a row (or a
/// single 10 MB value) may span payloads, so the bytes of an incomplete row are carried over to the
/// next payload. Only the incomplete row is ever copied; complete rows are read in place.
struct SQLiteChunkDecoder {
    /// Values per row: the rowid slot plus one per loaded column.
    let valuesPerRow: Int
    /// The largest TEXT or BLOB accepted (the target's `SQLITE_LIMIT_LENGTH`).
    let maxValueLength: Int
    /// Bytes of complete rows decoded so far.
    private(set) var position: Int64 = 0
    /// Complete rows decoded so far.
    private(set) var rows: UInt64 = 0
    /// The start of an incomplete row, carried over from earlier payloads.
    private var pending: [UInt8] = []
    /// How many bytes `pending` must hold before the piece it stopped in can be complete.
    private var needed = 0

    init(valuesPerRow: Int, maxValueLength: Int) {
        self.valuesPerRow = valuesPerRow
        self.maxValueLength = maxValueLength
    }

    /// Decodes every row that `payload` completes and calls `row` with its values (valid during the
    /// call only).
    mutating func feed(_ payload: UnsafeRawBufferPointer, row: ([SQLiteValueRef]) throws -> Void) throws {
        var offset = 0
        while !pending.isEmpty {
            let take = min(needed - pending.count, payload.count - offset)
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: payload[offset..<(offset + take)]))
            offset += take
            if pending.count < needed { return }
            let (valuesPerRow, maxValueLength, position) = (self.valuesPerRow, self.maxValueLength, self.position)
            let progress = try pending.withUnsafeBytes { bytes in
                try SQLiteRowParser.parse(
                    bytes, valuesPerRow: valuesPerRow, maxValueLength: maxValueLength, maxRows: 1, position: position, row: row)
            }
            if progress.rows == 1 {
                // `pending` never grows past the end of the piece being completed, so the row ends exactly at its end.
                assert(progress.consumed == pending.count)
                self.position += Int64(progress.consumed)
                rows += 1
                pending = []
                needed = 0
            } else {
                needed = progress.needed
            }
        }
        let rest = UnsafeRawBufferPointer(rebasing: payload[offset...])
        let progress = try SQLiteRowParser.parse(
            rest, valuesPerRow: valuesPerRow, maxValueLength: maxValueLength, position: position, row: row)
        position += Int64(progress.consumed)
        rows += UInt64(progress.rows)
        if progress.consumed < rest.count {
            pending = Array(UnsafeRawBufferPointer(rebasing: rest[progress.consumed...]))
            needed = progress.needed
        }
    }

    /// Checks that the chunk ended after a complete row.
    func finish() throws {
        guard pending.isEmpty else {
            throw PoolKitError(
                .archiveCorrupt,
                "sqlite-typed-v1 data ends inside a row: \(pending.count) bytes after the last complete row at byte \(position) of the chunk")
        }
    }
}
