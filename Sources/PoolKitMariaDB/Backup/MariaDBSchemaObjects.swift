import PoolKit

/// The catalog object kinds the MariaDB `snapshot` strategy writes, beyond the common ones.
extension ArchiveObject.Kind {
    /// The database's default character set and collation (`ALTER DATABASE`): pre-data, first.
    static let databaseDefaults: Self = "database-defaults"
    /// A stored procedure (pre-data: views and triggers may call it).
    static let procedure: Self = "procedure"
    /// An Oracle-mode package specification (`CREATE PACKAGE`): pre-data, after the functions.
    static let package: Self = "package"
    /// An Oracle-mode package body (`CREATE PACKAGE BODY`): pre-data, after its package.
    static let packageBody: Self = "package body"
    /// An event of the event scheduler: post-data, last, so it cannot fire during the load.
    static let event: Self = "event"
    /// `SETVAL` of a sequence: data section.
    static let sequenceValue: Self = "sequence-value"
    /// Not carried: a table's history rows (system versioning by transaction id).
    static let history: Self = "history"
    /// Not carried: a table's rows that live elsewhere (FEDERATED, CONNECT, SPIDER).
    static let rows: Self = "rows"
}

/// The session settings a routine, trigger, view or event was created under, which the server
/// records with it and `mariadb-dump` prints: restored by setting them before the `CREATE`.
struct MariaDBCreationContext: Sendable, Hashable {
    var sqlMode: String?
    var characterSetClient: String?
    var collationConnection: String?
    var timeZone: String?
    /// The database's default collation when the object was created, if it differs from the
    /// database's default at the backup: the object is created with that default in force
    /// (`ALTER DATABASE COLLATE …` before, the target's own default again after), as
    /// mariadb-dump does, so its variables and parameters keep their character set.
    var databaseCollation: String?

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
        if let databaseCollation { parts.append("\(MariaDBObjectDDL.databaseCollationPrefix)\(mariadbString(databaseCollation))") }
        return parts.map { $0 + ";\n" }.joined()
    }
}

/// The SQL mode of every restore statement and load: `NO_AUTO_VALUE_ON_ZERO`, so a stored 0 in an
/// AUTO_INCREMENT column stays 0, and `ALLOW_INVALID_DATES`, so a date the source stored under that
/// mode (`2001-02-29`) loads as it is instead of as a zero date; nothing strict, so no stored value
/// is refused (zero dates included).
let mariadbRestoreSQLMode = "NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES"

/// The settings every restore statement starts from: the restore's SQL mode, UTC, and foreign keys
/// unchecked (tables in a foreign-key cycle can be created, loaded in any order).
let mariadbRestoreBaseSettings =
    "SET NAMES utf8mb4; SET SESSION sql_mode = '\(mariadbRestoreSQLMode)'; SET time_zone = '+00:00'; SET foreign_key_checks = 0;\n"
