/// The one place where the engine meets a strategy's own connection type.
///
/// The pool hands out `any DatabaseConnection`; a strategy works on its driver's connection type
/// (`PostgresConnection`, `SQLiteConnection`, …). The engine converts each leased connection once,
/// here, and a strategy paired with another driver's connections fails with a clear error instead
/// of a downcast somewhere in strategy code.
enum StrategyConnection<Connection: DatabaseConnection> {
    static func cast(_ connection: any DatabaseConnection, driver: any Driver, strategy: String) throws -> Connection {
        guard let typed = connection as? Connection else {
            throw PoolKitError(
                .unsupported,
                "the \(driver.name) strategy '\(strategy)' works on \(Connection.self) connections, but the pool opened a \(type(of: connection)): the driver's connect(to:) and its strategies must agree")
        }
        return typed
    }
}
