/// What the user asked a restore to do.
public struct RestoreOptions: Sendable, Hashable {
    /// Worker connections loading at once.
    public var jobs: Int = 2
    /// Drop the archive's objects that exist in the target first.
    public var clean = false
    /// Load everything in one transaction on one connection.
    public var singleTransaction = false
    /// Only these tables; empty = all.
    public var includeTables: [String] = []
    public var schemaOnly = false
    public var dataOnly = false

    public init() {}
}

/// A driver's way of loading an archive written by one of its backup strategies.
public protocol RestoreStrategy: Sendable {
    /// The backup strategy name whose archives it reads.
    var name: String { get }
    /// Prepares the target: checks for conflicts (throwing `.restoreConflict` naming the tables
    /// that exist, unless `options.clean`), drops what `clean` asks for.
    func begin(manifest: ArchiveManifest, on coordinator: any DatabaseConnection, options: RestoreOptions) async throws
        -> any RestoreSession
}

/// One restore in progress.
public protocol RestoreSession: Sendable {
    /// Creates one object of the pre-data or post-data section.
    func apply(_ object: ArchiveObject, on connection: any DatabaseConnection) async throws
    /// How many chunks may load at once (e.g. 1 for an engine with a single writer); nil = as
    /// many as the restore has jobs.
    var maxParallelLoads: Int? { get }
    /// How many post-data objects (indexes, constraints, triggers) may be created at once, each
    /// on its own connection, once the objects they depend on exist; nil = as many as the
    /// restore has jobs. Defaults to ``maxParallelLoads``.
    var maxParallelObjects: Int? { get }
    /// Loads one chunk of a table (or a blob) from `source` on `worker`, returning the rows
    /// loaded. `source.next()` returns the chunk's payloads in order and nil once the chunk's end
    /// frame has been verified; commit the chunk's work only then, so a damaged chunk is never
    /// committed. Hop to the worker's thread once per payload, never per row.
    func load(objectID: UInt32, chunkID: UInt32, from source: any ChunkSource, on worker: any DatabaseConnection) async throws
        -> UInt64
    /// After every object and chunk: sequences, auto-increment values, final checks.
    func finish(on coordinator: any DatabaseConnection) async throws
}

extension RestoreSession {
    public var maxParallelObjects: Int? { maxParallelLoads }
}

/// Where a restore strategy reads a chunk's bytes from.
public protocol ChunkSource: AnyObject {
    /// The chunk's next payload (a frame's worth of bytes, in the table's encoding), or nil after
    /// the chunk's end was read and verified.
    func next() async throws -> [UInt8]?
}
