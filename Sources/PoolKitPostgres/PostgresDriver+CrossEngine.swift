import PoolKit

/// PostgreSQL reads its `copy` archives for restores into other engines, and takes theirs (docs/migrating.md).
extension PostgresDriver: CrossEngineDriver {
    public var portableReader: (any PortableArchiveReader)? { PostgresPortableReader() }
    public var portableWriter: (any PortableArchiveWriter)? { PostgresPortableWriter() }
}
