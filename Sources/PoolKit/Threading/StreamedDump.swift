/// Runs a dump as one job on a connection's thread and writes what it produces to the archive.
///
/// ```swift
/// let rows = try await StreamedDump.run(into: sink) { channel in
///     try await connection.withHandle { handle in try handle.copyOut(sql, into: channel) }
/// }
/// ```
public enum StreamedDump {
    /// Runs `job`, which hops to the connection's thread once and passes each filled buffer to the
    /// channel it gets (blocking its own thread while the previous buffer is still being written);
    /// this task writes each buffer to `sink`. Returns what `job` returns (the row count).
    ///
    /// Whichever side fails stops the other: a sink error cancels the channel, so the job's next
    /// `send` throws and it can end its statement; a job error ends the channel with that error.
    /// The job has always ended when this returns.
    public static func run(
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
                // A job error arrives through the channel; a sink error stops the job.
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
