import Foundation
import Testing

@testable import PoolKitSQLite

@Suite("SQLite backup building blocks")
struct BackupEncodingTests {
    @Test("identifiers and strings are quoted so that any name reads back as itself")
    func quoting() {
        #expect(sqliteQuoteIdentifier("plain") == #""plain""#)
        #expect(sqliteQuoteIdentifier(#"we"ird"#) == #""we""ird""#)
        #expect(sqliteQuoteIdentifier("order") == #""order""#)
        #expect(sqliteQuoteIdentifier("ü 日本") == #""ü 日本""#)
        #expect(sqliteQuoteString("it's") == "'it''s'")
        #expect(sqliteSameName("Plain", "pLAIN"))
        #expect(!sqliteSameName("Ä", "ä"), "SQLite folds ASCII letters only")
    }

    /// One row of each storage class, with edge values, as (values, expected decoded form).
    private static let values: [[Value]] = [
        [.integer(7), .null, .integer(.min), .integer(.max), .real(-0.0), .real(.infinity), .real(1e308), .real(.leastNonzeroMagnitude)],
        [.null, .text(""), .blob([]), .text("naïve 🎉"), .blob([0, 255, 16]), .text("x\u{0}y"), .real(1.0), .integer(0)],
        [.integer(-1), .text(String(repeating: "long ", count: 300)), .blob(Array(repeating: 0xAB, count: 1000)), .null, .null, .null, .null, .null],
    ]

    enum Value: Equatable {
        case null, integer(Int64), real(Double), text(String), blob([UInt8])

        static func == (a: Value, b: Value) -> Bool {
            switch (a, b) {
            case (.null, .null): true
            case (.integer(let x), .integer(let y)): x == y
            case (.real(let x), .real(let y)): x.bitPattern == y.bitPattern
            case (.text(let x), .text(let y)): x == y
            case (.blob(let x), .blob(let y)): x == y
            default: false
            }
        }

        init(_ reference: SQLiteValueRef) {
            switch reference {
            case .null: self = .null
            case .integer(let value): self = .integer(value)
            case .real(let value): self = .real(value)
            case .text(let bytes): self = .text(String(decoding: bytes, as: UTF8.self))
            case .blob(let bytes): self = .blob(Array(bytes))
            }
        }
    }

    /// Encodes `rows` with buffers of `bufferSize` bytes; returns the buffers.
    private static func encode(_ rows: [[Value]], bufferSize: Int) throws -> [[UInt8]] {
        var buffers: [[UInt8]] = []
        let writer = SQLiteRowWriter(bufferSize: bufferSize) { buffers.append($0) }
        for row in rows {
            for value in row {
                switch value {
                case .null: try writer.appendNull()
                case .integer(let integer): try writer.appendInteger(integer)
                case .real(let real): try writer.appendReal(real)
                case .text(let text): try Array(text.utf8).withUnsafeBytes { try writer.appendText($0) }
                case .blob(let blob): try blob.withUnsafeBytes { try writer.appendBlob($0) }
                }
            }
            if writer.isFull { try writer.flushBuffer() }
        }
        try writer.finish()
        return buffers
    }

    /// Decodes `payloads` as one chunk.
    private static func decode(_ payloads: [[UInt8]], valuesPerRow: Int, maxValueLength: Int = 1 << 30) throws -> [[Value]] {
        var decoder = SQLiteChunkDecoder(valuesPerRow: valuesPerRow, maxValueLength: maxValueLength)
        var rows: [[Value]] = []
        for payload in payloads {
            try payload.withUnsafeBytes { bytes in
                try decoder.feed(bytes) { values in rows.append(values.map(Value.init)) }
            }
        }
        try decoder.finish()
        #expect(decoder.rows == UInt64(rows.count))
        return rows
    }

    @Test("sqlite-typed-v1 rows decode exactly, whatever the payload boundaries", arguments: [16, 64, 1 << 20])
    func roundTripAcrossBoundaries(bufferSize: Int) throws {
        let buffers = try Self.encode(Self.values, bufferSize: bufferSize)
        #expect(buffers.allSatisfy { $0.count <= bufferSize }, "no buffer is larger than asked, even for large values")
        let bytes = buffers.flatMap { $0 }
        #expect(try Self.decode(buffers, valuesPerRow: 8) == Self.values)
        // Every split into two payloads, and one byte at a time.
        for split in 0...bytes.count {
            #expect(try Self.decode([Array(bytes[..<split]), Array(bytes[split...])], valuesPerRow: 8) == Self.values)
        }
        #expect(try Self.decode(bytes.map { [$0] }, valuesPerRow: 8) == Self.values)
    }

