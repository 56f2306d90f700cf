import PoolKit
import PoolKitMariaDB
import PoolKitPostgres
import PoolKitSQLite

/// The command-line tool links every driver; a library user builds a registry with the ones it imports.
enum Drivers {
    static let registry = DriverRegistry([PostgresDriver(), MariaDBDriver(), SQLiteDriver()])
}
