/// Reading one account by id: all that `GET /accounts/:id` needs, so that an app on another
/// client (postgres-nio's, for a benchmark) can serve that route through the same code.
public protocol AccountLookup: Sendable {
    /// The account, or `nil` when no account has this id.
    func account(id: Int) async throws -> Account?
}

/// Where the accounts live. Errors the client caused are ``AccountsError``s; a database that
/// cannot be reached is ``AccountsError/unavailable``.
public protocol AccountStore: AccountLookup {
    /// Creates the table if it is missing; running it again changes nothing.
    func prepareSchema() async throws
    /// Inserts an account and returns it with its new id.
    func create(owner: String, balance: Int) async throws -> Account
    /// Up to `limit` accounts with an id above `after`, in id order.
    func accounts(after: Int, limit: Int) async throws -> [Account]
    /// Moves `amount` from one account to the other in one transaction: both change or neither.
    func transfer(amount: Int, from: Int, to: Int) async throws -> TransferReceipt
    /// Throws when the database cannot answer a trivial query.
    func checkHealth() async throws
}
