import Foundation
import PoolKit

/// MariaDB column types (as information_schema spells them, e.g. `int(10) unsigned`) → portable
/// types, with pgloader's hard cases decided as docs/migrating.md says: `tinyint(1)` is a boolean,
/// unsigned integers widen to the next size (`bigint unsigned` to `numeric(20,0)`), `ENUM` and
/// `SET` keep their labels, `DATETIME` is a local timestamp and `TIMESTAMP` an instant (the backup
/// reads it in UTC), `YEAR` a small integer, `BIT(n)` a bit string, spatial types bytes.
enum MariaDBTypeMapping {
    /// The portable type, and a warning when the type is carried in a lesser form.
    static func portableType(columnType: String, isJSON: Bool) -> (PortableType, warning: String?) {
        let lower = columnType.lowercased()
        let unsigned = lower.contains(" unsigned")
        let base = String(lower.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
        let arguments = argumentList(lower)
        switch base {
        case "tinyint":
            if arguments.first == 1 && !unsigned { return (.boolean, nil) }
            return (.integer(bits: 16), nil)
        case "bool", "boolean": return (.boolean, nil)
        case "smallint": return (.integer(bits: unsigned ? 32 : 16), nil)
        case "mediumint": return (.integer(bits: 32), nil)
        case "int", "integer": return (.integer(bits: unsigned ? 64 : 32), nil)
        case "bigint": return unsigned ? (.decimal(precision: 20, scale: 0), nil) : (.integer(bits: 64), nil)
        case "decimal", "numeric", "dec", "fixed":
            return (.decimal(precision: arguments.first ?? 10, scale: arguments.count > 1 ? arguments[1] : 0), nil)
        case "float": return (.real, nil)
        case "double", "real": return (.double, nil)
        case "bit": return (.bits(length: arguments.first ?? 1), nil)
        case "char", "varchar": return (.text(maxLength: arguments.first), nil)
        case "tinytext", "text", "mediumtext", "longtext": return (isJSON ? .json : .text(maxLength: nil), nil)
        case "json": return (.json, nil)
        case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob": return (.blob, nil)
        case "date": return (.date, nil)
        case "datetime": return (.timestamp(withTimeZone: false), nil)
        case "timestamp": return (.timestamp(withTimeZone: true), nil)
        case "time": return (.time, nil)
        case "year": return (.integer(bits: 16), nil)
        case "enum": return (.enumeration(MariaDBDumpQuery.enumMembers(columnType) ?? []), nil)
        case "set": return (.set(MariaDBDumpQuery.enumMembers(columnType) ?? []), nil)
        case "uuid": return (.uuid, nil)
        case "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon", "geometrycollection":
            return (.blob, "a spatial type (\(columnType)) is carried as bytes (MariaDB's internal form: a 4-byte SRID, then WKB); PostGIS is not used")
        default:
            return (.text(maxLength: nil), "type \(columnType) has no portable counterpart and is carried as text")
        }
    }

    /// The numbers in `type(a,b)`.
    private static func argumentList(_ type: String) -> [Int] {
        guard let open = type.firstIndex(of: "("), let close = type.firstIndex(of: ")"), open < close else { return [] }
        return type[type.index(after: open)..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }
}
