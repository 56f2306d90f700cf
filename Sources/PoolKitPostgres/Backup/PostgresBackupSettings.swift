import PoolKit

/// Backup choices a PostgreSQL URL may carry besides libpq's parameters.
struct PostgresBackupSettings: Sendable, Hashable {
    /// `SET lock_timeout` value while taking the tables' ACCESS SHARE locks; nil = wait.
    var lockWaitTimeout: String?
    /// Take the snapshot as `SERIALIZABLE READ ONLY DEFERRABLE` (it waits until no serialization
    /// anomaly can involve it), as `pg_dump --serializable-deferrable` does.
    var serializableDeferrable = false

    /// `value` if PostgreSQL reads it as a time span: a whole number with an optional unit.
    static func checkedTimeout(_ value: String) throws -> String {
        let units = ["", "us", "ms", "s", "min", "h", "d"]
        let digits = value.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, units.contains(String(value.dropFirst(digits.count))) else {
            throw PoolKitError(
                .invalidOption, "option lock_wait_timeout='\(value)' must be a whole number with an optional unit (ms, s, min, h, d), e.g. 30s")
        }
        return value
    }

    /// `true`/`false` (also 1/0, yes/no, on/off).
    static func checkedFlag(_ key: String, _ value: String) throws -> Bool {
        switch value.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw PoolKitError(.invalidOption, "option \(key)='\(value)' must be true or false")
        }
    }
}
