import Foundation

/// Checks a whole archive without a database: every checksum, sequence number, chunk digest,
/// row count and the trailer, reading the stream once in constant memory.
///
/// ```swift
/// let report = try await ArchiveVerifier().verify(path: "shop.poolkit")
/// print("\(report.trailer.rows) rows in \(report.tables.count) tables, digest \(report.digest)")
/// ```
///
/// A damaged archive throws a ``PoolKitError`` with code `.archiveCorrupt` (or
/// `.archiveTruncated`, `.archiveUnsupported`) whose message names the frame, its byte offset
/// and what was wrong.
public struct ArchiveVerifier: Sendable {
    /// The read buffer's size in bytes.
    public var bufferSize: Int

    /// A verifier reading through a buffer of `bufferSize` bytes.
    public init(bufferSize: Int = 1 << 20) {
        self.bufferSize = bufferSize
    }

    /// Verifies the archive file at `path` on a thread of its own.
    public func verify(path: String) async throws -> ArchiveReport {
        let bufferSize = self.bufferSize
        return try await ArchiveVerifier.onOwnThread {
            try ArchiveVerifier.verify(ArchiveReader(source: FileArchiveSource(path: path), bufferSize: bufferSize))
        }
    }

    /// Verifies the archive `source` delivers (standard input, a pipe, …) on a thread of its own.
    public func verify(_ source: sending any ArchiveSource) async throws -> ArchiveReport {
        let bufferSize = self.bufferSize
        let box = TransferBox(source)
        return try await ArchiveVerifier.onOwnThread {
            guard let source = box.take() else { throw PoolKitError(.usage, "the archive source was already used") }
            return try ArchiveVerifier.verify(ArchiveReader(source: source, bufferSize: bufferSize))
        }
    }

    /// Verifies the archive `source` delivers on the calling thread, which it blocks.
    public func verifySynchronously(_ source: any ArchiveSource) throws -> ArchiveReport {
        try ArchiveVerifier.verify(ArchiveReader(source: source, bufferSize: bufferSize))
    }

    private static func onOwnThread(_ work: @escaping @Sendable () throws -> ArchiveReport) async throws -> ArchiveReport {
        let thread = ConnectionThread(name: "poolkit-archive-verify")
        defer { thread.stop() }
        return try await thread.run(work)
    }

    private static func verify(_ reader: ArchiveReader) throws -> ArchiveReport {
        let manifest = reader.manifest
        var tables = manifest.tables.map {
            ArchiveReport.Entry(id: $0.id, name: $0.qualifiedName, isBlob: false, encoding: $0.encoding)
        }
        var blobs = manifest.blobs.map { ArchiveReport.Entry(id: $0.id, name: $0.name, isBlob: true, encoding: $0.encoding) }
        var tableIndex = [UInt32: Int]()
        for (index, table) in tables.enumerated() { tableIndex[table.id] = index }
        var blobIndex = [UInt32: Int]()
        for (index, blob) in blobs.enumerated() { blobIndex[blob.id] = index }

        while let record = try reader.next() {
            guard case .chunkEnd(let end) = record else { continue }
            if end.isBlob, let index = blobIndex[end.objectID] {
                blobs[index].add(end)
            } else if let index = tableIndex[end.objectID] {
                tables[index].add(end)
            }
        }
        guard let trailer = reader.trailer else {
            throw PoolKitError(.archiveTruncated, "the archive ended without a trailer")
        }
        return ArchiveReport(
            archiveID: reader.archiveID, parentID: reader.parentID, formatVersion: reader.formatVersion,
            manifest: manifest, tables: tables, blobs: blobs, trailer: trailer, archiveBytes: reader.offset)
    }
}

/// What ``ArchiveVerifier`` found in a sound archive.
public struct ArchiveReport: Sendable {
    /// Totals of one table or blob.
    public struct Entry: Sendable, Hashable {
        /// Its id in the manifest.
        public var id: UInt32
        /// `schema.name` of a table, or the blob's name.
        public var name: String
        /// Whether it is a blob.
        public var isBlob: Bool
        /// The encoding of its data.
        public var encoding: ArchiveEncoding
        /// Chunks found.
        public var chunks = 0
        /// Rows found (0 for a blob).
        public var rows: UInt64 = 0
        /// Uncompressed data bytes found.
        public var bytes: UInt64 = 0

        init(id: UInt32, name: String, isBlob: Bool, encoding: ArchiveEncoding) {
            self.id = id
            self.name = name
            self.isBlob = isBlob
            self.encoding = encoding
        }

        mutating func add(_ end: ArchiveChunkEnd) {
            chunks += 1
            rows += end.rowCount
            bytes += end.byteCount
        }
    }

    /// The archive's id.
    public var archiveID: UUID
    /// The parent archive's id, if any.
    public var parentID: UUID?
    /// The format version it was written in.
    public var formatVersion: ArchiveFormatVersion
    /// Its manifest.
    public var manifest: ArchiveManifest
    /// Every table of the manifest, in manifest order, with what was found.
    public var tables: [Entry]
    /// Every blob of the manifest, in manifest order, with what was found.
    public var blobs: [Entry]
    /// The verified trailer: totals and the archive digest.
    public var trailer: ArchiveTrailer
    /// The archive's length in bytes, trailer included.
    public var archiveBytes: UInt64

    /// The archive digest (SHA-256 of every byte before the trailer), as `poolkit backup` printed it.
    public var digest: SHA256Digest { trailer.digest }
}
