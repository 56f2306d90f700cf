import Foundation
import PoolKit

/// The application-facing API every driver must support, checked against a real engine through a
/// pool typed by the driver: bound interpolation, row decoding, transactions.
///
/// A driver's test target runs every check:
/// ```swift
/// @Test(arguments: QueryAPIChecks<PostgresDriver>.names)
/// func queryAPI(_ check: String) async throws {
///     try await QueryAPIChecks(driver: PostgresDriver(), url: url).run(check)
/// }
/// ```
public struct QueryAPIChecks<D: Driver>: Sendable {
    public let driver: D
    public let url: ConnectionURL

    public init(driver: D, url: ConnectionURL) {
        self.driver = driver
        self.url = url
    }

    /// The checks' names, for a parameterized test.
    public static var names: [String] { checks.map(\.name) }

    /// Runs the check called `name`.
    public func run(_ name: String) async throws {
        guard let check = Self.checks.first(where: { $0.name == name }) else {
            throw ConformanceFailure(check: name, message: "no such check; the checks are \(Self.names.joined(separator: ", "))")
        }
        try await check.body(self)
    }

    private struct Check: Sendable {
        let name: String
        let body: @Sendable (QueryAPIChecks) async throws -> Void
    }

    private static var checks: [Check] {
        [
            Check(name: "interpolated values are bound, never spliced", body: { try await $0.interpolationBinds() }),
            Check(name: "rows decode into tuples and Decodable types", body: { try await $0.rowsDecode() }),
            Check(name: "decoding errors name the column, SQL type and Swift type", body: { try await $0.decodingErrorsName() }),
            Check(name: "a transaction commits on return and rolls back on a throw", body: { try await $0.transactionCommitsAndRollsBack() }),
            Check(name: "nested transactions are savepoints", body: { try await $0.transactionsNest() }),
            Check(name: "a cancelled task's transaction rolls back", body: { try await $0.cancelledTransactionRollsBack() }),
            Check(name: "a connection never returns to the pool inside a transaction", body: { try await $0.noTransactionAfterRelease() }),
            Check(name: "isolation levels are applied or refused", body: { try await $0.isolationLevels() }),
        ]
    }

    func fail(_ check: String, _ message: String) -> ConformanceFailure {
        ConformanceFailure(check: check, message: message)
    }

    /// A pool typed by the driver, running while `body` runs.
    func withPool<R: Sendable>(
        maxConnections: Int = 4, _ body: @Sendable (DatabasePool<D>) async throws -> R
    ) async throws -> R {
        var configuration = PoolConfiguration()
        configuration.maxConnections = maxConnections
        let pool = try DatabasePool(driver: driver, url: url, configuration: configuration)
        return try await pool.withRunning { try await body(pool) }
    }

    /// A table with an awkward name (a quote of each kind, a space, unicode) for one check, dropped afterwards.
    func withTable<R: Sendable>(
        _ pool: DatabasePool<D>, columns: String, _ body: @Sendable (String) async throws -> R
    ) async throws -> R {
        let table = "poolkit api \"q\" `b` ü \(UInt32.random(in: 0 ... .max))"
        try await pool.execute("CREATE TABLE \(identifier: table) (\(unsafeSQL: columns))")
        do {
            let result = try await body(table)
            try await pool.execute("DROP TABLE \(identifier: table)")
            return result
        } catch {
            try? await pool.execute("DROP TABLE \(identifier: table)")
            throw error
        }
    }

    func count(_ table: String, on connection: D.Connection) async throws -> Int {
        try await connection.query("SELECT count(*) FROM \(identifier: table)").scalar(Int.self) ?? -1
    }

    // MARK: Binding

