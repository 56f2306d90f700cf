import Foundation

extension UUID: SQLValueConvertible, SQLDecodable {
    /// Sent as its lowercase text, which PostgreSQL reads into `uuid`, MariaDB into `UUID` (or any
    /// text column); SQLite stores the text.
    public var sqlValue: SQLValue { .text(uuidString.lowercased()) }

    /// From text (`uuid`, `UUID`, a text column) or 16 bytes (a `BINARY(16)` or `BLOB` column).
    public init(sqlValue: SQLValue) throws {
        switch sqlValue {
        case .text(let text):
            guard let uuid = UUID(uuidString: text) else { throw SQLDecodingError("the text is not a UUID") }
            self = uuid
        case .bytes(let bytes):
            guard bytes.count == 16 else { throw SQLDecodingError("a UUID is 16 bytes, not \(bytes.count)") }
            self = UUID(uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        default: throw SQLDecodingError("it is not a UUID")
        }
    }
}

extension Data: SQLValueConvertible, SQLDecodable {
    /// Sent as bytes: PostgreSQL `bytea`, MariaDB `BLOB`/`VARBINARY`, SQLite BLOB.
    public var sqlValue: SQLValue { .bytes(Array(self)) }

    public init(sqlValue: SQLValue) throws {
        self = Data(try [UInt8](sqlValue: sqlValue))
    }
}
