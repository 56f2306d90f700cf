/// Feeds a chunk from the archive to a load that runs as one job on a connection's thread.
///
/// ```swift
/// let rows = try await StreamedLoad.run(from: source) { reader in
///     try await connection.withHandle { handle in try handle.copyIn(sql, from: reader) }
/// }
/// ```
public enum StreamedLoad {
    /// Runs `job`, which hops to the connection's thread once and pulls the chunk's payloads with
    /// ``BlockingChunkReader/next()``, while this task reads them from `source`. `next()` returns
    /// nil only after the chunk's end frame was verified, so a job that commits only then never
    /// commits a damaged chunk; a damaged chunk or a cancelled restore makes `next()` throw.
    ///
    /// Returns what `job` returns; throws the job's error when it fails (the reader is closed,
    /// so this task stops reading). The job has always ended when this returns.
    public static func run<T: Sendable>(
        from source: any ChunkSource, capacity: Int = 2,
        job: @escaping @Sendable (BlockingChunkReader) async throws -> T
    ) async throws -> T {
        let reader = BlockingChunkReader(capacity: capacity)
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask {
                defer { reader.close() }
                return try await job(reader)
            }
            do {
                while let payload = try await source.next() {
                    guard await reader.deliver(payload) else { break }
                }
                reader.finish()
            } catch {
                reader.fail(error)
            }
            guard let result = try await group.next() else {
                throw PoolKitError(.cancelled, "the load job ended without a result")
            }
            return result
        }
    }
}
