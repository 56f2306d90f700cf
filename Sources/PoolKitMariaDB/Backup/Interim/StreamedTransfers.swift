// Interim versions of the core byte bridges the lead is landing in PoolKit (engine-api.md:
// StreamedDump, BlockingChunkReader, StreamedLoad); same names and shapes, delete on merge.
import Dispatch
import PoolKit
import Synchronization

/// Runs a dump job on a connection's thread and writes each buffer it produces to a sink.
enum StreamedDump {
    /// `job` hops to the connection's thread once and sends each filled buffer through the
    /// channel; this task writes each buffer to `sink`. A sink error cancels the channel (the
    /// job's next `send` throws); a job error ends the channel. Returns the job's row count.
    static func run(
        into sink: any ChunkSink, job: @escaping @Sendable (BufferChannel) async throws -> UInt64
    ) async throws -> UInt64 {
        let channel = BufferChannel()
        return try await withThrowingTaskGroup(of: UInt64.self) { group in
            group.addTask {
                do {
                    let rows = try await job(channel)
                    channel.finish()
                    return rows
                } catch {
                    channel.fail(error)
                    throw error
                }
            }
            do {
                while let buffer = try await channel.next() {
                    try await sink.write(buffer)
                }
            } catch {
                channel.cancel()
                throw error
            }
            guard let rows = try await group.next() else {
                throw PoolKitError(.cancelled, "the dump job ended without a result")
            }
            return rows
        }
    }
}

/// An async ``ChunkSource`` seen from a connection's thread as a blocking reader: the thread
/// blocks in ``next()`` (its own thread, never the cooperative pool) until the pump has a payload.
final class BlockingChunkReader: Sendable {
    private struct State {
        var slot: [UInt8]?
        var finished = false
        var failure: (any Error)?
        var producer: CheckedContinuation<Void, any Error>?
    }

    private let state = Mutex(State())
    private let ready = DispatchSemaphore(value: 0)

    init() {}

    /// Next payload, or nil after the chunk's end frame was verified. Blocks the calling thread.
    func next() throws -> [UInt8]? {
        while true {
            let outcome = state.withLock { state -> (Result<[UInt8]?, any Error>?, CheckedContinuation<Void, any Error>?) in
                if let slot = state.slot {
                    state.slot = nil
                    defer { state.producer = nil }
                    return (.success(slot), state.producer)
                }
                if let failure = state.failure { return (.failure(failure), nil) }
                if state.finished { return (.success(nil), nil) }
                return (nil, nil)
            }
            outcome.1?.resume()
            if let result = outcome.0 { return try result.get() }
            ready.wait()
        }
    }

    /// Hands `payload` to the reader; suspends until the reader has taken the previous one.
    fileprivate func put(_ payload: [UInt8]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let failure = state.withLock { state -> (any Error)? in
                if let failure = state.failure { return failure }
                state.slot = payload
                state.producer = continuation
                return nil
            }
            if let failure {
                continuation.resume(throwing: failure)
            } else {
                ready.signal()
            }
        }
    }

    fileprivate func finish() {
        state.withLock { $0.finished = true }
        ready.signal()
    }

    /// Ends both sides with `error`: the reader throws it, a waiting producer too.
    fileprivate func fail(_ error: any Error) {
        let producer = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            if state.failure == nil { state.failure = error }
            state.slot = nil
            defer { state.producer = nil }
            return state.producer
        }
        producer?.resume(throwing: error)
        ready.signal()
    }
}

/// Pumps an async ``ChunkSource`` into a ``BlockingChunkReader`` while a job on a connection's
/// thread consumes it.
enum StreamedLoad {
    static func run<T: Sendable>(
        from source: any ChunkSource, job: @escaping @Sendable (BlockingChunkReader) async throws -> T
    ) async throws -> T {
        let reader = BlockingChunkReader()
        // The pump task is the only user of `source` while this runs; the caller hands it over.
        nonisolated(unsafe) let source = source
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    while let payload = try await source.next() {
                        try await reader.put(payload)
                    }
                    reader.finish()
                } catch {
                    reader.fail(error)
                    throw error
                }
            }
            let result: T
            do {
                result = try await job(reader)
            } catch {
                reader.fail(error)
                group.cancelAll()
                try? await group.waitForAll()
                throw error
            }
            try await group.waitForAll()
            return result
        }
    }
}
