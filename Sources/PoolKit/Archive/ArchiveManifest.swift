import Foundation

/// What an archive holds: where it came from, every catalog object, every table with its
/// columns and the encoding of its data, and every blob. Stored as JSON in the archive's
/// first frame.
///
/// ```swift
/// let manifest = ArchiveManifest(
///     engine: "postgres", serverVersion: "15.6", driver: "postgres", strategy: "copy",
///     tables: [ArchiveTable(id: 1, schema: "public", name: "users",
///                           columns: [ArchiveColumn(name: "id", type: "bigint", nullable: false)],
///                           encoding: .postgresCopyText, chunks: 2)])
/// ```
public struct ArchiveManifest: Codable, Sendable, Hashable {
    /// The source engine, e.g. `postgres`, `mariadb`, `sqlite`.
    public var engine: String
    /// The source server's version string.
    public var serverVersion: String
    /// The PoolKit driver that wrote the archive.
    public var driver: String
    /// The backup strategy that wrote the archive, e.g. `copy`, `pages`.
    public var strategy: String
    /// When the snapshot was taken.
    public var createdAt: Date
    /// The writing program, e.g. `poolkit 0.1.0`.
    public var toolVersion: String?
    /// The backup options that were used. Never put secrets here.
    public var options: [String: String]
    /// Every catalog object to recreate, with its section and dependencies.
    public var objects: [ArchiveObject]
    /// Every table whose rows are in the archive.
    public var tables: [ArchiveTable]
    /// Whole-database payloads of strategies that are not row-based.
    public var blobs: [ArchiveBlob]
    /// Objects of the source the backup does not carry, each with its reason (format 1.1; stored
    /// only when not empty, and empty when read from an archive that has no such list).
    public var omitted: [ArchiveOmission]

    /// A manifest; `createdAt` defaults to now.
    public init(
        engine: String, serverVersion: String, driver: String, strategy: String, createdAt: Date = Date(),
        toolVersion: String? = nil, options: [String: String] = [:], objects: [ArchiveObject] = [],
        tables: [ArchiveTable] = [], blobs: [ArchiveBlob] = [], omitted: [ArchiveOmission] = []
    ) {
        self.engine = engine
        self.serverVersion = serverVersion
        self.driver = driver
        self.strategy = strategy
        self.createdAt = createdAt
        self.toolVersion = toolVersion
        self.options = options
        self.objects = objects
        self.tables = tables
        self.blobs = blobs
        self.omitted = omitted
    }

    /// The table with data-frame object id `id`.
    public func table(id: UInt32) -> ArchiveTable? { tables.first { $0.id == id } }

    /// The blob with data-frame object id `id`.
    public func blob(id: UInt32) -> ArchiveBlob? { blobs.first { $0.id == id } }

    /// Checks the rules of the format: ids ≥ 1, object ids unique, table and blob ids unique
    /// together, every dependency names an object, every lock a table or object. Returns a description of the first problem.
    package func problem() -> String? {
        var objectIDs = Set<UInt32>()
        for object in objects {
            if object.id == 0 { return "object '\(object.name)' has id 0; ids start at 1" }
            if !objectIDs.insert(object.id).inserted { return "object id \(object.id) is used twice" }
        }
        for object in objects {
            for dependency in object.dependencies where !objectIDs.contains(dependency) {
                return "object \(object.id) ('\(object.name)') depends on object \(dependency), which is not in the manifest"
            }
        }
        var dataIDs = Set<UInt32>()
        for table in tables {
            if table.id == 0 { return "table '\(table.name)' has id 0; ids start at 1" }
            if !dataIDs.insert(table.id).inserted { return "table or blob id \(table.id) is used twice" }
            if let chunks = table.chunks, chunks < 0 { return "table \(table.id) plans \(chunks) chunks" }
        }
        for blob in blobs {
            if blob.id == 0 { return "blob '\(blob.name)' has id 0; ids start at 1" }
            if !dataIDs.insert(blob.id).inserted { return "table or blob id \(blob.id) is used twice" }
            if let chunks = blob.chunks, chunks < 0 { return "blob \(blob.id) plans \(chunks) chunks" }
        }
        for object in objects {
            for table in object.locks?.tables ?? [] where !objectIDs.contains(table) && !dataIDs.contains(table) {
                return "object \(object.id) ('\(object.name)') locks table \(table), which is not in the manifest"
            }
        }
        return nil
    }

    private enum CodingKeys: String, CodingKey {
        case engine, serverVersion, driver, strategy, createdAt, toolVersion, options, objects, tables, blobs, omitted
    }

