import AccountsAPI
import PostgresNIO

/// `GET /accounts/:id` on postgres-nio's `PostgresClient`, written as its README shows: the
/// interpolated id is bound, the row decoded into a tuple.
struct PostgresNIOAccountLookup: AccountLookup {
    let client: PostgresClient

    func account(id: Int) async throws -> Account? {
        let rows = try await client.query("SELECT id, owner, balance FROM accounts WHERE id = \(id)")
        for try await (id, owner, balance) in rows.decode((Int, String, Int).self) {
            return Account(id: id, owner: owner, balance: balance)
        }
        return nil
    }
}
