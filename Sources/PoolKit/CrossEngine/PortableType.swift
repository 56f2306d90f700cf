/// A column type every driver can read from its own archives and write in its own DDL: the common
/// ground of PostgreSQL, MariaDB and SQLite that a cross-engine restore maps through.
///
/// A source driver maps each column's native type to one of these (MariaDB `tinyint(1)` →
/// ``boolean``, `int unsigned` → `integer(bits: 64)`, SQLite `VARCHAR(20)` → `text(maxLength: nil)`,
/// …); a target driver spells each in its own DDL. The mapping tables are in docs/migrating.md.
public enum PortableType: Hashable, Sendable, Codable {
    case boolean
    /// A signed integer of 16, 32 or 64 bits.
    case integer(bits: Int)
    /// An exact number; nil precision: unconstrained.
    case decimal(precision: Int?, scale: Int?)
    /// IEEE 754 binary32.
    case real
    /// IEEE 754 binary64.
    case double
    /// Character data, UTF-8; `maxLength` in characters when the source enforced one.
    case text(maxLength: Int?)
    /// Fixed-length character data, blank-padded (`char(n)`).
    case fixedText(length: Int)
    /// Bytes.
    case blob
    case date
    /// A time of day without a zone.
    case time
    /// A date and time; `withTimeZone`: an instant (PostgreSQL `timestamptz`, MariaDB `TIMESTAMP`).
    case timestamp(withTimeZone: Bool)
    /// JSON text.
    case json
    case uuid
    /// One of a fixed list of labels (MariaDB `ENUM`).
    case enumeration([String])
    /// Any subset of a fixed list of labels (MariaDB `SET`), written `a,b` in the source.
    case set([String])
    /// A string of `length` bits (MariaDB `BIT(n)`).
    case bits(length: Int)

    /// The name used in reports and in `--cast` rules, e.g. `integer`, `numeric(10,2)`.
    public var name: String {
        switch self {
        case .boolean: return "boolean"
        case .integer(let bits): return bits == 16 ? "smallint" : bits == 32 ? "integer" : "bigint"
        case .decimal(let precision, let scale):
            guard let precision else { return "numeric" }
            return "numeric(\(precision),\(scale ?? 0))"
        case .real: return "real"
        case .double: return "double"
        case .text(let length): return length.map { "varchar(\($0))" } ?? "text"
        case .fixedText(let length): return "char(\(length))"
        case .blob: return "blob"
        case .date: return "date"
        case .time: return "time"
        case .timestamp(let zone): return zone ? "timestamptz" : "timestamp"
        case .json: return "json"
        case .uuid: return "uuid"
        case .enumeration(let labels): return "enum(\(labels.joined(separator: ",")))"
        case .set(let labels): return "set(\(labels.joined(separator: ",")))"
        case .bits(let length): return "bit(\(length))"
        }
    }

    /// The type a `--cast` rule names: `boolean`, `smallint`, `integer`, `bigint`, `numeric`,
    /// `numeric(p,s)`, `real`, `double`, `text`, `varchar(n)`, `char(n)`, `blob`/`bytea`, `date`,
    /// `time`, `timestamp`, `timestamptz`, `json`/`jsonb`, `uuid`. Nil for any other name.
    public init?(castName: String) {
        let name = castName.lowercased().filter { !$0.isWhitespace }
        func argument(_ prefix: String) -> [Int]? {
            guard name.hasPrefix(prefix + "("), name.hasSuffix(")") else { return nil }
            let inner = name.dropFirst(prefix.count + 1).dropLast()
            let numbers = inner.split(separator: ",").compactMap { Int($0) }
            return numbers.isEmpty ? nil : numbers
        }
        switch name {
        case "boolean", "bool": self = .boolean
        case "smallint", "int2": self = .integer(bits: 16)
        case "integer", "int", "int4": self = .integer(bits: 32)
        case "bigint", "int8": self = .integer(bits: 64)
        case "numeric", "decimal": self = .decimal(precision: nil, scale: nil)
        case "real", "float4": self = .real
        case "double", "double precision", "doubleprecision", "float8": self = .double
        case "text": self = .text(maxLength: nil)
        case "blob", "bytea": self = .blob
        case "date": self = .date
        case "time": self = .time
        case "timestamp", "datetime": self = .timestamp(withTimeZone: false)
        case "timestamptz": self = .timestamp(withTimeZone: true)
        case "json", "jsonb": self = .json
        case "uuid": self = .uuid
        default:
            if let numbers = argument("numeric") ?? argument("decimal") {
                self = .decimal(precision: numbers[0], scale: numbers.count > 1 ? numbers[1] : 0)
            } else if let numbers = argument("varchar") {
                self = .text(maxLength: numbers[0])
            } else if let numbers = argument("char") {
                self = .fixedText(length: numbers[0])
            } else {
                return nil
            }
        }
    }
}