    func interpolationBinds() async throws {
        try await withPool { pool in
            try await withTable(pool, columns: "id INTEGER, name VARCHAR(200)") { table in
                let hostile = [
                    "x'); DROP TABLE t; --", "Robert'); DELETE FROM students; --", "?", "$1", "\\", "'", "\"", "`", "Zoë 東京 🎉", "",
                ]
                for (id, name) in hostile.enumerated() {
                    try await pool.execute("INSERT INTO \(identifier: table) (id, name) VALUES (\(id), \(name))")
                }
                let none: String? = nil
                try await pool.execute("INSERT INTO \(identifier: table) (id, name) VALUES (\(hostile.count), \(none))")
                for (id, name) in hostile.enumerated() {
                    let rows = try await pool.query("SELECT id FROM \(identifier: table) WHERE name = \(name)")
                    guard try rows.decode(Int.self) == [id] else {
                        throw fail("binding", "looking up \(name.debugDescription) found \(rows.rows.map(\.values)), not [\(id)]")
                    }
                }
                // Composition: a query inside a query, raw text by name, a prewritten part after bound values.
                let filter: SQLQuery = "name IS NOT NULL AND id >= \(2)"
                let order = "ORDER BY id DESC"
                let composed = try await pool.query(
                    "SELECT id FROM \(identifier: table) WHERE \(filter) AND id < \(4) \(unsafeSQL: order)")
                guard try composed.decode(Int.self) == [3, 2] else {
                    throw fail("binding", "the composed query returned \(composed.rows.map(\.values)), not [3, 2]")
                }
                let placeholder = try await pool.withConnection { $0.sqlDialect.placeholder(1) }
                let prewritten: SQLQuery = "SELECT id FROM \(identifier: table) WHERE id > \(0) AND "
                    + SQLQuery(unsafeSQL: "id < \(placeholder)", binds: [.int(2)])
                guard try await pool.query(prewritten).decode(Int.self) == [1] else {
                    throw fail("binding", "a prewritten part after a bound value did not bind its own value")
                }
                let total = try await pool.withConnection { try await count(table, on: $0) }
                guard total == hostile.count + 1 else { throw fail("binding", "the table holds \(total) rows, not \(hostile.count + 1)") }
            }
        }
    }

    // MARK: Decoding

    struct Player: Decodable, Equatable {
        var id: Int
        var displayName: String
        var score: Double
        var nickname: String?
        var missing: Int?
    }

    func rowsDecode() async throws {
        try await withPool { pool in
            try await withTable(pool, columns: "id INTEGER, display_name VARCHAR(50), score DOUBLE PRECISION, nickname VARCHAR(50)") { table in
                try await pool.execute(
                    "INSERT INTO \(identifier: table) VALUES (\(1), \("Ada"), \(2.5), \("ace")), (\(2), \("Grace"), \(-1e300), \(nil as String?))")
                let rows = try await pool.query("SELECT id, display_name, score, nickname FROM \(identifier: table) ORDER BY id")
                let tuples = try rows.decode((Int, String, Double, String?).self)
                guard tuples.count == 2, tuples[0] == (1, "Ada", 2.5, "ace"), tuples[1] == (2, "Grace", -1e300, nil) else {
                    throw fail("tuples", "decoded \(tuples)")
                }
                let players = try rows.decode(Player.self, keys: .convertFromSnakeCase)
                let expected = [
                    Player(id: 1, displayName: "Ada", score: 2.5, nickname: "ace", missing: nil),
                    Player(id: 2, displayName: "Grace", score: -1e300, nickname: nil, missing: nil),
                ]
                guard players == expected else { throw fail("Decodable", "decoded \(players), expected \(expected)") }
                let one = try await pool.query("SELECT display_name FROM \(identifier: table) WHERE id = \(2)")
                guard try one.decode(String.self) == ["Grace"], try one.scalar(String.self) == "Grace" else {
                    throw fail("single column", "decoded \(one.rows.map(\.values))")
                }
            }
        }
    }

