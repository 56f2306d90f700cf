import Foundation
import PoolKitConformance
import PoolKitPostgres
import Testing

// The Swift examples of README.md and docs/, compiled here word for word (the first test below
// fails when a block in the docs is not in this file) and run against the PostgreSQL test server.

// MARK: README.md, "The library"

struct Account: Decodable {
    var id: Int
    var owner: String
    var balance: Int
}

struct InsufficientFunds: Error {
    var account: Int
    var balance: Int
}

func transfer(_ amount: Int, from: Int, to: Int, databaseURL: String) async throws -> [Account] {
    // A pool typed by its driver lends that driver's connection: here PostgresConnection.
    let pool = try DatabasePool(driver: PostgresDriver(), url: ConnectionURL(databaseURL))
    return try await pool.withRunning {          // or add `pool` to a ServiceGroup: it is a Service
        // Committed when the closure returns; rolled back on a throw or a cancelled task.
        try await pool.withTransaction(isolation: .serializable) { connection in
            // Every \(value) is a bound parameter ($1, $2 on PostgreSQL; ? on MariaDB and SQLite).
            let rows = try await connection.query("SELECT id, balance FROM accounts WHERE id IN (\(from), \(to))")
            for (id, balance) in try rows.decode((Int, Int).self) where id == from && balance < amount {
                throw InsufficientFunds(account: id, balance: balance)
            }
            try await connection.execute("UPDATE accounts SET balance = balance - \(amount) WHERE id = \(from)")
            try await connection.execute("UPDATE accounts SET balance = balance + \(amount) WHERE id = \(to)")
        }
        // Decodable types, by column name.
        return try await pool.query("SELECT id, owner, balance FROM accounts ORDER BY id").decode(Account.self)
    }
}

// MARK: docs/queries.md

func countOrders(databaseURL: String, customer: Int) async throws -> Int {
    let pool = try DatabasePool(driver: PostgresDriver(), url: ConnectionURL(databaseURL))
    return try await pool.withRunning {
        try await pool.withConnection { connection in
            // `connection` is a PostgresConnection: its own API (COPY, TLS details, …) is there too.
            try await connection.query("SELECT count(*) FROM orders WHERE customer = \(customer)").scalar(Int.self) ?? 0
        }
    }
}

func search(_ connection: some DatabaseConnection, table: String, name: String, newestFirst: Bool) async throws -> [Int] {
    let order: SQLQuery = newestFirst ? "ORDER BY id DESC" : "ORDER BY id"
    let rows = try await connection.query("SELECT id FROM \(identifier: table) WHERE name = \(name) \(order)")
    return try rows.decode(Int.self)
}

func move(_ amount: Int, from: Int, to: Int, in pool: DatabasePool<PostgresDriver>) async throws {
    try await pool.withTransaction(isolation: .repeatableRead) { connection in
        try await connection.execute("UPDATE accounts SET balance = balance - \(amount) WHERE id = \(from)")
        try await connection.withTransaction { connection in   // a savepoint
            try await connection.execute("INSERT INTO transfers (source, target, amount) VALUES (\(from), \(to), \(amount))")
        }
        try await connection.execute("UPDATE accounts SET balance = balance + \(amount) WHERE id = \(to)")
    }
}

func totalPaid(on connection: some DatabaseConnection, since day: SQLCalendarDate) async throws -> Int {
    var total = 0
    for try await row in connection.stream("SELECT amount FROM payments WHERE day >= \(day)") {
        total += try row.decode(Int.self, at: 0)
    }
    return total
}

// MARK: Tests

