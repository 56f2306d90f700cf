import PoolKit

/// SQLite reads its `logical` archives for restores into other engines, and takes theirs (docs/migrating.md).
extension SQLiteDriver: CrossEngineDriver {
    public var portableReader: (any PortableArchiveReader)? { SQLitePortableReader() }
    public var portableWriter: (any PortableArchiveWriter)? { SQLitePortableWriter() }
}
