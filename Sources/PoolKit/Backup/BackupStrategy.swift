/// What the user asked a backup to contain.
public struct BackupOptions: Sendable, Hashable {
    /// Worker connections dumping at once.
    public var jobs: Int = 2
    /// Only these tables (`name` or `schema.name`); empty = all.
    public var includeTables: [String] = []
    /// Never these tables.
    public var excludeTables: [String] = []
    /// Objects' definitions only, no rows.
    public var schemaOnly = false
    /// Rows only, no definitions.
    public var dataOnly = false
    /// A table larger than this (estimated) is split into chunks of about this size.
    public var targetChunkBytes: Int64 = 16 << 20
    /// Run the engine's thorough consistency check on the source before dumping (SQLite:
    /// `PRAGMA integrity_check` instead of the default `quick_check`); the result is recorded in
    /// the manifest's options. Engines without such a check ignore it.
    public var integrityCheck = false
    /// Fail instead of leaving anything out: a plan whose catalog lists omitted objects
    /// (``BackupCatalog/omitted``) makes the backup throw `.notCarried` before any archive byte
    /// is written. Without it each omission is logged as a warning and listed in the manifest.
    public var strict = false

    public init() {}

    /// Checks the options that do not depend on the database: `.usage` naming the problem.
    public func validate() throws {
        guard jobs >= 1 else { throw PoolKitError(.usage, "--jobs must be at least 1 (got \(jobs))") }
        guard !(schemaOnly && dataOnly) else {
            throw PoolKitError(.usage, "--schema-only and --data-only exclude each other: choose one")
        }
        guard targetChunkBytes >= 1 << 10 else {
            throw PoolKitError(.usage, "the target chunk size must be at least 1 KiB")
        }
    }

    /// Whether `table` (with its schema, if the engine has schemas) is selected.
    public func selects(schema: String?, name: String) -> Bool {
        TableSelector(include: includeTables, exclude: excludeTables).selects(schema: schema, name: name)
    }

    /// The `--table` names that match none of `tables`. A strategy throws `.usage` naming them, so
    /// that a typo is not taken for an empty selection:
    ///
    /// ```swift
    /// let missing = options.unmatchedTables(among: tables.map { (schema: $0.schema, name: $0.name) })
    /// if !missing.isEmpty { throw BackupOptions.noSuchTables(missing) }
    /// ```
    public func unmatchedTables(among tables: [(schema: String?, name: String)]) -> [String] {
        TableSelector(include: includeTables, exclude: []).unmatched(among: tables)
    }

    /// The error for `--table` names that match nothing.
    public static func noSuchTables(_ names: [String]) -> PoolKitError {
        PoolKitError(
            .usage,
            "no table named \(names.map { "'\($0)'" }.joined(separator: ", ")) in the database: check --table (write schema.table, and quote names with dots or capitals as the engine does)")
    }
}

/// A driver's way of taking a consistent backup. The engine (pooling, framing, compression,
/// progress, verification) is the same for every engine; a strategy supplies only what differs.
///
/// A strategy declares the connection type it works on; the engine checks once that the pool's
/// connections are of that type, so strategy code never casts.
///
/// The engine's order of calls: every worker connection is opened; ``begin(on:options:)`` on the
/// coordinator; ``BackupSession/join(_:)`` for each worker; ``BackupSession/workersJoined()``;
/// ``BackupSession/plan()``; ``BackupSession/dump(_:on:into:)`` for each chunk, on several
/// workers at once; ``BackupSession/end()``.
public protocol BackupStrategy<Connection>: Sendable {
    /// The driver's connection type.
    associatedtype Connection: DatabaseConnection
    /// The backup in progress this strategy begins.
    associatedtype Session: BackupSession where Session.Connection == Connection
    /// The name users pick it by (`--strategy NAME`).
    var name: String { get }
    /// One line for `poolkit drivers`.
    var summary: String { get }
    /// Begins a consistent snapshot on `coordinator` (which stays leased until the session ends).
    /// The worker connections are already open, so no connect happens while the snapshot's lock
    /// (if any) is held. Throws `.unsupported` for options the strategy cannot honour.
    func begin(on coordinator: Connection, options: BackupOptions) async throws -> Session
}

