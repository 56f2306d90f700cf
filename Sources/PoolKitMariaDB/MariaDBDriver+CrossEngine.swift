import PoolKit

/// MariaDB reads its `snapshot` archives for restores into other engines, and takes theirs (docs/migrating.md).
extension MariaDBDriver: CrossEngineDriver {
    public var portableReader: (any PortableArchiveReader)? { MariaDBPortableReader() }
    public var portableWriter: (any PortableArchiveWriter)? { MariaDBPortableWriter() }
}