@Suite("Documentation examples")
struct DocumentationExamplesTests {
    /// The repository's root, from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Lines trimmed, blank lines and imports dropped: what must match between a doc and this file.
    static func normalized(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("import ") }
    }

    @Test("every Swift block in README.md and docs/ is compiled in this file, word for word")
    func docsMatchCompiledExamples() throws {
        let compiled = Self.normalized(try String(contentsOfFile: #filePath, encoding: .utf8)).joined(separator: "\n")
        let docs = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.map { "docs/" + $0 } + ["README.md"]
        var blocks = 0
        for doc in docs.sorted() {
            let text = try String(contentsOf: Self.root.appendingPathComponent(doc), encoding: .utf8)
            for block in text.components(separatedBy: "```swift\n").dropFirst() {
                let code = block.components(separatedBy: "```").first ?? ""
                let lines = Self.normalized(code)
                blocks += 1
                #expect(compiled.contains(lines.joined(separator: "\n")), "a Swift block of \(doc) is not compiled by this test: \(lines.first ?? "")")
            }
        }
        #expect(blocks >= 4, "found only \(blocks) Swift blocks in the docs")
    }

    /// How a line of Swift begins, as the first line of an example does.
    static let swiftStarts = ["import ", "struct ", "final class ", "class ", "enum ", "extension ", "func ", "let ", "var ", "try await "]

    @Test("no Swift example in README.md or docs/ hides in a block not marked swift, where the test above would not see it")
    func swiftBlocksAreMarked() throws {
        let docs = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.map { "docs/" + $0 } + ["README.md"]
        for doc in docs.sorted() {
            let text = try String(contentsOf: Self.root.appendingPathComponent(doc), encoding: .utf8)
            var fence: String?  // the opening fence's language while inside a block
            var firstLine = true
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
                if line.hasPrefix("```") {
                    fence = fence == nil ? String(line.dropFirst(3)) : nil
                    firstLine = true
                    continue
                }
                guard let language = fence, firstLine, !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                firstLine = false
                #expect(
                    language == "swift" || !Self.swiftStarts.contains(where: line.hasPrefix),
                    "\(doc): a block marked '\(language)' starts like Swift, so it is not compiled: \(line)")
            }
        }
    }
}

@Suite(
    "Documentation examples on PostgreSQL",
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct DocumentationExamplesServerTests {
    func withAccounts(_ body: (ScratchDatabase) async throws -> Void) async throws {
        let database = try await ScratchDatabase.create("docs")
        do {
            try await database.execute(unsafeSQL: """
                CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance int NOT NULL);
                INSERT INTO accounts VALUES (1, 'ada', 100), (2, 'grace', 5);
                CREATE TABLE transfers (source int, target int, amount int);
                CREATE TABLE orders (id int, customer int);
                INSERT INTO orders VALUES (1, 7), (2, 7), (3, 8);
                CREATE TABLE payments (day date, amount int);
                INSERT INTO payments VALUES ('2025-01-01', 5), ('2025-02-01', 7), ('2025-03-01', 11);
                CREATE TABLE "odd ""names\"\"\" (id int, name text);
                INSERT INTO "odd ""names\"\"\" VALUES (1, 'x'), (2, 'x'), (3, 'y');
                """)
            try await body(database)
        } catch {
            await database.drop()
            throw error
        }
        await database.drop()
    }

    @Test("the README's transfer moves the amount, and refuses one the account cannot cover, changing nothing")
    func readmeTransfer() async throws {
        try await withAccounts { database in
            let after = try await transfer(30, from: 1, to: 2, databaseURL: database.libpqURL)
            #expect(after.map(\.balance) == [70, 35])
            #expect(after.map(\.owner) == ["ada", "grace"])
            await #expect(throws: InsufficientFunds.self) {
                _ = try await transfer(50, from: 2, to: 1, databaseURL: database.libpqURL)
            }
            let unchanged = try await database.query(unsafeSQL: "SELECT string_agg(balance::text, ',' ORDER BY id) FROM accounts")
            #expect(unchanged.scalar == "70,35")
        }
    }

    @Test("docs/queries.md: countOrders, search, move and totalPaid do what the page says")
    func queriesPage() async throws {
        try await withAccounts { database in
            #expect(try await countOrders(databaseURL: database.libpqURL, customer: 7) == 2)
            let pool = try DatabasePool(driver: PostgresDriver(), url: ConnectionURL(database.libpqURL))
            try await pool.withRunning {
                let ids = try await pool.withConnection { connection in
                    try await search(connection, table: "odd \"names\"", name: "x", newestFirst: true)
                }
                #expect(ids == [2, 1])
                try await move(10, from: 1, to: 2, in: pool)
                let balances = try await pool.query("SELECT balance FROM accounts ORDER BY id").decode(Int.self)
                #expect(balances == [90, 15])
                let transfers = try await pool.query("SELECT source, target, amount FROM transfers").decode((Int, Int, Int).self)
                #expect(transfers.count == 1 && transfers[0] == (1, 2, 10))
                let paid = try await pool.withConnection { try await totalPaid(on: $0, since: SQLCalendarDate(year: 2025, month: 2, day: 1)) }
                #expect(paid == 18)
            }
        }
    }
}
