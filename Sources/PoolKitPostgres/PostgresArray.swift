import PoolKit

/// A one-dimensional PostgreSQL array (`int8[]`, `text[]`, `uuid[]`, `numeric[]`, …), bound and
/// read in PostgreSQL's array text form; elements may be NULL when `Element` is optional.
///
/// ```swift
/// let ids: [Int64] = [1, 2, 3]
/// let rows = try await connection.query("SELECT name FROM users WHERE id = ANY(\(PostgresArray(ids)))")
/// let tags = try row.decode(PostgresArray<String?>.self, column: "tags").elements
/// ```
///
/// An empty array is `{}`; a NULL array decodes only as `PostgresArray<…>?` (nil). Arrays of more
/// than one dimension are refused with an error that says so; `bytea[]` is not supported (its
/// elements would read as their hex text). MariaDB and SQLite have no array type.
public struct PostgresArray<Element: SQLValueConvertible & SQLDecodable>: Sendable {
    public var elements: [Element]

    public init(_ elements: [Element]) {
        self.elements = elements
    }
}

extension PostgresArray: Equatable where Element: Equatable {}
extension PostgresArray: Hashable where Element: Hashable {}

extension PostgresArray: SQLValueConvertible {
    /// `{"1","2",NULL}`: every element quoted, so no element's text can end it early.
    public var sqlValue: SQLValue {
        .text("{" + elements.map { PostgresArrayText.element($0.sqlValue) }.joined(separator: ",") + "}")
    }
}

extension PostgresArray: SQLDecodable {
    public init(sqlValue: SQLValue) throws {
        guard case .text(let text) = sqlValue else { throw SQLDecodingError("it is not a PostgreSQL array") }
        let items = try PostgresArrayText.elements(of: text)
        var elements: [Element] = []
        elements.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            do {
                elements.append(try Element(sqlValue: item.map(SQLValue.text) ?? .null))
            } catch let error as SQLDecodingError {
                throw SQLDecodingError("element \(index + 1) of the array: \(error.reason)")
            }
        }
        self.elements = elements
    }
}

/// PostgreSQL's array text form (`array_out` / `array_in`).
enum PostgresArrayText {
    /// One element: NULL, or the value's text quoted with `"` and `\` escaped.
    static func element(_ value: SQLValue) -> String {
        let text: String
        switch value {
        case .null: return "NULL"
        case .int(let number): text = String(number)
        case .double(let number): text = number.isNaN ? "NaN" : number.isInfinite ? (number < 0 ? "-Infinity" : "Infinity") : "\(number)"
        case .text(let value): text = value
        case .bool(let flag): text = flag ? "t" : "f"
        case .date(let date): text = SQLDateFormat.string(from: date) + "+00"
        case .bytes(let bytes): text = "\\x" + bytes.map { zeroPaddedHex($0) }.joined()
        }
        return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private static func zeroPaddedHex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }

    /// The elements of `text` (`{a,"b c",NULL}`, or with bounds `[0:1]={a,b}`); nil for NULL.
    static func elements(of text: String) throws -> [String?] {
        var characters = Substring(text)
        if characters.first == "[" {
            guard let equals = characters.firstIndex(of: "=") else { throw SQLDecodingError("the array's bounds are not followed by '='") }
            characters = characters[characters.index(after: equals)...]
        }
        guard characters.first == "{", characters.last == "}" else { throw SQLDecodingError("the text is not an array {…}") }
        characters = characters.dropFirst().dropLast()
        var elements: [String?] = []
        if characters.isEmpty { return elements }
        var iterator = characters.makeIterator()
        var current = ""
        var quoted = false
        var wasQuoted = false
        var afterQuote = false
        func finish() {
            elements.append(!wasQuoted && current.uppercased() == "NULL" ? nil : current)
            current = ""
            wasQuoted = false
            afterQuote = false
        }
        while let character = iterator.next() {
            if quoted {
                switch character {
                case "\\": if let next = iterator.next() { current.append(next) }
                case "\"":
                    quoted = false
                    afterQuote = true
                default: current.append(character)
                }
                continue
            }
            switch character {
            case "{": throw SQLDecodingError("the array has more than one dimension; only one-dimensional arrays are read")
            case "\"":
                guard current.isEmpty, !afterQuote else { throw SQLDecodingError("the array text has a stray quote") }
                quoted = true
                wasQuoted = true
            case "\\": if let next = iterator.next() { current.append(next) }
            case ",": finish()
            default:
                guard !afterQuote else { throw SQLDecodingError("the array text has characters after a quoted element") }
                current.append(character)
            }
        }
        guard !quoted else { throw SQLDecodingError("the array text ends inside a quoted element") }
        finish()
        return elements
    }
}
