import Foundation

/// A `Codable` value stored as JSON: PostgreSQL `json`/`jsonb`, MariaDB `JSON`, SQLite JSON text.
///
/// ```swift
/// struct Settings: Codable, Sendable { var theme: String; var pageSize: Int }
/// try await connection.execute("UPDATE users SET settings = \(try SQLJSON(settings)) WHERE id = \(id)")
/// let settings = try await connection.query("SELECT settings FROM users WHERE id = \(id)").scalar(SQLJSON<Settings>.self)?.value
/// ```
///
/// A property of a `Decodable` row type whose type is not a column type is read from JSON too
/// (see ``SQLRowDecoder``).
public struct SQLJSON<Value: Codable & Sendable>: Sendable {
    public let value: Value
    /// The JSON text, encoded once.
    public let text: String

    /// Encodes `value` (keys sorted, so equal values give equal text). Throws what `JSONEncoder`
    /// throws (e.g. for a NaN).
    public init(_ value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.value = value
        self.text = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private init(value: Value, text: String) {
        self.value = value
        self.text = text
    }
}

extension SQLJSON: SQLValueConvertible, SQLDecodable {
    /// Sent as JSON text, which PostgreSQL reads into `json`/`jsonb` and MariaDB into `JSON`.
    public var sqlValue: SQLValue { .text(text) }

    /// From JSON text (or bytes holding it).
    public init(sqlValue: SQLValue) throws {
        let text: String
        switch sqlValue {
        case .text(let value): text = value
        case .bytes(let bytes): text = String(decoding: bytes, as: UTF8.self)
        default: throw SQLDecodingError("it is not JSON text")
        }
        do {
            self.init(value: try JSONDecoder().decode(Value.self, from: Data(text.utf8)), text: text)
        } catch let error as DecodingError {
            throw SQLDecodingError("the JSON does not decode as \(Value.self): \(SQLRowDecoder.describe(error))")
        } catch {
            throw SQLDecodingError("the text is not JSON: \(error)")
        }
    }
}
