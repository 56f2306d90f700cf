import PoolKit

/// Reads the schema of a PostgreSQL database from its catalogs, for a backup.
///
/// Every object's DDL comes from the catalogs as the snapshot of the caller's transaction sees
/// them, through the server's own deparsers (`pg_get_viewdef`, `pg_get_functiondef`,
/// `pg_get_indexdef`, `pg_get_constraintdef`, `pg_get_triggerdef`, `pg_get_ruledef`,
/// `pg_get_expr`, `pg_get_statisticsobjdef`, `format_type`) with an empty `search_path`, so every
/// name they print is schema-qualified. See ``PostgresSchema`` for how to restore it.
///
/// Not read: tablespaces and roles (cluster-wide, pg_dumpall's part: objects are created in the
/// target's default tablespace, and each tablespace that holds dumped relations is reported in
/// ``PostgresSchema/omitted``); subscriptions when the role is not a superuser (reported too).
///
/// Dependency loops are broken as pg_dump breaks them: a base type's shell comes before its I/O
/// functions; a CHECK constraint whose dependencies lead back to its table or domain is added after
/// the data; a column default that calls a function of the schema is set after its table; a view
/// in a cycle (with a function returning its row type) is created as a placeholder first. Loops
/// that none of these breaks are listed in ``PostgresSchema/unbrokenLoops``, for the backup to
/// leave out with what needs them.
package enum PostgresSchemaReader {
    /// Reads the schema of the database `connection` is connected to, inside whatever transaction
    /// (a `REPEATABLE READ` snapshot, for a backup) the caller opened.
    ///
    /// The reader sets `search_path` to `''` with `set_config(…, true)` (local to the transaction,
    /// as pg_dump does), and sets it back to what it was before it returns.
    ///
    /// Selection mirrors pg_dump: with `options.includeTables` empty, everything except the
    /// relations `options.excludeTables` names (and their indexes, constraints, triggers, rules,
    /// policies, statistics, comments, owners and privileges). With `includeTables` set, only the
    /// named relations (tables, views, materialized views, sequences), what belongs to them and
    /// the sequences they own — like `pg_dump -t`, not the schemas, types or functions they need,
    /// which the target must already have. Names are matched as ``parseTablePattern(_:)`` reads them.
    package static func read(on connection: PostgresConnection, options: BackupOptions) async throws -> PostgresSchema {
        let reader = CatalogReader(connection: connection, selection: PostgresTableSelection(options))
        let saved = try await reader.rows(
            "SELECT current_setting('search_path') AS path, set_config('search_path', '', true) AS ignored",
            what: "the search path")
        let path = try saved.first { _ in true }?.string("path") ?? ""
        let restore = "SELECT set_config('search_path', \(PostgresSQL.literal(path)), true)"
        do {
            let schema = try await reader.read()
            _ = try await connection.query(unsafeSQL: restore)
            return schema
        } catch {
            // The transaction may have failed with the statement; then it ends with the caller's rollback.
            _ = try? await connection.query(unsafeSQL: restore)
            throw error
        }
    }
}
