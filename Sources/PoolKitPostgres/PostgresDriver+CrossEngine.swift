import PoolKit

/// PostgreSQL takes archives of other engines (docs/migrating.md); reading its own archives for
/// another engine is not built yet.
extension PostgresDriver: CrossEngineDriver {
    public var portableReader: (any PortableArchiveReader)? { nil }
    public var portableWriter: (any PortableArchiveWriter)? { PostgresPortableWriter() }
}
