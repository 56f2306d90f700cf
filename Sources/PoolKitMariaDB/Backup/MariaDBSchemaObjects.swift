import PoolKit

/// The catalog object kinds the MariaDB `snapshot` strategy writes, beyond the common ones.
extension ArchiveObject.Kind {
    /// The database's default character set and collation (`ALTER DATABASE`): pre-data, first.
    static let databaseDefaults: Self = "database-defaults"
    /// A stored procedure (pre-data: views and triggers may call it).
    static let procedure: Self = "procedure"
    /// An event of the event scheduler: post-data, last, so it cannot fire during the load.
    static let event: Self = "event"
    /// `SETVAL` of a sequence: data section.
    static let sequenceValue: Self = "sequence-value"
}

/// The session settings a routine, trigger, view or event was created under, which the server
/// records with it and `mariadb-dump` prints: restored by setting them before the `CREATE`.
struct MariaDBCreationContext: Sendable, Hashable {
    var sqlMode: String?
    var characterSetClient: String?
    var collationConnection: String?
    var timeZone: String?

    /// `SET …;` statements that put a session into this context.
    var statements: String {
        var parts: [String] = []
        if let sqlMode { parts.append("SET SESSION sql_mode = \(mariadbString(sqlMode))") }
        if let characterSetClient {
            parts.append("SET character_set_client = \(mariadbString(characterSetClient))")
            parts.append("SET character_set_results = \(mariadbString(characterSetClient))")
        }
        if let collationConnection { parts.append("SET collation_connection = \(mariadbString(collationConnection))") }
        if let timeZone { parts.append("SET time_zone = \(mariadbString(timeZone))") }
        return parts.map { $0 + ";\n" }.joined()
    }
}

/// The settings every restore statement starts from: no SQL mode but `NO_AUTO_VALUE_ON_ZERO`
/// (so a stored 0 in an AUTO_INCREMENT column stays 0 and no stored value is refused), UTC, and
/// foreign keys unchecked (tables in a foreign-key cycle can be created, loaded in any order).
let mariadbRestoreBaseSettings =
    "SET NAMES utf8mb4; SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'; SET time_zone = '+00:00'; SET foreign_key_checks = 0;\n"
