import CPoolKitCrypto

/// A SHA-256 digest: 32 bytes, shown as lower-case hex.
///
/// ```swift
/// let digest = SHA256Hasher.hash(bytes)
/// print(digest)          // e3b0c442…
/// ```
public struct SHA256Digest: Hashable, Sendable, CustomStringConvertible {
    /// The 32 bytes of the digest.
    public let bytes: [UInt8]

    /// Wraps 32 digest bytes; nil if `bytes` is not 32 bytes long.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// Parses 64 hex digits (either case); nil if `hex` is not a SHA-256 digest.
    public init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = SHA256Digest.nibble(utf8[index]), let low = SHA256Digest.nibble(utf8[index + 1])
            else { return nil }
            bytes.append(high << 4 | low)
        }
        self.bytes = bytes
    }

    /// The digest as 64 lower-case hex digits.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(64)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Same as ``hex``.
    public var description: String { hex }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// An incremental SHA-256 computation on OpenSSL's EVP interface (which uses the CPU's SHA
/// instructions where there are any).
///
/// Not thread-safe: one hasher belongs to one task or thread at a time.
///
/// ```swift
/// let hasher = SHA256Hasher()
/// hasher.update(part1)
/// hasher.update(part2)
/// let digest = hasher.finalize()
/// ```
public final class SHA256Hasher {
    private let context: OpaquePointer
    private var isFinalized = false

    /// Starts a new digest.
    public init() {
        guard let context = EVP_MD_CTX_new() else {
            fatalError("EVP_MD_CTX_new failed: out of memory")
        }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            fatalError("EVP_DigestInit_ex(SHA-256) failed: OpenSSL cannot provide SHA-256")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds `bytes`. Must not be called after ``finalize()``.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!isFinalized, "SHA256Hasher.update after finalize")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        // Can only fail on a broken context, which init rules out.
        _ = EVP_DigestUpdate(context, base, bytes.count)
    }

    /// Adds `bytes`. Must not be called after ``finalize()``.
    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Returns the digest of everything added. Call it once.
    public func finalize() -> SHA256Digest {
        precondition(!isFinalized, "SHA256Hasher.finalize called twice")
        isFinalized = true
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = output.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, &length) }
        // SAFETY: SHA-256 always yields 32 bytes.
        return SHA256Digest(bytes: output)!
    }

    /// The SHA-256 of `bytes`.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> SHA256Digest {
        let hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The SHA-256 of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> SHA256Digest {
        bytes.withUnsafeBytes { hash($0) }
    }
}