/// One backup in progress: a snapshot, the catalog seen in it, and how to dump its chunks.
public protocol BackupSession<Connection>: Sendable {
    associatedtype Connection: DatabaseConnection
    /// Makes `worker` read the same snapshot as the coordinator. The engine joins every worker
    /// connection before any dump starts.
    func join(_ worker: Connection) async throws
    /// Called once every worker has joined: release what was held only to let them join (a global
    /// read lock, a reserved write lock).
    func workersJoined() async throws
    /// Called once after ``workersJoined()``: the catalog and the chunk plan, read inside the
    /// snapshot. Catalog ids are unique across tables and blobs.
    func plan() async throws -> BackupPlan
    /// Streams one chunk's bytes, in its table's encoding, into `sink`, and returns its row count
    /// (0 for blobs). Fill large buffers on the worker's own thread (one hop per buffer, never per
    /// row; see ``StreamedDump``) and hand each to `sink.write`, which suspends while the archive
    /// writer catches up.
    func dump(_ chunk: BackupChunk, on worker: Connection, into sink: any ChunkSink) async throws -> UInt64
    /// Ends the snapshot and releases what it holds; called on success and on failure.
    func end() async
}

/// What a backup contains: the catalog and the chunks to dump.
public struct BackupPlan: Sendable, Hashable {
    /// What the archive's manifest records: engine facts, objects (with DDL and sections), tables
    /// (with columns and encodings) and blobs.
    public var catalog: BackupCatalog
    /// The chunks to dump; several chunks of one large table let several workers share it.
    public var chunks: [BackupChunk]

    public init(catalog: BackupCatalog, chunks: [BackupChunk]) {
        self.catalog = catalog
        self.chunks = chunks
    }
}

/// The engine facts and objects a strategy found in the snapshot.
public struct BackupCatalog: Sendable, Hashable {
    public var engine: String
    public var serverVersion: String
    /// Strategy-specific facts worth recording (e.g. `page_size`, `user_version`, `encoding`).
    public var properties: [String: String]
    public var objects: [ArchiveObject]
    public var tables: [ArchiveTable]
    public var blobs: [ArchiveBlob]
    /// What the source has and the archive will not carry, each with its reason. The engine logs
    /// each one, records them in the manifest, and refuses them under ``BackupOptions/strict``.
    /// A strategy that leaves an object out must leave out what depends on it too (see
    /// ``BackupPlan/omit(_:)``), so that the restore of the archive cannot fail for its absence.
    public var omitted: [ArchiveOmission]

    public init(
        engine: String, serverVersion: String, properties: [String: String] = [:], objects: [ArchiveObject] = [],
        tables: [ArchiveTable] = [], blobs: [ArchiveBlob] = [], omitted: [ArchiveOmission] = []
    ) {
        self.engine = engine
        self.serverVersion = serverVersion
        self.properties = properties
        self.objects = objects
        self.tables = tables
        self.blobs = blobs
        self.omitted = omitted
    }
}

/// One unit of dumping: a whole table, a range of it, or a part of a blob.
public struct BackupChunk: Sendable, Hashable {
    /// The table's or blob's id.
    public var objectID: UInt32
    /// 0, 1, 2, … within the object.
    public var chunkID: UInt32
    /// The range the strategy dumps as numbers (rowids, block numbers, byte offsets): lower
    /// inclusive, upper exclusive; nil = open.
    public var lowerBound: Int64?
    public var upperBound: Int64?
    /// The range as key values, for keys that are not one integer (composite, text, uuid primary
    /// keys): the key columns' values as the engine prints them, lower inclusive, upper exclusive;
    /// nil = open.
    public var lowerKey: [String]?
    public var upperKey: [String]?
    /// For scheduling and progress: the strategy's estimate of the chunk's size.
    public var estimatedBytes: Int64

    public init(
        objectID: UInt32, chunkID: UInt32, lowerBound: Int64? = nil, upperBound: Int64? = nil, lowerKey: [String]? = nil,
        upperKey: [String]? = nil, estimatedBytes: Int64 = 0
    ) {
        self.objectID = objectID
        self.chunkID = chunkID
        self.lowerBound = lowerBound
        self.upperBound = upperBound
        self.lowerKey = lowerKey
        self.upperKey = upperKey
        self.estimatedBytes = estimatedBytes
    }
}

/// Where a strategy writes a chunk's bytes. The engine frames, compresses and checksums them.
public protocol ChunkSink: AnyObject {
    /// Appends bytes to the chunk; suspends while the archive writer catches up (back-pressure).
    /// Throws if the backup was cancelled or failed elsewhere.
    func write(_ bytes: [UInt8]) async throws
}
