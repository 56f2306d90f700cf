import CPoolKitZstd

/// How the payloads of archive frames are compressed.
///
/// Each frame is compressed on its own, by the producer that made it, so producers compress in
/// parallel. A frame that compression would not shrink is stored raw.
///
/// ```swift
/// let fast = ArchiveCompression.default            // zstd level 1
/// let smaller = try ArchiveCompression(parsing: "zstd:9")
/// ```
public enum ArchiveCompression: Sendable, Hashable, CustomStringConvertible {
    /// Payloads are stored as they are.
    case none
    /// Payloads are compressed with zstd at `level` (negative levels are faster, up to 22 is smaller).
    case zstd(level: Int)

    /// zstd at level 1: fast enough to keep up with several dump connections per core.
    public static let `default` = ArchiveCompression.zstd(level: 1)

    /// Parses `none`, `zstd` (level 1) or `zstd:LEVEL`.
    /// Throws `.invalidOption` naming the accepted forms otherwise.
    public init(parsing text: String) throws {
        let lowered = text.lowercased()
        if lowered == "none" {
            self = .none
            return
        }
        if lowered == "zstd" {
            self = .default
            return
        }
        if lowered.hasPrefix("zstd:"), let level = Int(lowered.dropFirst(5)) {
            self = .zstd(level: level)
            try validate()
            return
        }
        throw PoolKitError(
            .invalidOption, "compression '\(text)' is not understood: use none, zstd or zstd:LEVEL (e.g. zstd:3)")
    }

    /// `none`, or `zstd:LEVEL`.
    public var description: String {
        switch self {
        case .none: "none"
        case .zstd(let level): "zstd:\(level)"
        }
    }

    /// Throws `.invalidOption` if the zstd level is outside what the linked libzstd supports.
    public func validate() throws {
        guard case .zstd(let level) = self else { return }
        let lowest = Int(ZSTD_minCLevel())
        let highest = Int(ZSTD_maxCLevel())
        guard (lowest...highest).contains(level) else {
            throw PoolKitError(
                .invalidOption, "zstd level \(level) is out of range: use a level from \(lowest) to \(highest)")
        }
    }
}

/// A reusable zstd compression context (`ZSTD_CCtx`). One per producer; not thread-safe.
final class ZstdCompressor {
    private let context: OpaquePointer
    private let level: Int32

    init(level: Int) {
        guard let context = ZSTD_createCCtx() else { fatalError("ZSTD_createCCtx failed: out of memory") }
        self.context = context
        self.level = Int32(clamping: level)
    }

    deinit { ZSTD_freeCCtx(context) }

    /// The largest output ``compress(_:into:)`` can produce for `count` input bytes.
    static func bound(_ count: Int) -> Int { ZSTD_compressBound(count) }

    /// Compresses `source` into `destination` (which should hold ``bound(_:)`` bytes) as one
    /// zstd frame and returns its length.
    func compress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws -> Int {
        let result = ZSTD_compressCCtx(
            context, destination.baseAddress, destination.count, source.baseAddress, source.count, level)
        if ZSTD_isError(result) != 0 {
            throw PoolKitError(.io, "zstd compression failed: \(String(cString: ZSTD_getErrorName(result)))")
        }
        return result
    }
}

/// A reusable zstd decompression context (`ZSTD_DCtx`). One per reader; not thread-safe.
final class ZstdDecompressor {
    private let context: OpaquePointer

    init() {
        guard let context = ZSTD_createDCtx() else { fatalError("ZSTD_createDCtx failed: out of memory") }
        self.context = context
    }

    deinit { ZSTD_freeDCtx(context) }

    /// Decompresses `source` into `destination`, which must come out exactly full.
    /// Returns nil with zstd's reason if the data is not valid zstd or does not decompress to
    /// exactly `destination.count` bytes.
    func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) -> String? {
        let result = ZSTD_decompressDCtx(
            context, destination.baseAddress, destination.count, source.baseAddress, source.count)
        if ZSTD_isError(result) != 0 {
            return String(cString: ZSTD_getErrorName(result))
        }
        if result != destination.count {
            return "decompressed to \(result) bytes instead of the \(destination.count) the frame header declares"
        }
        return nil
    }

    /// `source` decompressed into a new array of exactly `length` bytes, or zstd's reason why not.
    func decompress(_ source: UnsafeRawBufferPointer, length: Int) -> Result<[UInt8], ZstdFailure> {
        var failure: String?
        let bytes = [UInt8](unsafeUninitializedCapacity: length) { target, count in
            failure = decompress(source, into: UnsafeMutableRawBufferPointer(target))
            count = failure == nil ? length : 0
        }
        return failure.map { .failure(ZstdFailure(reason: $0)) } ?? .success(bytes)
    }
}

/// Why a payload did not decompress, in zstd's words.
struct ZstdFailure: Error {
    var reason: String
}
