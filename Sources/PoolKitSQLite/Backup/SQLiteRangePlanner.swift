/// The arithmetic of cutting tables into rowid ranges and blobs into byte ranges.
enum SQLiteRangePlanner {
    /// How many chunks a table or blob of `bytes` gets: one per `target` bytes (at least one), at
    /// most `limit`.
    static func chunkCount(bytes: Int64, target: Int64, limit: UInt64) -> Int {
        guard bytes > 0, target > 0, limit > 1 else { return 1 }
        let wanted = UInt64(bytes / target) + (bytes % target == 0 ? 0 : 1)
        return Int(min(wanted, limit, 100_000))
    }

    /// Splits the rowids `min...max` into `count` ranges of equal width and returns each range's
    /// `(lower, upper)` bounds; the first range has no lower bound and the last no upper bound, so
    /// together they cover every rowid whatever was inserted since the bounds were read.
    static func rowidRanges(min: Int64, max: Int64, count: Int) -> [(lower: Int64?, upper: Int64?)] {
        precondition(min <= max && count >= 1)
        // The width is max - min + 1, which can be 2^64: work with width - 1 and add back.
        let widthMinusOne = UInt64(bitPattern: max &- min)
        func start(_ index: Int) -> Int64 {
            // floor(index * width / count), width = widthMinusOne + 1, in 128-bit arithmetic.
            let product = UInt64(index).multipliedFullWidth(by: widthMinusOne)
            let (low, carry) = product.low.addingReportingOverflow(UInt64(index))
            let high = product.high + (carry ? 1 : 0)
            let offset = UInt64(count).dividingFullWidth((high: high, low: low)).quotient
            return min &+ Int64(bitPattern: offset)
        }
        var ranges: [(lower: Int64?, upper: Int64?)] = []
        for index in 0..<count {
            let lower: Int64? = index == 0 ? nil : start(index)
            let upper: Int64? = index == count - 1 ? nil : start(index + 1) - 1
            ranges.append((lower, upper))
        }
        return ranges
    }
}

/// How the bytes of a blob are cut into chunks — the rule of the `sqlite-database` encoding in
/// docs/archive-format.md, so that a restore can write each chunk at its offset as it arrives.
///
/// The unit `u` is the largest power of two that divides `size`, at most 65536 (65536 for an empty
/// blob): a multiple of the page size, so chunks hold whole pages. Chunk `k` of `n` covers bytes
/// `b(k) ..< b(k+1)` with `b(k) = floor(floor(size / u) * k / n) * u`.
struct SQLiteBlobLayout: Sendable, Hashable {
    /// The blob's size in bytes.
    let size: UInt64
    /// The number of chunks, 1 ... size / unit (1 for an empty blob).
    let chunks: Int

    /// The layout for `size` bytes and `chunks` chunks; nil when the pair breaks the rule (no chunk
    /// may be empty unless the blob is).
    init?(size: UInt64, chunks: Int) {
        let unit = Self.unit(of: size)
        guard chunks >= 1, size == 0 ? chunks == 1 : UInt64(chunks) <= size / unit else { return nil }
        self.size = size
        self.chunks = chunks
    }

    /// The layout a backup uses: one chunk per `targetChunkBytes`.
    init(size: UInt64, targetChunkBytes: Int64) {
        let limit = size / Self.unit(of: size)
        let count = SQLiteRangePlanner.chunkCount(bytes: Int64(clamping: size), target: targetChunkBytes, limit: max(limit, 1))
        self.init(size: size, chunks: max(1, count))!
    }

    /// The largest power of two dividing `size`, at most 65536.
    static func unit(of size: UInt64) -> UInt64 {
        size == 0 ? 65536 : min(65536, size & (~size &+ 1))
    }

    /// The bytes of chunk `index`.
    func range(of index: Int) -> Range<UInt64> {
        boundary(index)..<boundary(index + 1)
    }

    private func boundary(_ index: Int) -> UInt64 {
        let unit = Self.unit(of: size)
        let units = size / unit
        let product = units.multipliedFullWidth(by: UInt64(index))
        return UInt64(chunks).dividingFullWidth(product).quotient * unit
    }
}
