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
/// started, spilled to a temporary file otherwise.
final class PendingChunk: Sendable {
    let objectID: UInt32
    let chunkID: UInt32
    private let channel: ChunkChannel?
    private let spill: SpilledChunk?
    private let rows = Mutex<UInt64?>(nil)

    private init(key: ChunkKey, channel: ChunkChannel?, spill: SpilledChunk?) {
        self.objectID = key.objectID
        self.chunkID = key.chunkID
        self.channel = channel
        self.spill = spill
    }

    static func make(key: ChunkKey, loaderFree: Bool, spillThread: ConnectionThread) throws -> PendingChunk {
        loaderFree
            ? PendingChunk(key: key, channel: ChunkChannel(capacity: 4), spill: nil)
            : PendingChunk(key: key, channel: nil, spill: try SpilledChunk(thread: spillThread))
    }

    var isStreaming: Bool { channel != nil }
    var source: any ChunkSource { channel ?? spill! }

    func append(_ payload: [UInt8]) async throws {
        if let channel { try await channel.send(payload) } else { try await spill!.append(payload) }
    }

    /// The chunk's end frame was verified with `rows` rows.
    func end(rows: UInt64) {
        self.rows.withLock { $0 = rows }
        channel?.finish()
    }

    func expectedRows() -> UInt64 { rows.withLock { $0 ?? 0 } }

    func abandon(_ error: any Error) { channel?.fail(error) }
}
