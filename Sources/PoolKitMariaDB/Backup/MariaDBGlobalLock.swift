import PoolKit

/// How the snapshot strategy holds commits still while the workers start their snapshots.
///
/// - `backupStage` (MariaDB 10.4+, the default there): `BACKUP STAGE START; BACKUP STAGE
///   BLOCK_COMMIT`, released with `BACKUP STAGE END`. Only commits wait; statements already running
///   go on, and the lock does not wait for them to finish.
/// - `flushTables` (MySQL, older MariaDB, or `lock=ftwrl`): `FLUSH TABLES WITH READ LOCK`, released
///   with `UNLOCK TABLES`. It first waits for every running write statement to end, and every new
///   write queues behind it meanwhile.
///
/// Both need the RELOAD privilege. docs/mariadb-strategies.md has the measured figures.
enum MariaDBGlobalLock: String, Sendable {
    case backupStage = "backup_stage"
    case flushTables = "ftwrl"

    /// The method for `server` (`SELECT VERSION()`) when the URL names none.
    static func `default`(serverVersion: String) -> MariaDBGlobalLock {
        guard serverVersion.contains("MariaDB") else { return .flushTables }
        let numbers = serverVersion.prefix { $0.isNumber || $0 == "." }.split(separator: ".").compactMap { Int($0) }
        guard numbers.count >= 2 else { return .flushTables }
        return (numbers[0], numbers[1]) >= (10, 4) ? .backupStage : .flushTables
    }

    var acquire: String {
        switch self {
        case .backupStage: "BACKUP STAGE START; BACKUP STAGE BLOCK_COMMIT"
        case .flushTables: "FLUSH TABLES WITH READ LOCK"
        }
    }

    var release: String {
        switch self {
        case .backupStage: "BACKUP STAGE END"
        case .flushTables: "UNLOCK TABLES"
        }
    }

    /// As recorded in the manifest's `lock` property and in messages.
    var label: String {
        switch self {
        case .backupStage: "BACKUP STAGE BLOCK_COMMIT"
        case .flushTables: "FLUSH TABLES WITH READ LOCK"
        }
    }
}
