/// Runs a dump as one job on a worker's thread and writes what it produces to the archive.
enum SQLiteStreamedDump {
    /// Runs `produce` as one job on `connection`'s thread. The job passes each filled buffer to the
    /// channel it gets (blocking its own thread while the previous buffer is still being written);
    /// this task writes each buffer to `sink`. Returns what `produce` returns (the row count).
    ///
    /// Whichever side fails stops the other: a sink error cancels the channel, so the job's next
    /// `send` throws and its statement is finalized; a job error ends the channel with that error.
    /// The job has always ended when this returns.
    static func run(
        on connection: SQLiteConnection, into sink: any ChunkSink,
        produce: @escaping @Sendable (OpaquePointer, SQLiteBufferChannel) throws -> UInt64
    ) async throws -> UInt64 {
        let channel = SQLiteBufferChannel()
        return try await withThrowingTaskGroup(of: UInt64.self) { group in
            group.addTask {
                do {
                    let rows = try await connection.withHandle { db in try produce(db, channel) }
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
