import PoolKit

extension ArchiveEncoding {
    /// A PostgreSQL large object's contents, as raw bytes in order; the blob's name is its OID.
    public static let postgresLargeObject: ArchiveEncoding = "postgres-large-object"
}

/// Moves large objects' contents in pieces of a MiB: `lo_get` on the way out, `lo_put` on the way
/// in. Their creation (`lo_create` with the same OID), owners, privileges and comments are objects
/// of the schema (data and post-data sections).
enum PostgresLargeObjects {
    static let pieceSize = 1 << 20

    /// Sends the contents of large object `oid` piece by piece; returns its size in bytes.
    static func dump(_ oid: UInt32, on handle: PGHandle, send: ([UInt8]) throws -> Void) throws -> UInt64 {
        var offset: UInt64 = 0
        while true {
            let piece = try handle.binaryValue("SELECT pg_catalog.lo_get('\(oid)'::pg_catalog.oid, \(offset), \(pieceSize))") ?? []
            if !piece.isEmpty { try send(piece) }
            offset += UInt64(piece.count)
            if piece.count < pieceSize { return offset }
        }
    }

    /// Creates large object `oid` if it does not exist and writes every payload `next` returns at
    /// consecutive offsets; returns the bytes written.
    static func load(_ oid: UInt32, on handle: PGHandle, next: () throws -> [UInt8]?) throws -> UInt64 {
        _ = try handle.binaryValue(
            "SELECT pg_catalog.lo_create('\(oid)'::pg_catalog.oid) WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_largeobject_metadata WHERE oid = '\(oid)'::pg_catalog.oid)")
        var offset: UInt64 = 0
        while let payload = try next() {
            if payload.isEmpty { continue }
            _ = try handle.binaryValue("SELECT pg_catalog.lo_put('\(oid)'::pg_catalog.oid, \(offset), $1::pg_catalog.bytea)", parameter: payload)
            offset += UInt64(payload.count)
        }
        return offset
    }
}
