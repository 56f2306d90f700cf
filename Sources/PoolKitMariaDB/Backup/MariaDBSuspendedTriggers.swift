import PoolKit

/// The target's triggers on the tables a `--data-only` restore loads, dropped before the load and
/// created again after it, so loading the archive's rows does not fire them (the rows are already
/// what the triggers made of them in the source).
///
/// MariaDB has no way to switch triggers off: no session variable (`foreign_key_checks` has no
/// trigger counterpart), no `ALTER TABLE … DISABLE TRIGGER`. mariadb-dump's and mydumper's dumps
/// avoid firing them by creating triggers after a table's rows, which a data-only restore into
/// existing tables cannot do. So the triggers are taken off for the load: each is read first with
/// `SHOW CREATE TRIGGER` and its recorded `sql_mode`, client character set and collation, and created
/// again in its action order, under the same definer, with the same text — `mariadb-dump
/// --triggers` prints the same before and after.
///
/// The price, said in the documentation: while the rows load, writes by other sessions to those
/// tables do not fire the triggers either; and if the restore process is killed, the triggers stay
/// dropped (a failing restore creates them again before it reports the failure; the archive of a full
/// backup holds them too).
struct MariaDBSuspendedTriggers: Sendable {
    struct Trigger: Sendable {
        var name: String
        var table: String
        /// Context lines and `CREATE TRIGGER`, as ``MariaDBObjectDDL`` runs them.
        var ddl: String
    }

    /// In creation order: per table by timing, event and action order.
    let triggers: [Trigger]

    var isEmpty: Bool { triggers.isEmpty }

    /// Reads the triggers of `tables` in the connection's database and drops them. Refuses if
    /// one belongs to another definer and this user may not create objects for other users
    /// (it could not create the trigger again).
    static func suspend(tables: Set<String>, on connection: MariaDBConnection) async throws -> MariaDBSuspendedTriggers {
        let listed = try await connection.query(unsafeSQL:
            """
            SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, DEFINER, DEFINER = CURRENT_USER() OR DEFINER = CONCAT(
              SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '@', SUBSTRING_INDEX(CURRENT_USER(), '@', -1))
            FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
            ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER
            """
        ).rows.filter { tables.contains($0[1] ?? "") }
        guard !listed.isEmpty else { return MariaDBSuspendedTriggers(triggers: []) }
        let foreign = listed.filter { $0[3] != "1" }
        if !foreign.isEmpty {
            let privileged = try await connection.query(unsafeSQL:
                """
                SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES
                WHERE GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')
                  AND PRIVILEGE_TYPE IN ('SUPER', 'SET USER')
                """
            ).scalar
            if privileged == "0" {
                let names = foreign.compactMap { row in row[0].map { "'\($0)' (definer \(row[2] ?? "?"))" } }
                throw PoolKitError(
                    .unsupported,
                    "a --data-only restore takes the loaded tables' triggers off while the rows load (MariaDB cannot switch them off), and must create them again as their definers; this user may not create triggers for other users: \(names.joined(separator: ", ")). Grant SET USER (or SUPER) to the restoring user, or restore as the triggers' definer")
            }
        }
        var triggers: [Trigger] = []
        let databaseCollation = try await connection.query(unsafeSQL: "SELECT @@collation_database").scalar
        for row in listed {
            guard let name = row[0], let table = row[1] else { continue }
            let shown = try await connection.query(unsafeSQL: "SHOW CREATE TRIGGER \(mariadbIdentifier(name))")
            guard let trigger = shown.rows.first, let ddl = trigger[2] else {
                throw PoolKitError(.statementFailed, "cannot read the definition of trigger '\(name)' on '\(table)' before the data-only load")
            }
            let context = MariaDBCreationContext(
                sqlMode: trigger[1], characterSetClient: trigger[3], collationConnection: trigger[4],
                databaseCollation: trigger[5] == databaseCollation ? nil : trigger[5])
            triggers.append(Trigger(name: name, table: table, ddl: context.statements + ddl))
        }
        try await connection.execute(unsafeSQL:
            triggers.map { "DROP TRIGGER \(mariadbIdentifier($0.name))" }.joined(separator: ";\n"))
        return MariaDBSuspendedTriggers(triggers: triggers)
    }

    /// Creates the triggers again, in their order; tries every one and reports those that failed.
    func recreate(on connection: MariaDBConnection) async throws {
        var failures: [String] = []
        for trigger in triggers {
            do {
                try await MariaDBObjectDDL.run(trigger.ddl, on: connection)
            } catch let error as PoolKitError {
                failures.append("'\(trigger.name)' on '\(trigger.table)': \(error.message)")
            }
        }
        if !failures.isEmpty {
            throw PoolKitError(
                .statementFailed,
                "the data-only restore took triggers off for the load and could not create these again: \(failures.joined(separator: "; ")); create them from the archive (poolkit restore --schema-only into a scratch database shows their definitions)")
        }
    }
}
