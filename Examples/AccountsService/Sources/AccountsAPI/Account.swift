import Hummingbird

/// An account as the API shows it: `{"id": 1, "owner": "ada", "balance": 100}`.
public struct Account: Codable, Sendable, Equatable, ResponseEncodable {
    public var id: Int
    public var owner: String
    public var balance: Int

    public init(id: Int, owner: String, balance: Int) {
        self.id = id
        self.owner = owner
        self.balance = balance
    }
}

/// The body of `POST /accounts`: an owner's name and an opening balance (0 when left out).
public struct NewAccount: Decodable, Sendable {
    public var owner: String
    public var balance: Int?
}

/// The body of `POST /transfers`: move `amount` from one account to another.
public struct TransferRequest: Decodable, Sendable {
    public var from: Int
    public var to: Int
    public var amount: Int
}

/// The answer to a transfer: both accounts as the transfer left them.
public struct TransferReceipt: Codable, Sendable, ResponseEncodable {
    public var from: Account
    public var to: Account

    public init(from: Account, to: Account) {
        self.from = from
        self.to = to
    }
}

/// One page of `GET /accounts`, in id order; `next` is the `after` value that reads the next
/// page, absent on the last one.
public struct AccountPage: Codable, Sendable, ResponseEncodable {
    public var accounts: [Account]
    public var next: Int?
}
