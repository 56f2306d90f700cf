import CPoolKitSQLite

extension SQLiteConnection {
    /// `connection` as an SQLite connection, or a `.unsupported` error saying which strategy needed one.
    static func required(_ connection: any DatabaseConnection, by strategy: String) throws -> SQLiteConnection {
        guard let connection = connection as? SQLiteConnection else {
            throw PoolKitError(
                .unsupported, "the sqlite '\(strategy)' strategy runs on SQLite connections only, not on \(type(of: connection))")
        }
        return connection
    }

    /// The absolute path of the main database file, or nil for an in-memory database.
    func mainFilename() async throws -> String? {
        try await withHandle { db in SQLiteRaw.mainFilename(db) }
    }
}