    func decodingErrorsName() async throws {
        try await withPool { pool in
            try await withTable(pool, columns: "id INTEGER, display_name VARCHAR(50)") { table in
                try await pool.execute("INSERT INTO \(identifier: table) VALUES (\(1), \(nil as String?))")
                let rows = try await pool.query("SELECT id, display_name FROM \(identifier: table)")
                func message(_ body: () throws -> Void) -> String {
                    do {
                        try body()
                        return ""
                    } catch {
                        return "\(error)"
                    }
                }
                let tuple = message { _ = try rows.decode((Int, String).self) }
                let record = message { _ = try rows.decode(Player.self, keys: .convertFromSnakeCase) }
                guard let sqlType = rows.rows[0].sqlType(at: 1), !sqlType.isEmpty else {
                    throw fail("errors", "the driver gives no SQL type for a VARCHAR column")
                }
                for text in [tuple, record] {
                    guard text.contains("display_name"), text.contains(sqlType), text.contains("Swift type String"),
                        text.contains("NULL")
                    else {
                        throw fail("errors", "the message does not name the column, its SQL type (\(sqlType)) and the Swift type: \(text)")
                    }
                }
                let arity = message { _ = try rows.decode((Int, String?, Int).self) }
                guard arity.contains("2 columns"), arity.contains("3 elements") else {
                    throw fail("errors", "a tuple of the wrong size is not explained: \(arity)")
                }
            }
        }
    }

    // MARK: Transactions

    struct Rollback: Error {}

    // The checks below look at the table on the same connection, before it goes back to the pool:
    // the pool's own rollback on release must not be what makes them pass.

    func transactionCommitsAndRollsBack() async throws {
        try await withPool { pool in
            try await withTable(pool, columns: "id INTEGER") { table in
                try await pool.withConnection { connection in
                    let committed = try await connection.withTransaction { connection in
                        try await connection.execute("INSERT INTO \(identifier: table) VALUES (\(1))")
                        return "done"
                    }
                    do {
                        try await connection.withTransaction { connection in
                            try await connection.execute("INSERT INTO \(identifier: table) VALUES (\(2))")
                            throw Rollback()
                        }
                        throw fail("rollback", "the error thrown in the transaction was not rethrown")
                    } catch is Rollback {}
                    let ids = try await connection.query("SELECT id FROM \(identifier: table) ORDER BY id").decode(Int.self)
                    guard committed == "done", ids == [1] else {
                        throw fail("transaction", "after a committed and a rolled-back transaction the session sees \(ids), not [1]")
                    }
                }
                // Committed: another session sees it.
                let elsewhere = try await pool.query("SELECT id FROM \(identifier: table)").decode(Int.self)
                guard elsewhere == [1] else { throw fail("commit", "after the commit the table holds \(elsewhere), not [1]") }
            }
        }
    }

    func transactionsNest() async throws {
        try await withPool { pool in
            try await withTable(pool, columns: "id INTEGER") { table in
                try await pool.withConnection { connection in
                    try await connection.withTransaction { connection in
                        try await connection.execute("INSERT INTO \(identifier: table) VALUES (\(1))")
                        do {
                            try await connection.withTransaction { inner in
                                try await inner.execute("INSERT INTO \(identifier: table) VALUES (\(2))")
                                try await inner.withTransaction { innermost in
                                    try await innermost.execute("INSERT INTO \(identifier: table) VALUES (\(3))")
                                }
                                throw Rollback()
                            }
                        } catch is Rollback {}
                        try await connection.withTransaction { inner in
                            try await inner.execute("INSERT INTO \(identifier: table) VALUES (\(4))")
                        }
                        let inside = try await connection.query("SELECT id FROM \(identifier: table) ORDER BY id").decode(Int.self)
                        guard inside == [1, 4] else {
                            throw fail("savepoints", "inside the transaction the rolled-back savepoint (2, and 3 inside it) or the released one (4) went wrong: \(inside)")
                        }
                    }
                }
                let ids = try await pool.query("SELECT id FROM \(identifier: table) ORDER BY id").decode(Int.self)
                guard ids == [1, 4] else { throw fail("savepoints", "after the commit the table holds \(ids), not [1, 4]") }
            }
        }
    }

