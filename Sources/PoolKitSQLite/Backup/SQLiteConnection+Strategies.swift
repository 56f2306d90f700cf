import CPoolKitSQLite

extension SQLiteConnection {
    /// The absolute path of the main database file, or nil for an in-memory database.
    func mainFilename() async throws -> String? {
        try await withHandle { db in SQLiteRaw.mainFilename(db) }
    }
}
