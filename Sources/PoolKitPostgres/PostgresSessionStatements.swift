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
///
/// It runs before every statement, so it reads the UTF-8 bytes in place (keywords are ASCII) and
/// allocates nothing: a version built on `lowercased()` and Foundation's `range(of:)` took a
/// seventh of a pooled lookup's CPU time.
enum PostgresSessionStatements {
    private static let cleanKeywords: [[UInt8]] = [
        "select", "insert", "update", "delete", "merge", "with", "values", "table", "begin", "start", "commit",
        "end", "rollback", "abort", "savepoint", "release", "copy", "show", "explain", "truncate", "lock", "",
    ].map { Array($0.utf8) }
    /// Session-level advisory locks (`pg_advisory_lock`, `pg_try_advisory_lock`, shared ones); the
    /// transaction-level ones are `pg_advisory_xact_lock…` and do not contain "advisory_lock".
    private static let dirtyCalls: [[UInt8]] = ["set_config", "advisory_lock", "dblink_connect", "lo_open"].map { Array($0.utf8) }
    /// `SET` followed by one of these stays inside the transaction.
    private static let transactionScopedSets: [[UInt8]] = ["local", "transaction", "constraints"].map { Array($0.utf8) }
    private static let set = Array("set".utf8)

    /// True if `sql` (one or more statements) may leave session state behind.
    static func mayChangeSession(_ sql: String) -> Bool {
        var sql = sql
        return sql.withUTF8 { mayChangeSession(bytes: $0) }
    }

    private static func mayChangeSession(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if dirtyCalls.contains(where: { containsIgnoringCase(bytes, $0) }) { return true }
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: ";") { end += 1 }
            let first = word(in: bytes, from: start, before: end)
            if equalsIgnoringCase(bytes, first, set) {
                let second = word(in: bytes, from: first.upperBound, before: end)
                if !transactionScopedSets.contains(where: { equalsIgnoringCase(bytes, second, $0) }) { return true }
            } else if !cleanKeywords.contains(where: { equalsIgnoringCase(bytes, first, $0) }) {
                return true
            }
            start = end + 1
        }
        return false
    }

    /// The first word at or after `start` and before `end`: skips blanks and `(`, stops at the next.
    private static func word(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, before end: Int) -> Range<Int> {
        func separates(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: " ") || (9...13).contains(byte) || byte == UInt8(ascii: "(")
        }
        var lower = start
        while lower < end && separates(bytes[lower]) { lower += 1 }
        var upper = lower
        while upper < end && !separates(bytes[upper]) { upper += 1 }
        return lower..<upper
    }

    private static func lowered(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }

    private static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ keyword: [UInt8]) -> Bool {
        guard range.count == keyword.count else { return false }
        return zip(range, keyword).allSatisfy { lowered(bytes[$0]) == $1 }
    }

    private static func containsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard needle.count <= bytes.count else { return false }
        for start in 0...(bytes.count - needle.count) where lowered(bytes[start]) == needle[0] {
            if equalsIgnoringCase(bytes, start..<(start + needle.count), needle) { return true }
        }
        return false
    }
}
