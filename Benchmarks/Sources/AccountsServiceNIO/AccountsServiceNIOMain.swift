import AccountsAPI
import Foundation
import Hummingbird
import Logging
import PostgresNIO

/// The example's `GET /accounts/:id` with postgres-nio's `PostgresClient` in place of PoolKit's
/// pool, for `scripts/bench-webapp.sh`. Everything else is the example's own code: the same
/// settings (`DATABASE_URL`, `HOST`, `PORT`, `LOG_LEVEL`), middleware, metrics and route. The
/// client gets as many connections as the URL's `pool_max` (default 8, as the example); other
/// URL options are PoolKit's and are ignored here. TLS is off, as on the test servers. The
/// `accounts` table must exist (the PoolKit app creates it).
@main
struct AccountsServiceNIOMain {
    static func main() async {
        let settings = AccountsApplication.settingsOrExit()
        let registry = AccountsApplication.bootstrapObservability(settings: settings)
        let logger = Logger(label: "accounts-nio")
        do {
            let client = PostgresClient(configuration: try configuration(url: settings.databaseURL), backgroundLogger: logger)
            let router = AccountsApplication.router(registry: registry)
            AccountLookupRoute(lookup: PostgresNIOAccountLookup(client: client)).add(to: router)
            let app = AccountsApplication.application(router: router, settings: settings, services: [client], logger: logger)
            try await app.runService()
        } catch {
            logger.critical("AccountsServiceNIO stopped", metadata: ["error": "\(error)"])
            exit(1)
        }
    }

    static func configuration(url: String) throws -> PostgresClient.Configuration {
        guard let parts = URLComponents(string: url), let host = parts.host, let user = parts.user else {
            throw ServiceSettings.Invalid(description: "DATABASE_URL needs a host and a user: postgres://user:password@host:port/db")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: parts.port ?? 5432, username: user, password: parts.password,
            database: parts.path.isEmpty ? nil : String(parts.path.dropFirst()), tls: .disable)
        let poolMax = parts.queryItems?.first { $0.name == "pool_max" }?.value.flatMap { Int($0) } ?? 8
        configuration.options.maximumConnections = poolMax
        return configuration
    }
}
