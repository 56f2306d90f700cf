import Hummingbird

/// What the API answers when a request cannot be served, as an HTTP status and a JSON body
/// (`{"error": {"message": "…"}}`, Hummingbird's shape for `HTTPError`).
public enum AccountsError: Error, Sendable {
    case accountNotFound(Int)
    case insufficientFunds(account: Int, balance: Int, amount: Int)
    case invalidInput(String)
    /// The database did not answer (down, restarting, the pool's acquire timeout reached).
    /// The detail goes to the log, not to the client.
    case unavailable

    var httpError: HTTPError {
        switch self {
        case .accountNotFound(let id):
            HTTPError(.notFound, message: "no account with id \(id)")
        case .insufficientFunds(let account, let balance, let amount):
            HTTPError(.conflict, message: "account \(account) holds \(balance), less than the \(amount) to transfer")
        case .invalidInput(let message):
            HTTPError(.badRequest, message: message)
        case .unavailable:
            HTTPError(.serviceUnavailable, message: "the database is unavailable; try again shortly")
        }
    }
}

extension AccountsError: HTTPResponseError {
    public var status: HTTPResponse.Status { httpError.status }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try httpError.response(from: request, context: context)
    }
}