    /// Decodes a manifest; `omitted` may be absent (archives of format 1.0).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        engine = try container.decode(String.self, forKey: .engine)
        serverVersion = try container.decode(String.self, forKey: .serverVersion)
        driver = try container.decode(String.self, forKey: .driver)
        strategy = try container.decode(String.self, forKey: .strategy)
        createdAt = try container.decode(Date.self, forKey: .createdAt)
        toolVersion = try container.decodeIfPresent(String.self, forKey: .toolVersion)
        options = try container.decode([String: String].self, forKey: .options)
        objects = try container.decode([ArchiveObject].self, forKey: .objects)
        tables = try container.decode([ArchiveTable].self, forKey: .tables)
        blobs = try container.decode([ArchiveBlob].self, forKey: .blobs)
        omitted = try container.decodeIfPresent([ArchiveOmission].self, forKey: .omitted) ?? []
    }

    /// Encodes a manifest; an empty `omitted` list is left out, as every absent optional field.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(engine, forKey: .engine)
        try container.encode(serverVersion, forKey: .serverVersion)
        try container.encode(driver, forKey: .driver)
        try container.encode(strategy, forKey: .strategy)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encodeIfPresent(toolVersion, forKey: .toolVersion)
        try container.encode(options, forKey: .options)
        try container.encode(objects, forKey: .objects)
        try container.encode(tables, forKey: .tables)
        try container.encode(blobs, forKey: .blobs)
        if !omitted.isEmpty { try container.encode(omitted, forKey: .omitted) }
    }

    /// The manifest as the JSON stored in the archive (sorted keys, ISO 8601 dates).
    package func encodedJSON() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return Array(try encoder.encode(self))
    }

    /// Decodes the manifest JSON of an archive.
    package static func decodeJSON(_ bytes: [UInt8]) throws -> ArchiveManifest {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(ArchiveManifest.self, from: Data(bytes))
    }
}

/// Which phase of a restore an object belongs to.
public enum ArchiveSection: String, Codable, Sendable, Hashable, CaseIterable {
    /// Created before any data is loaded: schemas, types, tables, functions.
    case preData = "pre-data"
    /// Data-carrying objects that are not tables, e.g. sequence values, large objects.
    case data = "data"
    /// Created after the data: indexes, constraints, triggers.
    case postData = "post-data"
}

/// One catalog object: a schema, table, view, index, constraint, trigger, function, …
public struct ArchiveObject: Codable, Sendable, Hashable {
    /// An open-ended object kind (`table`, `index`, …); drivers may add their own.
    public struct Kind: OpenStringValue {
        /// The kind's name as stored.
        public var rawValue: String
        /// A kind named `rawValue`.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// A schema (PostgreSQL) or database (MariaDB).
        public static let schema: Kind = "schema"
        /// A table.
        public static let table: Kind = "table"
        /// A view.
        public static let view: Kind = "view"
        /// A materialized view.
        public static let materializedView: Kind = "materialized-view"
        /// A sequence (its value is restored in the data section).
        public static let sequence: Kind = "sequence"
        /// An index (post-data).
        public static let index: Kind = "index"
        /// A constraint: primary key, unique, foreign key, check.
        public static let constraint: Kind = "constraint"
        /// A trigger (post-data).
        public static let trigger: Kind = "trigger"
        /// A function or procedure.
        public static let function: Kind = "function"
        /// A user-defined type (enum, composite, domain).
        public static let type: Kind = "type"
        /// An extension (PostgreSQL).
        public static let `extension`: Kind = "extension"
        /// Statements that set an object's owner; a restore with `--no-owner` leaves them out.
        public static let owner: Kind = "owner"
        /// Statements that grant or revoke privileges; a restore with `--no-privileges` leaves them out.
        public static let acl: Kind = "acl"
        /// A comment on an object.
        public static let comment: Kind = "comment"
    }

    /// The object's id (≥ 1, unique among objects); a table's data uses the same id.
    public var id: UInt32
    /// What the object is.
    public var kind: Kind
    /// The object's name, unquoted.
    public var name: String
    /// The schema (or database) it lives in, unquoted.
    public var schema: String?
    /// When a restore creates it.
    public var section: ArchiveSection
    /// Ids of objects that must exist before this one.
    public var dependencies: [UInt32]
    /// The statements that recreate it.
    public var ddl: String?
    /// The encoding of data the object carries itself (e.g. a sequence's value), if any.
    public var encoding: ArchiveEncoding?
    /// The tables its statements lock, when the driver says (format 1.1); nil: a restore assumes
    /// pg_restore's rule (see ``ArchiveObjectLocks``).
    public var locks: ArchiveObjectLocks?

