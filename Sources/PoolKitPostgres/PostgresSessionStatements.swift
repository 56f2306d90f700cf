/// Tells, from a statement's text, whether it may change session state that outlives its
/// transaction, so that the pool's ``SessionResetPolicy/whenDirty`` reset runs `DISCARD ALL` only
/// after such statements.
///
/// The check is conservative: a statement is "clean" only if it starts with a keyword that cannot
/// change session state (`SELECT`, `INSERT`, `UPDATE`, `DELETE`, `WITH`, `BEGIN`, `COMMIT`, …,
/// `SET LOCAL`, `SET TRANSACTION`) and does not call a function known to change it
/// (`set_config`, session-level advisory locks, `dblink_connect`). Anything else — `SET`,
/// `CREATE TEMP TABLE`, `PREPARE`, `LISTEN`, `DECLARE`, any DDL — marks the session dirty. A
/// false alarm costs one `DISCARD ALL`; what cannot be seen (a function that runs `SET` inside)
/// is the borrower's to report with ``PostgresConnection/markSessionDirty()``, or use the policy
/// ``SessionResetPolicy/always``.
enum PostgresSessionStatements {
    private static let cleanKeywords: Set<String> = [
        "select", "insert", "update", "delete", "merge", "with", "values", "table", "begin", "start", "commit",
        "end", "rollback", "abort", "savepoint", "release", "copy", "show", "explain", "truncate", "lock", "",
    ]
    private static let dirtyCalls = ["set_config", "advisory_lock", "dblink_connect", "lo_open"]

    /// True if `sql` (one or more statements) may leave session state behind.
    static func mayChangeSession(_ sql: String) -> Bool {
        let lowered = sql.lowercased()
        // Session-level advisory locks (`pg_advisory_lock`, `pg_try_advisory_lock`, shared ones);
        // the transaction-level ones are `pg_advisory_xact_lock…` and do not contain "advisory_lock".
        if dirtyCalls.contains(where: { lowered.contains($0) }) { return true }
        for statement in lowered.split(separator: ";") {
            let words = statement.split(whereSeparator: { $0.isWhitespace || $0 == "(" }).prefix(2)
            let first = words.first.map(String.init) ?? ""
            if first == "set" {
                let second = words.dropFirst().first.map(String.init) ?? ""
                if second == "local" || second == "transaction" || second == "constraints" { continue }
                return true
            }
            if !cleanKeywords.contains(first) { return true }
        }
        return false
    }
}
