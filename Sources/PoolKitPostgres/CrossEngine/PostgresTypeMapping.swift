import Foundation
import PoolKit

/// PostgreSQL column types (as the catalog spells them, `character varying(20)`) → portable types.
/// Types with no portable counterpart (arrays, intervals, ranges, network, geometric and text search
/// types, user types) are carried as their text form when the archive has them as text, and as the
/// text PostgreSQL writes for them when PoolKit reads them from binary COPY (``PostgresBinaryText``);
/// a type it cannot read is named by ``PostgresBinaryValue/supports(_:)`` before the restore begins.
enum PostgresTypeMapping {
    /// A catalog type's name without its modifier, wherever the catalog puts it: `numeric(10,2)` →
    /// `numeric`, `timestamp(3) without time zone` → `timestamp without time zone`.
    static func baseName(_ type: String) -> String {
        type.lowercased().replacingOccurrences(of: #"\s*\([^)]*\)"#, with: "", options: .regularExpression)
            .trimmingCharacters(in: .whitespaces)
    }

    static func portableType(_ type: String) -> (PortableType, warning: String?) {
        let lower = type.lowercased()
        let base = baseName(lower)
        let arguments = lower.split(separator: "(").dropFirst().first.map { part in
            part.prefix { $0 != ")" }.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        } ?? []
        if lower.hasSuffix("[]") { return (.text(maxLength: nil), "an array (\(type)) is carried as its text form, e.g. {1,2}") }
        switch base {
        case "boolean": return (.boolean, nil)
        case "smallint": return (.integer(bits: 16), nil)
        case "integer": return (.integer(bits: 32), nil)
        case "bigint": return (.integer(bits: 64), nil)
        case "numeric":
            guard let precision = arguments.first else { return (.decimal(precision: nil, scale: nil), nil) }
            let scale = arguments.count > 1 ? arguments[1] : 0
            // PostgreSQL 15 allows a scale below 0 (rounded to tens, hundreds, …) or above the precision;
            // other engines want 0 ≤ scale ≤ precision: the same values fit in the type that spells them out.
            if scale < 0 { return (.decimal(precision: precision - scale, scale: 0), "\(type) is carried as numeric(\(precision - scale),0), which holds the same values") }
            if scale > precision { return (.decimal(precision: scale, scale: scale), "\(type) is carried as numeric(\(scale),\(scale)), which holds the same values") }
            return (.decimal(precision: precision, scale: scale), nil)
        case "real": return (.real, nil)
        case "double precision": return (.double, nil)
        case "text", "name", "citext": return (.text(maxLength: nil), nil)
        case "character varying": return (.text(maxLength: arguments.first), nil)
        case "character", "bpchar": return (.fixedText(length: arguments.first ?? 1), nil)
        case "bytea": return (.blob, nil)
        case "date": return (.date, nil)
        case "time without time zone": return (.time, nil)
        case "timestamp without time zone": return (.timestamp(withTimeZone: false), nil)
        case "timestamp with time zone": return (.timestamp(withTimeZone: true), nil)
        case "json", "jsonb": return (.json, nil)
        case "uuid": return (.uuid, nil)
        case "bit": return (.bits(length: arguments.first ?? 1), nil)
        case "money":
            return (
                .decimal(precision: 19, scale: 2),
                "money is carried as a decimal number (money::numeric), read as hundredths: the 2 fractional digits of the C and en_US monetary locales; a server whose lc_monetary has other fractional digits stores other units"
            )
        case "oid", "xid", "cid", "xid8": return (.integer(bits: 64), nil)
        default: return (.text(maxLength: nil), "type \(type) has no portable counterpart and is carried as its text form")
        }
    }
}
