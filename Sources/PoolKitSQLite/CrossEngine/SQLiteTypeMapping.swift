import Foundation
import PoolKit

/// SQLite declared types → portable types. SQLite's own affinity rules decide, in their order
/// (a type containing `INT` is an integer, `CHAR`/`CLOB`/`TEXT` text, `BLOB` bytes, `REAL`/`FLOA`/`DOUB`
/// a double, anything else numeric), after the names that say more than their affinity: `BOOLEAN`,
/// `DATE`, `DATETIME`/`TIMESTAMP`, `TIMESTAMPTZ`, `TIME`, `JSON`, `UUID`. Declared lengths (`VARCHAR(20)`) are not
/// kept: SQLite never enforced them. A column without a declared type holds anything; it becomes text.
enum SQLiteTypeMapping {
    static func portableType(declared: String) -> PortableType {
        let lower = declared.lowercased().trimmingCharacters(in: .whitespaces)
        let base = lower.split(separator: "(").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        switch base {
        case "bool", "boolean": return .boolean
        case "date": return .date
        case "datetime", "timestamp": return .timestamp(withTimeZone: false)
        case "timestamptz": return .timestamp(withTimeZone: true)
        case "time": return .time
        case "json", "jsonb": return .json
        case "uuid": return .uuid
        case "": return .text(maxLength: nil)
        default: break
        }
        if lower.contains("int") { return .integer(bits: 64) }
        if lower.contains("char") || lower.contains("clob") || lower.contains("text") { return .text(maxLength: nil) }
        if lower.contains("blob") { return .blob }
        if lower.contains("real") || lower.contains("floa") || lower.contains("doub") { return .double }
        if base == "numeric" || base == "decimal", let arguments = arguments(lower), let precision = arguments.first,
            precision >= 1, precision <= 1000
        {
            return .decimal(precision: precision, scale: arguments.count > 1 ? arguments[1] : 0)
        }
        return .decimal(precision: nil, scale: nil)
    }

    /// The numbers in `name(p, s)`.
    private static func arguments(_ declared: String) -> [Int]? {
        guard let open = declared.firstIndex(of: "("), let close = declared.lastIndex(of: ")"), open < close else { return nil }
        let numbers = declared[declared.index(after: open)..<close].split(separator: ",").map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        return numbers.contains(nil) ? nil : numbers.compactMap { $0 }
    }

    /// A column default as SQLite's `PRAGMA table_xinfo` spells it, if it has a portable meaning.
    static func portableDefault(_ text: String) -> PortableDefault? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch trimmed.uppercased() {
        case "CURRENT_TIMESTAMP": return .currentTimestamp
        case "CURRENT_DATE": return .currentDate
        case "CURRENT_TIME": return .currentTime
        case "TRUE": return .literal("1")
        case "FALSE": return .literal("0")
        default: break
        }
        if trimmed.count >= 2, trimmed.hasPrefix("'"), trimmed.hasSuffix("'") {
            return .literal(String(trimmed.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'"))
        }
        if Double(trimmed) != nil || Int64(trimmed) != nil { return .literal(trimmed) }
        return nil
    }
}
