import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A chunk whose frames arrive while every loader is busy: its payloads go, as the archive stores
/// them (compressed), to an unlinked temporary file (one hop to the spill thread per payload), and
/// are read back when a loader is free. Restore memory therefore stays bounded when it has fewer
/// jobs than the backup had, and the spill file is no larger than the chunk's part of the archive.
final class SpilledChunk: StoredPayloadSource, @unchecked Sendable {
    // @unchecked Sendable: `descriptor`, `writeOffset` and `readOffset` are only touched by jobs on
    // `thread`, which runs one job at a time; the writer appends before the reader starts (the
    // chunk is handed to a loader only after its end frame), so the two never overlap.
    private let thread: ConnectionThread
    private let descriptor: Int32
    private var writeOffset: Int64 = 0
    private var readOffset: Int64 = 0
    private(set) var payloads = 0

    init(thread: ConnectionThread) throws {
        var template = Array((NSTemporaryDirectory() + "/poolkit-spill-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw PoolKitError(
                .io, "cannot create a spill file in \(NSTemporaryDirectory()): \(String(cString: strerror(errno))); set TMPDIR to a writable directory or restore with more --jobs")
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }  // gone from the directory; freed on close
        self.descriptor = descriptor
        self.thread = thread
    }

    deinit { close(descriptor) }

    /// Appends one payload, after a record header: stored length, decompressed length (0 when not
    /// compressed; a compressed payload is never empty) and the frame's offset in the archive.
    func append(_ payload: StoredPayload) async throws {
        payloads += 1
        try await thread.run { [self] in
            var header = SpillRecordHeader(payload)
            try withUnsafeBytes(of: &header) { try writeAll($0) }
            try payload.bytes.withUnsafeBytes { try writeAll($0) }
        }
    }

    func next() async throws -> StoredPayload? {
        try await thread.run { [self] in
            guard readOffset < writeOffset else { return nil }
            var header = SpillRecordHeader()
            try withUnsafeMutableBytes(of: &header) { try readAll($0) }
            let count = Int(UInt32(littleEndian: header.storedLength))
            let bytes = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                try readAll(UnsafeMutableRawBufferPointer(buffer))
                initialized = count
            }
            let decompressed = Int(UInt32(littleEndian: header.decompressedLength))
            return StoredPayload(
                bytes: bytes, decompressedLength: decompressed == 0 ? nil : decompressed,
                frameOffset: UInt64(littleEndian: header.frameOffset))
        }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let written = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(writeOffset))
            if written < 0 {
                if errno == EINTR { continue }
                let reason = errno == ENOSPC ? "the disk is full" : String(cString: strerror(errno))
                throw PoolKitError(.io, "writing a spill file in \(NSTemporaryDirectory()) failed: \(reason); free space, set TMPDIR elsewhere, or restore with more --jobs")
            }
            done += written
            writeOffset += Int64(written)
        }
    }

    private func readAll(_ bytes: UnsafeMutableRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let count = pread(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(readOffset))
            if count < 0 {
                if errno == EINTR { continue }
                throw PoolKitError(.io, "reading a spill file failed: \(String(cString: strerror(errno)))")
            }
            if count == 0 { throw PoolKitError(.io, "a spill file ended early") }
            done += count
            readOffset += Int64(count)
        }
    }
}

/// The fixed header before each payload in a spill file (little-endian; the file never leaves
/// this process).
private struct SpillRecordHeader {
    var storedLength: UInt32 = 0
    var decompressedLength: UInt32 = 0
    var frameOffset: UInt64 = 0

    init() {}

    init(_ payload: StoredPayload) {
        storedLength = UInt32(payload.bytes.count).littleEndian
        decompressedLength = UInt32(payload.decompressedLength ?? 0).littleEndian
        frameOffset = payload.frameOffset.littleEndian
    }
}
