import Logging
import PoolKitPostgres

/// The accounts in PostgreSQL through PoolKit's typed pool: every value bound by interpolation,
/// rows decoded by column name, the transfer in one transaction.
public struct PoolKitAccountStore: AccountStore {
    public let pool: DatabasePool<PostgresDriver>
    let logger: Logger

    public init(pool: DatabasePool<PostgresDriver>, logger: Logger) {
        self.pool = pool
        self.logger = logger
    }

    public func prepareSchema() async throws {
        try await translatingErrors {
            try await pool.withTransaction { connection in
                // Two instances starting at once would race on CREATE TABLE IF NOT EXISTS (both
                // see no table, one fails on the catalog's unique index): the lock serializes them.
                try await connection.execute("SELECT pg_advisory_xact_lock(\(Self.schemaLockKey))")
                try await connection.execute("""
                    CREATE TABLE IF NOT EXISTS accounts (
                        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                        owner text NOT NULL,
                        balance bigint NOT NULL CHECK (balance >= 0)
                    )
                    """)
            }
        }
    }

    /// An arbitrary key for `pg_advisory_xact_lock`, the same in every instance of the app.
    static let schemaLockKey = 7_316_001

    public func create(owner: String, balance: Int) async throws -> Account {
        try await translatingErrors {
            let rows = try await pool.query(
                "INSERT INTO accounts (owner, balance) VALUES (\(owner), \(balance)) RETURNING id, owner, balance")
            return try rows.decode(Account.self)[0]
        }
    }

    public func account(id: Int) async throws -> Account? {
        try await translatingErrors {
            try await pool.query("SELECT id, owner, balance FROM accounts WHERE id = \(id)").decode(Account.self).first
        }
    }

    public func accounts(after: Int, limit: Int) async throws -> [Account] {
        try await translatingErrors {
            try await pool.query(
                "SELECT id, owner, balance FROM accounts WHERE id > \(after) ORDER BY id LIMIT \(limit)"
            ).decode(Account.self)
        }
    }

    public func transfer(amount: Int, from: Int, to: Int) async throws -> TransferReceipt {
        try await translatingErrors {
            try await pool.withTransaction { connection in
                // Both rows locked in id order, so two opposite transfers cannot deadlock.
                let locked = try await connection.query(
                    "SELECT id, owner, balance FROM accounts WHERE id IN (\(from), \(to)) ORDER BY id FOR UPDATE"
                ).decode(Account.self)
                guard var source = locked.first(where: { $0.id == from }) else { throw AccountsError.accountNotFound(from) }
                guard var target = locked.first(where: { $0.id == to }) else { throw AccountsError.accountNotFound(to) }
                guard source.balance >= amount else {
                    throw AccountsError.insufficientFunds(account: from, balance: source.balance, amount: amount)
                }
                try await connection.execute("UPDATE accounts SET balance = balance - \(amount) WHERE id = \(from)")
                try await connection.execute("UPDATE accounts SET balance = balance + \(amount) WHERE id = \(to)")
                source.balance -= amount
                target.balance += amount
                return TransferReceipt(from: source, to: target)
            }
        }
    }

    public func checkHealth() async throws {
        try await translatingErrors {
            _ = try await pool.query("SELECT 1").scalar(Int.self)
        }
    }

    /// Runs `body`, turning the errors of a database that cannot be reached into
    /// ``AccountsError/unavailable`` (a 503 for the client, the detail in the log).
    func translatingErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PoolKitError where Self.meansUnavailable(error) {
            logger.warning("database unavailable", metadata: ["error": "\(error)"])
            throw AccountsError.unavailable
        }
    }

    /// Whether `error` says the database could not be reached, rather than that a statement was wrong.
    static func meansUnavailable(_ error: PoolKitError) -> Bool {
        switch error.code {
        case .connectionFailed, .connectionClosed, .acquireTimeout, .tooManyWaiters, .poolShutdown:
            return true
        case .statementFailed:
            // SQLSTATE class 08 (connection exception) and 57P01–57P03 (the server shutting down
            // or starting up).
            guard let sqlState = error.engineCode else { return false }
            return sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(sqlState)
        default:
            return false
        }
    }
}
