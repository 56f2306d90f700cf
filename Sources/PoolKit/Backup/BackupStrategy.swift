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

    public init() {}

    /// Whether `table` (with its schema, if the engine has schemas) is selected.
    public func selects(schema: String?, name: String) -> Bool {
        let qualified = schema.map { "\($0).\(name)" } ?? name
        func matches(_ pattern: String) -> Bool { pattern == name || pattern == qualified }
        if excludeTables.contains(where: matches) { return false }
        return includeTables.isEmpty || includeTables.contains(where: matches)
    }
}

/// A driver's way of taking a consistent backup. The engine (pooling, framing, compression,
/// progress, verification) is the same for every engine; a strategy supplies only what differs.
public protocol BackupStrategy: Sendable {
    /// The name users pick it by (`--strategy NAME`).
    var name: String { get }
    /// One line for `poolkit drivers`.
    var summary: String { get }
    /// Begins a consistent snapshot on `coordinator` (which stays leased until the session ends)
    /// and reads the catalog. Throws `.unsupported` for options the strategy cannot honour.
    func begin(on coordinator: any DatabaseConnection, options: BackupOptions) async throws -> any BackupSession
}

/// One backup in progress: a snapshot, the catalog seen in it, and how to dump its chunks.
public protocol BackupSession: Sendable {
    /// What the archive's manifest records: engine facts, objects (with DDL and sections), tables
    /// (with columns and encodings) and blobs. Ids are unique across tables and blobs.
    var catalog: BackupCatalog { get }
    /// The chunks to dump; several chunks of one large table let several workers share it.
    var chunks: [BackupChunk] { get }
    /// Makes `worker` read the same snapshot as the coordinator. The engine joins every worker
    /// connection before any dump starts.
    func join(_ worker: any DatabaseConnection) async throws
    /// Called once every worker has joined: release what was held only to let them join (a global
    /// read lock, a reserved write lock).
    func workersJoined() async throws
    /// Streams one chunk's bytes, in its table's encoding, into `sink`, and returns its row count
    /// (0 for blobs). Fill large buffers on the worker's own thread (one hop per buffer, never per
    /// row) and hand each to `sink.write`, which suspends while the archive writer catches up.
    func dump(_ chunk: BackupChunk, on worker: any DatabaseConnection, into sink: any ChunkSink) async throws -> UInt64
    /// Ends the snapshot and releases what it holds; called on success and on failure.
    func end() async
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

    public init(
        engine: String, serverVersion: String, properties: [String: String] = [:], objects: [ArchiveObject] = [],
        tables: [ArchiveTable] = [], blobs: [ArchiveBlob] = []
    ) {
        self.engine = engine
        self.serverVersion = serverVersion
        self.properties = properties
        self.objects = objects
        self.tables = tables
        self.blobs = blobs
    }
}

/// One unit of dumping: a whole table, a range of it, or a part of a blob.
public struct BackupChunk: Sendable, Hashable {
    /// The table's or blob's id.
    public var objectID: UInt32
    /// 0, 1, 2, … within the object.
    public var chunkID: UInt32
    /// The range the strategy dumps (rowids, block numbers, key values or byte offsets); nil = all.
    public var lowerBound: Int64?
    public var upperBound: Int64?
    /// For scheduling and progress: the strategy's estimate of the chunk's size.
    public var estimatedBytes: Int64

    public init(objectID: UInt32, chunkID: UInt32, lowerBound: Int64? = nil, upperBound: Int64? = nil, estimatedBytes: Int64 = 0) {
        self.objectID = objectID
        self.chunkID = chunkID
        self.lowerBound = lowerBound
        self.upperBound = upperBound
        self.estimatedBytes = estimatedBytes
    }
}

/// Where a strategy writes a chunk's bytes. The engine frames, compresses and checksums them.
public protocol ChunkSink: AnyObject {
    /// Appends bytes to the chunk; suspends while the archive writer catches up (back-pressure).
    /// Throws if the backup was cancelled or failed elsewhere.
    func write(_ bytes: [UInt8]) async throws
}
