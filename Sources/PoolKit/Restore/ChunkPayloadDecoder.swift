/// What a loader reads a chunk from: the chunk's stored payloads, decompressed, with the chunk's
/// SHA-256 computed on the way and compared with its chunk end before the final `next()` reports
/// the chunk complete. A loader commits a chunk only after that nil, so only data proven
/// unaltered is ever committed; a mismatch throws instead, and the loader rolls the chunk back.
final class ChunkPayloadDecoder: ChunkSource, @unchecked Sendable {
    // @unchecked Sendable: one loader reads a chunk, one call at a time; `hasher`, `decompressor`
    // and `finished` are touched only by those calls.
    private let stored: any StoredPayloadSource
    private let end: ChunkEndState
    private let name: String
    private let hasher = SHA256Hasher()
    private var decompressor: ZstdDecompressor?
    private var finished = false

    /// `name` describes the chunk in messages ("chunk 3 of public.orders").
    init(stored: any StoredPayloadSource, end: ChunkEndState, name: String) {
        self.stored = stored
        self.end = end
        self.name = name
    }

    func next() async throws -> [UInt8]? {
        guard !finished else { return nil }
        guard let payload = try await stored.next() else {
            finished = true
            try checkDigest()
            return nil
        }
        guard let length = payload.decompressedLength else {
            hasher.update(payload.bytes)
            return payload.bytes
        }
        let decompressor = self.decompressor ?? ZstdDecompressor()
        self.decompressor = decompressor
        switch payload.bytes.withUnsafeBytes({ decompressor.decompress($0, length: length) }) {
        case .success(let bytes):
            hasher.update(bytes)
            return bytes
        case .failure(let failure):
            throw PoolKitError(
                .archiveCorrupt,
                "the archive is corrupt at byte \(payload.frameOffset): a frame of \(name) does not decompress: \(failure.reason)")
        }
    }

    private func checkDigest() throws {
        guard let expected = end.digest else {
            throw PoolKitError(.archiveCorrupt, "\(name) ended before its chunk end was read")
        }
        let digest = hasher.finalize()
        guard digest == expected else {
            throw PoolKitError(.archiveCorrupt, "the archive is corrupt: " + ArchiveReader.alteredChunk(name, digest: digest, expected: expected))
        }
    }
}
