import Foundation
import Synchronization

/// An ``ArchiveReader`` that runs on a thread of its own and hands out its records as an
/// `AsyncSequence`, so a restore can read the archive from async code without blocking the
/// cooperative pool. Each record costs one hop to that thread; records are frames of up to a
/// few MiB, so the hop is noise. Reading is pulled: nothing is read ahead of the consumer.
///
/// ```swift
/// let archive = try await AsyncArchiveReader.open(FileArchiveSource.standardInput())
/// for try await record in archive { … }
/// // The loop ended without throwing: the trailer was verified.
/// ```
public final class AsyncArchiveReader: AsyncSequence, Sendable {
    /// Verified data frames and chunk ends.
    public typealias Element = ArchiveRecord

    /// The archive's id.
    public let archiveID: UUID
    /// The parent archive's id, if any.
    public let parentID: UUID?
    /// The format version it was written in.
    public let formatVersion: ArchiveFormatVersion
    /// The verified manifest.
    public let manifest: ArchiveManifest

    private let thread: ConnectionThread
    /// Wakes the reader's thread when the source waits for input and the task is cancelled.
    private let interruption: ReadInterruption?
    /// Locked only by jobs on `thread`, one at a time; the lock makes the holder Sendable.
    private let reader: Mutex<ArchiveReader?>

    private init(
        thread: ConnectionThread, interruption: ReadInterruption?, reader: sending ArchiveReader, archiveID: UUID, parentID: UUID?,
        formatVersion: ArchiveFormatVersion, manifest: ArchiveManifest
    ) {
        self.thread = thread
        self.interruption = interruption
        self.reader = Mutex(reader)
        self.archiveID = archiveID
        self.parentID = parentID
        self.formatVersion = formatVersion
        self.manifest = manifest
    }

    deinit { thread.stop() }

    /// Reads the header and manifest of the archive `source` delivers, on a new thread.
    public static func open(_ source: sending any ArchiveSource, bufferSize: Int = 1 << 20) async throws -> AsyncArchiveReader {
        try await open(source, bufferSize: bufferSize, decompressesData: true)
    }

    /// As ``open(_:bufferSize:)``; with `decompressesData` false, data payloads come out as stored
    /// and chunk digests are left to the consumer (see ``ArchiveReader/init(source:bufferSize:decompressesData:)``).
    static func open(_ source: sending any ArchiveSource, bufferSize: Int = 1 << 20, decompressesData: Bool) async throws
        -> AsyncArchiveReader
    {
        let thread = ConnectionThread(name: "poolkit-archive-reader")
        let interruption = source.readInterruption
        let box = TransferBox(source)
        do {
            let (archiveID, parentID, version, manifest, opened) = try await withTaskCancellationHandler {
                try await thread.run {
                    guard let source = box.take() else { throw PoolKitError(.usage, "the archive source was already used") }
                    let reader = try ArchiveReader(source: source, bufferSize: bufferSize, decompressesData: decompressesData)
                    return (reader.archiveID, reader.parentID, reader.formatVersion, reader.manifest, TransferBox(reader))
                }
            } onCancel: {
                interruption?.interrupt()
            }
            guard let reader = opened.take() else { throw PoolKitError(.usage, "the archive reader was already used") }
            return AsyncArchiveReader(
                thread: thread, interruption: interruption, reader: reader, archiveID: archiveID, parentID: parentID, formatVersion: version,
                manifest: manifest)
        } catch {
            thread.stop()
            throw error
        }
    }

    /// The next verified record, or nil after the trailer was verified.
    public func next() async throws -> ArchiveRecord? {
        try await withTaskCancellationHandler {
            try await thread.run { [self] in
                try self.reader.withLock { reader in
                    guard let reader else { return nil }
                    return try reader.next()
                }
            }
        } onCancel: { [interruption] in
            interruption?.interrupt()
        }
    }

    /// The verified trailer, once the records have ended.
    public func trailer() async throws -> ArchiveTrailer? {
        try await thread.run { [self] in reader.withLock { $0?.trailer } }
    }

    /// Iterates the records; the iteration ends (without throwing) after the trailer was verified.
    public func makeAsyncIterator() -> Iterator { Iterator(reader: self) }

    /// Pulls records one by one from the reader's thread.
    public struct Iterator: AsyncIteratorProtocol {
        let reader: AsyncArchiveReader

        /// The next verified record, or nil after the trailer was verified.
        public mutating func next() async throws -> ArchiveRecord? {
            try await reader.next()
        }
    }
}