    @Test("the encoding is the one docs/archive-format.md defines")
    func wireFormat() throws {
        let bytes = try Self.encode([[.null, .integer(1), .real(1.0), .text("é"), .blob([9])]], bufferSize: 1024).flatMap { $0 }
        #expect(
            bytes == [
                0x00,
                0x01, 1, 0, 0, 0, 0, 0, 0, 0,
                0x02, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F,
                0x03, 2, 0, 0, 0, 0xC3, 0xA9,
                0x04, 1, 0, 0, 0, 9,
            ])
    }

    @Test("damaged sqlite-typed-v1 data is rejected as corrupt: unknown tag, oversized length, a row cut short")
    func corruption() throws {
        var error = #expect(throws: PoolKitError.self) { _ = try Self.decode([[0x00, 0x09]], valuesPerRow: 2) }
        #expect(error?.code == .archiveCorrupt)
        error = #expect(throws: PoolKitError.self) { _ = try Self.decode([[0x03, 0xFF, 0xFF, 0xFF, 0x7F]], valuesPerRow: 1, maxValueLength: 1000) }
        #expect(error?.code == .archiveCorrupt)
        #expect(error?.message.contains("limit") == true)
        error = #expect(throws: PoolKitError.self) { _ = try Self.decode([[0x00], [0x01, 1, 2]], valuesPerRow: 2) }
        #expect(error?.code == .archiveCorrupt)
        #expect(error?.message.contains("ends inside a row") == true)
    }

    @Test("blob chunks are contiguous, non-empty, page-aligned and cover the blob; invalid layouts are refused")
    func blobLayout() throws {
        let sizes: [UInt64] = [0, 512, 4096, 8192 * 3, 1 << 20, (1 << 30) + 4096 * 7, 8192 * 1_000_003]
        for size in sizes {
            for target: Int64 in [4096, 65_536, 64 << 20] {
                let layout = SQLiteBlobLayout(size: size, targetChunkBytes: target)
                var next: UInt64 = 0
                for index in 0..<layout.chunks {
                    let range = layout.range(of: index)
                    #expect(range.lowerBound == next)
                    #expect(!range.isEmpty || size == 0)
                    #expect(range.lowerBound % SQLiteBlobLayout.unit(of: size) == 0)
                    next = range.upperBound
                }
                #expect(next == size)
                #expect(SQLiteBlobLayout(size: size, chunks: layout.chunks) == layout)
            }
        }
        #expect(SQLiteBlobLayout(size: 8192, chunks: 0) == nil)
        #expect(SQLiteBlobLayout(size: 8192, chunks: 3) == nil, "8192 bytes have only 1 unit of 8192")
        #expect(SQLiteBlobLayout(size: 0, chunks: 2) == nil)
    }

    @Test("rowid ranges are contiguous, open at both ends, and work at the extremes of 64-bit rowids")
    func rowidRanges() {
        let cases: [(Int64, Int64, Int)] = [(1, 10, 3), (-5, 5, 11), (.min, .max, 7), (.max - 3, .max, 4), (42, 42, 1)]
        for (low, high, count) in cases {
            let ranges = SQLiteRangePlanner.rowidRanges(min: low, max: high, count: count)
            #expect(ranges.count == count)
            #expect(ranges.first?.lower == nil && ranges.last?.upper == nil)
            for index in 1..<max(ranges.count, 1) {
                #expect(ranges[index].lower == ranges[index - 1].upper.map { $0 + 1 })
                #expect((ranges[index].lower ?? .min) <= (ranges[index].upper ?? .max))
            }
        }
        #expect(SQLiteRangePlanner.chunkCount(bytes: 10 << 20, target: 1 << 20, limit: .max) == 10)
        #expect(SQLiteRangePlanner.chunkCount(bytes: 10 << 20, target: 1 << 20, limit: 4) == 4)
        #expect(SQLiteRangePlanner.chunkCount(bytes: 100, target: 1 << 20, limit: .max) == 1)
    }

    @Test("CREATE VIRTUAL TABLE statements give their module and content= option")
    func virtualTableDefinitions() throws {
        let fts = try #require(SQLiteVirtualTableDefinition(sql: "CREATE VIRTUAL TABLE docs USING fts5(title, body)"))
        #expect(fts.module == "fts5" && fts.arguments == ["title", "body"] && fts.contentOption == nil)
        let external = try #require(
            SQLiteVirtualTableDefinition(
                sql: #"create virtual table if not exists main."a using b" using FTS5 (body, content = "notes", content_rowid='id')"#))
        #expect(external.module == "FTS5" && external.contentOption == "notes")
        let contentless = try #require(SQLiteVirtualTableDefinition(sql: "CREATE VIRTUAL TABLE t USING fts5(x, content='', tokenize = 'porter, ascii')"))
        #expect(contentless.contentOption == "" && contentless.arguments.count == 3)
        let rtree = try #require(SQLiteVirtualTableDefinition(sql: "CREATE VIRTUAL TABLE r USING rtree(id, minX, maxX) -- comment"))
        #expect(rtree.module == "rtree")
        #expect(SQLiteVirtualTableDefinition(sql: "CREATE TABLE t(x)") == nil)
    }
}
