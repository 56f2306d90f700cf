import PoolKit

/// SQLite reads its `logical` archives for restores into other engines (docs/migrating.md).
extension SQLiteDriver: CrossEngineDriver {
    public var portableReader: (any PortableArchiveReader)? { SQLitePortableReader() }
    public var portableWriter: (any PortableArchiveWriter)? { nil }
}