    func cancelledTransactionRollsBack() async throws {
        try await withPool(maxConnections: 1) { pool in
            try await withTable(pool, columns: "id INTEGER") { table in
                try await pool.withConnection { connection in
                    let (inserted, insertedSignal) = AsyncStream<Void>.makeStream()
                    let task = Task {
                        try await connection.withTransaction { connection in
                            try await connection.execute("INSERT INTO \(identifier: table) VALUES (\(1))")
                            insertedSignal.yield()
                            // Waits until cancelled.
                            try await Task.sleep(for: .seconds(3600))
                        }
                    }
                    var signals = inserted.makeAsyncIterator()
                    _ = await signals.next()
                    task.cancel()
                    guard case .failure(let error) = await task.result, error is CancellationError else {
                        throw fail("cancellation", "the cancelled transaction did not end with CancellationError")
                    }
                    let rows = try await count(table, on: connection)
                    guard rows == 0 else { throw fail("cancellation", "the cancelled transaction's row is there: \(rows) rows") }
                    // A body that returns after its task was cancelled is rolled back too.
                    let late = Task {
                        try await connection.withTransaction { connection in
                            try await connection.execute("INSERT INTO \(identifier: table) VALUES (\(2))")
                            withUnsafeCurrentTask { $0?.cancel() }
                        }
                    }
                    guard case .failure(let lateError) = await late.result, lateError is CancellationError else {
                        throw fail("cancellation", "a transaction whose task was cancelled before it returned was not refused")
                    }
                    let after = try await count(table, on: connection)
                    guard after == 0 else { throw fail("cancellation", "the late-cancelled transaction's row is there: \(after) rows") }
                    // The connection is still good for the next transaction.
                    try await connection.withTransaction { try await $0.execute("INSERT INTO \(identifier: table) VALUES (\(3))") }
                }
                let ids = try await pool.query("SELECT id FROM \(identifier: table)").decode(Int.self)
                guard ids == [3] else { throw fail("cancellation", "after the cancelled transactions the table holds \(ids), not [3]") }
            }
        }
    }

    func noTransactionAfterRelease() async throws {
        try await withPool(maxConnections: 1) { pool in
            try await withTable(pool, columns: "id INTEGER") { table in
                // A borrower that begins a transaction by hand and gives the connection back inside it.
                try await pool.withConnection { connection in
                    for statement in try connection.sqlDialect.beginStatementsForTests() {
                        try await connection.execute(unsafeSQL: statement)
                    }
                    try await connection.execute("INSERT INTO \(identifier: table) VALUES (\(1))")
                }
                // A borrower whose body escapes withTransaction by throwing.
                do {
                    try await pool.withConnection { connection in
                        try await connection.withTransaction { inside in
                            try await inside.execute("INSERT INTO \(identifier: table) VALUES (\(2))")
                            throw Rollback()
                        }
                    }
                } catch is Rollback {}
                // The pool holds one connection: the same session. Were it still inside the
                // transaction, it would see its own rows (and MariaDB's START TRANSACTION would commit them).
                let seen = try await pool.withConnection { connection in
                    try await connection.withTransaction { try await count(table, on: $0) }
                }
                guard seen == 0 else { throw fail("release", "the next borrower sees \(seen) uncommitted rows: the transaction stayed open") }
                let statistics = pool.statistics
                guard statistics.created == 1 else {
                    throw fail("release", "the pool opened \(statistics.created) connections, so the same session was not checked")
                }
            }
        }
    }

    func isolationLevels() async throws {
        try await withPool { pool in
            let dialect = try await pool.withConnection { $0.sqlDialect }
            for level in TransactionIsolation.allCases {
                do {
                    let inside = try await pool.withTransaction(isolation: level) { connection in
                        try await connection.query("SELECT \(1)").scalar(Int.self)
                    }
                    guard inside == 1 else { throw fail("isolation", "the transaction at \(level) returned \(String(describing: inside))") }
                    guard dialect.transactionStart != .serializableOnly || level == .serializable else {
                        throw fail("isolation", "\(level.rawValue) was accepted on an engine whose transactions are all serializable")
                    }
                } catch let error as PoolKitError where error.code == .unsupported {
                    guard dialect.transactionStart == .serializableOnly, level != .serializable else { throw error }
                }
            }
            do {
                try await pool.withTransaction(isolation: .serializable) { connection in
                    try await connection.withTransaction(isolation: .readCommitted) { _ in }
                }
                throw fail("isolation", "a nested transaction changed the isolation level")
            } catch let error as PoolKitError where error.code == .usage {}
        }
    }
}

extension SQLDialect {
    /// The statements a borrower would use to begin a transaction by hand.
    func beginStatementsForTests() throws -> [String] {
        transactionStart == .setIsolationThenStart ? ["START TRANSACTION"] : ["BEGIN"]
    }
}