    /// An object.
    public init(
        id: UInt32, kind: Kind, name: String, schema: String? = nil, section: ArchiveSection,
        dependencies: [UInt32] = [], ddl: String? = nil, encoding: ArchiveEncoding? = nil,
        locks: ArchiveObjectLocks? = nil
    ) {
        self.id = id
        self.kind = kind
        self.name = name
        self.schema = schema
        self.section = section
        self.dependencies = dependencies
        self.ddl = ddl
        self.encoding = encoding
        self.locks = locks
    }
}

/// The name of a payload encoding, so a later reader knows how to parse (or convert) the bytes.
public struct ArchiveEncoding: OpenStringValue {
    /// The encoding's name as stored.
    public var rawValue: String
    /// An encoding named `rawValue`.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// PostgreSQL `COPY … TO STDOUT` text format, as the server sends it.
    public static let postgresCopyText: ArchiveEncoding = "postgres-copy-text"
    /// Tab-separated text as MariaDB's `LOAD DATA` reads it, `\N` for NULL.
    public static let mariadbTSV: ArchiveEncoding = "mariadb-tsv"
    /// PoolKit's typed row encoding for SQLite.
    public static let sqliteTypedV1: ArchiveEncoding = "sqlite-typed-v1"
    /// A complete SQLite database file (a blob).
    public static let sqliteDatabase: ArchiveEncoding = "sqlite-database"
}

/// A table whose rows are in the archive.
public struct ArchiveTable: Codable, Sendable, Hashable {
    /// The object id its data frames carry (the id of its catalog object, if listed).
    public var id: UInt32
    /// Its schema (or database), unquoted.
    public var schema: String?
    /// Its name, unquoted.
    public var name: String
    /// Its columns, in the order the data has them.
    public var columns: [ArchiveColumn]
    /// How its data payloads are encoded.
    public var encoding: ArchiveEncoding
    /// The planned number of chunks; when set, exactly chunks `0..<chunks` must be in the archive.
    public var chunks: Int?

    /// A table.
    public init(
        id: UInt32, schema: String? = nil, name: String, columns: [ArchiveColumn], encoding: ArchiveEncoding,
        chunks: Int? = nil
    ) {
        self.id = id
        self.schema = schema
        self.name = name
        self.columns = columns
        self.encoding = encoding
        self.chunks = chunks
    }

    /// `schema.name`, or `name`.
    public var qualifiedName: String { schema.map { "\($0).\(name)" } ?? name }
}

/// A column of an archived table.
public struct ArchiveColumn: Codable, Sendable, Hashable {
    /// The column name, unquoted.
    public var name: String
    /// Its type as the engine spells it, e.g. `numeric(10,2)`, `varchar(20)`.
    public var type: String
    /// Whether it accepts NULL, when known.
    public var nullable: Bool?
    /// Whether it is generated (and so not loaded), when known.
    public var generated: Bool?

    /// A column.
    public init(name: String, type: String, nullable: Bool? = nil, generated: Bool? = nil) {
        self.name = name
        self.type = type
        self.nullable = nullable
        self.generated = generated
    }
}

/// A whole-database payload (e.g. a SQLite file from the online backup API), streamed as chunks.
public struct ArchiveBlob: Codable, Sendable, Hashable {
    /// The object id its data frames carry (unique among tables and blobs).
    public var id: UInt32
    /// What it is, e.g. `main`.
    public var name: String
    /// How its bytes are to be read, e.g. ``ArchiveEncoding/sqliteDatabase``.
    public var encoding: ArchiveEncoding
    /// The planned number of chunks; when set, exactly chunks `0..<chunks` must be in the archive.
    public var chunks: Int?
    /// Its size in bytes, when known in advance.
    public var size: UInt64?

    /// A blob.
    public init(id: UInt32, name: String, encoding: ArchiveEncoding, chunks: Int? = nil, size: UInt64? = nil) {
        self.id = id
        self.name = name
        self.encoding = encoding
        self.chunks = chunks
        self.size = size
    }
}

/// A name from an open-ended set (object kinds, encodings): written as a string literal, stored
/// in JSON as a bare string, so readers keep values they do not know.
public protocol OpenStringValue: RawRepresentable<String>, Codable, Sendable, Hashable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    init(rawValue: String)
}

extension OpenStringValue {
    /// A value named `value`.
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    /// Decodes a bare JSON string.
    public init(from decoder: any Decoder) throws { self.init(rawValue: try decoder.singleValueContainer().decode(String.self)) }
    /// Encodes a bare JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    /// The name.
    public var description: String { rawValue }
}
