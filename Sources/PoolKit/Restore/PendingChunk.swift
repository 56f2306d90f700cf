import Synchronization

/// Chunks, rows and bytes loaded, added to by every loader.
final class LoadTotals: Sendable {
    private let state = Mutex((chunks: 0, rows: UInt64(0), bytes: UInt64(0)))
    func add(chunks: Int = 0, rows: UInt64 = 0, bytes: UInt64 = 0) {
        state.withLock { $0.chunks += chunks; $0.rows += rows; $0.bytes += bytes }
    }
    var value: (chunks: Int, rows: UInt64, bytes: UInt64) { state.withLock { $0 } }
}

struct ChunkKey: Hashable, Sendable {
    var objectID: UInt32
    var chunkID: UInt32
}

/// One chunk on its way to a loader: streamed through a channel when a loader was free when it
/// started, spilled to a temporary file otherwise. Either way the loader reads it through a
/// ``ChunkPayloadDecoder``, which checks the chunk's SHA-256 against its end.
final class PendingChunk: Sendable {
    let objectID: UInt32
    let chunkID: UInt32
    private let channel: ChunkChannel?
    private let spill: SpilledChunk?
    private let endState = ChunkEndState()
    private let decoder: ChunkPayloadDecoder
    var source: any ChunkSource { decoder }

    private init(key: ChunkKey, name: String, channel: ChunkChannel?, spill: SpilledChunk?) {
        self.objectID = key.objectID
        self.chunkID = key.chunkID
        self.channel = channel
        self.spill = spill
        self.decoder = ChunkPayloadDecoder(stored: channel ?? spill!, end: endState, name: name)
    }

    /// `name` describes the chunk in messages; by default its ids.
    static func make(key: ChunkKey, name: String? = nil, loaderFree: Bool, spillThread: ConnectionThread) throws -> PendingChunk {
        let name = name ?? "chunk \(key.chunkID) of table \(key.objectID)"
        return loaderFree
            ? PendingChunk(key: key, name: name, channel: ChunkChannel(capacity: 4), spill: nil)
            : PendingChunk(key: key, name: name, channel: nil, spill: try SpilledChunk(thread: spillThread))
    }

    var isStreaming: Bool { channel != nil }

    func append(_ payload: StoredPayload) async throws {
        if let channel { try await channel.send(payload) } else { try await spill!.append(payload) }
    }

    /// The chunk's end frame arrived, with `rows` rows and the SHA-256 its data must have.
    func end(rows: UInt64, digest: SHA256Digest) {
        endState.record(rows: rows, digest: digest)
        channel?.finish()
    }

    func expectedRows() -> UInt64 { endState.rows ?? 0 }

    func abandon(_ error: any Error) { channel?.fail(error) }
}

/// A chunk's end as its frame states it, once it has arrived.
final class ChunkEndState: Sendable {
    private let state = Mutex<(rows: UInt64, digest: SHA256Digest)?>(nil)

    func record(rows: UInt64, digest: SHA256Digest) { state.withLock { $0 = (rows, digest) } }
    var rows: UInt64? { state.withLock { $0?.rows } }
    var digest: SHA256Digest? { state.withLock { $0?.digest } }
}
