import Logging

/// A driver that takes part in restores between engines: it reads its own archives into the
/// portable form (``portableReader``), writes the portable form as its own DDL and bulk-load
/// encoding (``portableWriter``), or both. A driver knows only its own engine and the portable
/// form, never another driver.
public protocol CrossEngineDriver: Driver {
    /// Reads this driver's archives as a portable schema and portable rows; nil when it cannot.
    var portableReader: (any PortableArchiveReader)? { get }
    /// Writes a portable schema and portable rows into this driver's databases; nil when it cannot.
    var portableWriter: (any PortableArchiveWriter)? { get }
}

/// The source side: an archive of this driver as a portable schema and rows.
public protocol PortableArchiveReader: Sendable {
    /// Whether the archive's values are all carried as text (read with the textual rules of
    /// ``PortableValueConverter``), as in MariaDB's and PostgreSQL's text encodings.
    var textualEncoding: Bool { get }
    /// The archive's tables as a portable schema, and what it does not carry. Throws
    /// `.archiveUnsupported` for an archive that has no rows to carry (e.g. SQLite `pages`).
    func portableSchema(of manifest: ArchiveManifest, logger: Logger) async throws -> PortableSchema
    /// A decoder of one chunk of `table`'s rows (one decoder per chunk).
    func rowDecoder(for table: ArchiveTable, in manifest: ArchiveManifest) throws -> any PortableRowDecoder
    /// For an archive that keeps a whole database rather than rows: where to stage it so that it
    /// can be read back as rows (``PortableStaging``); nil (the default) when its rows are read directly.
    func staging(for manifest: ArchiveManifest) throws -> PortableStaging?
}

/// Splits one chunk's payloads, in its archive encoding, into rows of raw portable values.
public protocol PortableRowDecoder: AnyObject {
    /// Decodes the complete rows `payload` finishes (a row may span payloads), calling `row` with
    /// each row's values in the table's column order (the array is reused between calls).
    func decode(_ payload: [UInt8], row: ([PortableValue]) throws -> Void) throws
    /// Checks that the chunk did not end inside a row.
    func finish() throws
}

/// The target side: a portable schema as this driver's objects, portable rows in its bulk encoding.
public protocol PortableArchiveWriter: Sendable {
    /// The name of this driver's restore strategy that loads the manifest ``manifest(for:source:)`` writes.
    var restoreStrategyName: String { get }
    /// `schema` with the changes this engine needs before its values are converted (e.g. a
    /// bounded length for text in a key). Default: unchanged.
    func fitted(_ schema: PortableSchema) -> PortableSchema
    /// Why this engine cannot store `value` (converted to its column's type) as it is, when it
    /// would change it silently (SQLite stores a NaN as NULL; MariaDB has no infinity); nil when it
    /// can. Default: nil.
    func problem(storing value: PortableValue) -> String?
    /// An archive manifest of this driver's own kind for `schema`: objects with DDL in its dialect
    /// (tables pre-data; indexes, keys, constraints, counters post-data), tables with the same ids
    /// as the source's and this driver's encoding, so that its own restore strategy loads it.
    /// Warnings (a type carried in a lesser form) go into `warnings`.
    func manifest(for schema: PortableSchema, source: ArchiveManifest, warnings: inout [String]) throws -> ArchiveManifest
    /// An encoder of rows of `table` (converted to its columns' types) in this driver's encoding.
    func rowEncoder(for table: PortableTable) -> any PortableRowEncoder
    /// The engine's name for reports, e.g. `postgres`.
    var engineName: String { get }
    /// How this engine writes CHECK conditions and index expressions; nil (the default): it takes
    /// none, and they are listed as not carried.
    var expressionDialect: PortableExpressionDialect? { get }
}

extension PortableArchiveWriter {
    public func fitted(_ schema: PortableSchema) -> PortableSchema { schema }
    public func problem(storing value: PortableValue) -> String? { nil }
    public var expressionDialect: PortableExpressionDialect? { nil }
}

/// Writes converted rows in a target's bulk-load encoding.
public protocol PortableRowEncoder: Sendable {
    /// Appends one row (values in the table's column order, each converted to its column's type).
    func append(_ row: [PortableValue], to buffer: inout [UInt8])
}
