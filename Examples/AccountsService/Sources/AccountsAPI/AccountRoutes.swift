import Hummingbird

/// The HTTP API over an ``AccountStore``:
///
/// | request | answer |
/// |---|---|
/// | `POST /accounts` `{"owner": "ada", "balance": 100}` | 201 and the account |
/// | `GET /accounts/:id` | 200 and the account; 404 when there is none |
/// | `GET /accounts?after=0&limit=20` | 200 and a page (`limit` 1…100) |
/// | `POST /transfers` `{"from": 1, "to": 2, "amount": 5}` | 200 and both accounts; 404, 409 (funds) |
/// | `GET /health` | 200 when the database answers, else 503 |
///
/// Input that is not valid gets 400 with a message that names the field.
public struct AccountRoutes<Store: AccountStore> {
    public let store: Store

    public init(store: Store) {
        self.store = store
    }

    /// The largest page `GET /accounts` returns, and the page when `limit` is not given.
    public static var maxPage: Int { 100 }
    public static var defaultPage: Int { 20 }

    public func add<Context: RequestContext>(to router: Router<Context>) {
        let store = self.store
        AccountLookupRoute(lookup: store).add(to: router)

        router.post("accounts") { request, context -> EditedResponse<Account> in
            let input = try await request.decode(as: NewAccount.self, context: context)
            let owner = input.owner.trimmingWhitespace()
            guard !owner.isEmpty, owner.count <= 200 else {
                throw AccountsError.invalidInput("owner must be 1 to 200 characters")
            }
            let balance = input.balance ?? 0
            guard balance >= 0 else { throw AccountsError.invalidInput("balance must not be negative") }
            let account = try await store.create(owner: owner, balance: balance)
            return EditedResponse(status: .created, headers: [.location: "/accounts/\(account.id)"], response: account)
        }

        router.get("accounts") { request, _ -> AccountPage in
            let parameters = request.uri.queryParameters
            let after = try Self.integer(parameters.get("after"), named: "after", default: 0, in: 0...Int.max)
            let limit = try Self.integer(parameters.get("limit"), named: "limit", default: Self.defaultPage, in: 1...Self.maxPage)
            let accounts = try await store.accounts(after: after, limit: limit)
            return AccountPage(accounts: accounts, next: accounts.count == limit ? accounts.last?.id : nil)
        }

        router.post("transfers") { request, context -> TransferReceipt in
            let transfer = try await request.decode(as: TransferRequest.self, context: context)
            guard transfer.amount > 0 else { throw AccountsError.invalidInput("amount must be positive") }
            guard transfer.from != transfer.to else { throw AccountsError.invalidInput("from and to must be different accounts") }
            return try await store.transfer(amount: transfer.amount, from: transfer.from, to: transfer.to)
        }

        router.get("health") { _, _ -> HTTPResponse.Status in
            try await store.checkHealth()
            return .ok
        }
    }

    /// A query parameter as an integer in `range`, `fallback` when absent; 400 otherwise.
    static func integer(_ text: String?, named name: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw AccountsError.invalidInput("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}

/// `GET /accounts/:id` alone, over any ``AccountLookup`` (the route a benchmark compares).
public struct AccountLookupRoute<Lookup: AccountLookup> {
    public let lookup: Lookup

    public init(lookup: Lookup) {
        self.lookup = lookup
    }

    public func add<Context: RequestContext>(to router: Router<Context>) {
        let lookup = self.lookup
        router.get("accounts/:id") { _, context -> Account in
            guard let id = context.parameters.get("id", as: Int.self) else {
                throw AccountsError.invalidInput("the account id must be an integer")
            }
            guard let account = try await lookup.account(id: id) else { throw AccountsError.accountNotFound(id) }
            return account
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(self.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
