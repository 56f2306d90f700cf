import CPoolKitSQLite

/// The check a backup runs on its SQLite source, so that an archive of a damaged database says so
/// (a `pages` restore refuses such a database unless told otherwise).
///
/// By default `PRAGMA quick_check` — the check a `pages` restore runs on what it assembled, so an
/// archive that backs up clean also restores; it reads every page once. With `--check`
/// (``BackupOptions/integrityCheck``) `PRAGMA integrity_check`, which also proves every index
/// matches its table. The result goes into the manifest's options (``properties``), where
/// `poolkit inspect` shows it and `poolkit backup` warns about it.
struct SQLiteSourceCheck: Sendable {
    /// The manifest option naming the check that ran.
    static let checkKey = "source_check"
    /// The manifest option holding its result: `ok`, or `failed: ` and the first problems.
    static let resultKey = "source_check_result"
    /// Problems SQLite is asked to list at most.
    static let problemLimit = 20

    /// `quick_check` or `integrity_check`.
    var pragma: String
    /// SQLite's problem lines; empty when it answered `ok`.
    var problems: [String]

    /// Runs the check on the main database of `db`, inside whatever transaction `db` has open (the
    /// backup's snapshot). A database too damaged for the check to run is reported as a problem,
    /// not thrown; a cancellation is thrown.
    static func run(_ db: OpaquePointer, full: Bool) throws -> SQLiteSourceCheck {
        let pragma = full ? "integrity_check" : "quick_check"
        var lines: [String] = []
        do {
            let statement = try SQLiteStatement(db, "PRAGMA main.\(pragma)(\(problemLimit))")
            while try statement.step() { lines.append(statement.text(0) ?? "") }
        } catch let error as PoolKitError where error.code != .cancelled {
            lines = ["the check itself failed: \(error.message)"]
        }
        return SQLiteSourceCheck(pragma: pragma, problems: lines == ["ok"] ? [] : lines)
    }

    /// The manifest options that record the check.
    var properties: [String: String] {
        guard !problems.isEmpty else { return [Self.checkKey: pragma, Self.resultKey: "ok"] }
        return [Self.checkKey: pragma, Self.resultKey: "failed: \(Self.summary(of: problems))"]
    }

    /// One line for the problems SQLite listed (rows may hold several lines): how many, and the
    /// first three, e.g. `2 problems: Page 191: btreeInitPage() returns error code 11; …`.
    static func summary(of rows: [String]) -> String {
        let lines = rows.flatMap { $0.split(separator: "\n").map(String.init) }.filter { !$0.hasPrefix("*** in database") }
        let count = lines.count >= problemLimit ? "\(problemLimit) or more problems" : lines.count == 1 ? "1 problem" : "\(lines.count) problems"
        return "\(count): " + lines.prefix(3).joined(separator: "; ") + (lines.count > 3 ? "; …" : "")
    }
}
