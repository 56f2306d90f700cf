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
    /// Leave out the statements that set objects' owners (objects of kind ``ArchiveObject/Kind/owner``).
    public var noOwner = false
    /// Leave out the statements that grant and revoke privileges (objects of kind ``ArchiveObject/Kind/acl``).
    public var noPrivileges = false
    /// Write a database the archive holds even when it fails the strategy's consistency check
    /// (SQLite `pages`: `quick_check`, i.e. the source was damaged when it was backed up), byte for
    /// byte as it was backed up; the restore reports a warning (``RestoreSummary/warnings``).
    public var allowDamaged = false
    /// For an archive of another engine than the target's: bad values, casts, identifier folding.
    public var crossEngine = CrossEngineOptions()

    public init() {}

    /// Checks the options that do not depend on the archive: `.usage` naming the problem.
    public func validate() throws {
        guard jobs >= 1 else { throw PoolKitError(.usage, "--jobs must be at least 1 (got \(jobs))") }
        guard !(schemaOnly && dataOnly) else {
            throw PoolKitError(.usage, "--schema-only and --data-only exclude each other: choose one")
        }
    }

    /// Whether the table is among those `--table` asks for.
    public func selects(schema: String?, name: String) -> Bool {
        TableSelector(include: includeTables).selects(schema: schema, name: name)
    }
}

/// A driver's way of loading an archive written by one of its backup strategies.
///
/// The engine's order of calls: ``begin(manifest:on:options:)`` on the coordinator; pre-data
/// objects with ``RestoreSession/apply(_:on:)`` on the coordinator, in the manifest's order;
/// ``RestoreSession/prepareWorker(_:)`` once on each worker connection, which the engine keeps for
/// the whole restore; chunks with ``RestoreSession/load(objectID:chunkID:from:on:)`` and post-data
/// objects with ``RestoreSession/apply(_:on:)`` on those workers, several at once — a post-data
/// object after the data phase, or earlier, once its tables are loaded, when
/// ``RestoreSession/mayCreateDuringDataLoad(_:)`` allows it;
/// ``RestoreSession/finishWorker(_:)`` on each worker; ``RestoreSession/finish(on:)``. On failure,
/// ``RestoreSession/abort(on:)`` instead of the last two. A `--single-transaction` restore runs
/// every step on the coordinator, which is then also prepared as the only worker.
public protocol RestoreStrategy<Connection>: Sendable {
    /// The driver's connection type.
    associatedtype Connection: DatabaseConnection
    /// The restore in progress this strategy begins.
    associatedtype Session: RestoreSession where Session.Connection == Connection
    /// The backup strategy name whose archives it reads.
    var name: String { get }
    /// Prepares the target: checks the archive can go there, checks for conflicts (throwing
    /// `.restoreConflict` naming the tables that exist, unless `options.clean`), drops what `clean`
    /// asks for.
    func begin(manifest: ArchiveManifest, on coordinator: Connection, options: RestoreOptions) async throws -> Session
}

/// One restore in progress.
public protocol RestoreSession<Connection>: Sendable {
    associatedtype Connection: DatabaseConnection
    /// Creates one object of the pre-data, data or post-data section.
    func apply(_ object: ArchiveObject, on connection: Connection) async throws
    /// How many chunks may load at once (e.g. 1 for an engine with a single writer); nil = as
    /// many as the restore has jobs.
    var maxParallelLoads: Int? { get }
    /// How many post-data objects (indexes, constraints, triggers) may be created at once, each
    /// on its own connection, once the objects they depend on exist; nil = as many as the
    /// restore has jobs. Defaults to ``maxParallelLoads``.
    var maxParallelObjects: Int? { get }
    /// Whether `object`, a post-data object, may be created while other tables still load: as
    /// soon as every table among its ``ArchiveObject/dependencies`` has all its planned chunks
    /// loaded and every post-data object among them exists (pg_restore starts a table's indexes
    /// the same way). Say yes only for an object whose statements read or lock no table outside
    /// its dependencies — an index, a primary key — never for a foreign key whose dependencies
    /// leave out the table it references, a trigger, a view, a grant or a comment. Objects
    /// answered no wait for the end of the data phase. Not asked in a `--single-transaction`
    /// restore. Default: true for indexes (``ArchiveObject/Kind/index``), false for everything else.
    func mayCreateDuringDataLoad(_ object: ArchiveObject) -> Bool
    /// Whether `table`'s chunks may load while the pre-data section is still being created on the
    /// coordinator, once the pre-data objects that depend on the table or its parents exist (see
    /// ``PreDataGate``). Say yes only when the coordinator's statements and the workers' loads are
    /// separate transactions that can run at once (not for an engine with a single writer), and
    /// when reading the table's values needs nothing but its own definition (not a value naming
    /// another object, such as PostgreSQL's `regclass`). Not asked in a `--single-transaction`
    /// restore. Default: false (the data waits for the whole section).
    func mayLoadDuringPreData(_ table: ArchiveTable) -> Bool
    /// Sets up a worker once, before it loads its first chunk or creates its first post-data
    /// object: session settings for bulk loading (`synchronous_commit`, `foreign_key_checks`, …).
    /// The engine keeps the connection for the whole restore, so the settings last. Default: nothing.
    func prepareWorker(_ worker: Connection) async throws
    /// Undoes ``prepareWorker(_:)`` after the worker's last use in a successful restore, before the
    /// connection goes back to the pool. Default: nothing.
    func finishWorker(_ worker: Connection) async throws
    /// Loads one chunk of a table (or a blob) from `source` on `worker`, returning the rows
    /// loaded. `source.next()` returns the chunk's payloads in order and nil once the chunk's end
    /// frame has been verified; commit the chunk's work only then, so a damaged chunk is never
    /// committed. Hop to the worker's thread once per payload, never per row (see ``StreamedLoad``).
    func load(objectID: UInt32, chunkID: UInt32, from source: any ChunkSource, on worker: Connection) async throws -> UInt64
    /// After every object and chunk: sequences, auto-increment values, final checks, the commit of
    /// a single-transaction restore.
    func finish(on coordinator: Connection) async throws
    /// The restore failed (any step, including cancellation): roll back what can be rolled back
    /// and release what the session holds. Must not throw; called at most once. Default: nothing.
    func abort(on coordinator: Connection) async
    /// True when a failure at any step leaves the target as it was before ``RestoreStrategy/begin(manifest:on:options:)``
    /// (everything goes in at once, or in one transaction that ``abort(on:)`` rolls back), so the
    /// failure message can say so instead of asking for `--clean`. Default: false.
    var failureLeavesTargetUnchanged: Bool { get }
    /// What the user must know about a restore that succeeded (e.g. a damaged database written
    /// because ``RestoreOptions/allowDamaged`` asked for it); read after ``finish(on:)``. Default: none.
    var warnings: [String] { get }
    /// How many times a statement that ended in a deadlock was run again (a last guard: a restore's
    /// schedule never runs conflicting statements at once, so this stays 0 unless another session
    /// holds locks on the target). Read after ``finish(on:)``. Default: 0.
    var deadlockRetries: Int { get }
}

extension RestoreSession {
    public var maxParallelObjects: Int? { maxParallelLoads }
    public func mayLoadDuringPreData(_ table: ArchiveTable) -> Bool { false }
    public func mayCreateDuringDataLoad(_ object: ArchiveObject) -> Bool { object.kind == .index }
    public func prepareWorker(_ worker: Connection) async throws {}
    public func finishWorker(_ worker: Connection) async throws {}
    public func abort(on coordinator: Connection) async {}
    public var failureLeavesTargetUnchanged: Bool { false }
    public var warnings: [String] { [] }
    public var deadlockRetries: Int { 0 }
}

/// Where a restore strategy reads a chunk's bytes from.
public protocol ChunkSource: AnyObject {
    /// The chunk's next payload (a frame's worth of bytes, in the table's encoding), or nil after
    /// the chunk's end was read and verified.
    func next() async throws -> [UInt8]?
}
