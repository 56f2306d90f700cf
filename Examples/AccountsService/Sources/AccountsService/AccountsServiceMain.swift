import AccountsAPI
import Foundation
import Hummingbird
import Logging
import PoolKitPostgres

/// Serves the accounts API (see `AccountRoutes`) until SIGTERM or SIGINT, then shuts down
/// gracefully: the HTTP server stops accepting and finishes the requests in flight, and only then
/// does the pool close its connections (the application's `ServiceGroup` stops its services in
/// reverse order, and the pool comes before the server).
@main
struct AccountsServiceMain {
    static func main() async {
        let settings = AccountsApplication.settingsOrExit()
        let registry = AccountsApplication.bootstrapObservability(settings: settings)
        let logger = Logger(label: "accounts")
        do {
            var configuration = PoolConfiguration()
            configuration.name = "accounts"
            configuration.maxConnections = 8
            // The URL's own pool options (pool_max=…, acquire_timeout=…) override these.
            let pool = try DatabasePool(
                driver: PostgresDriver(), url: ConnectionURL(settings.databaseURL),
                configuration: configuration, logger: Logger(label: "accounts.pool"))
            let store = PoolKitAccountStore(pool: pool, logger: logger)

            let router = AccountsApplication.router(registry: registry)
            AccountRoutes(store: store).add(to: router)
            var app = AccountsApplication.application(router: router, settings: settings, services: [pool], logger: logger)
            app.beforeServerStarts {
                // Runs inside the ServiceGroup, with the pool's run() started beside it.
                try await store.prepareSchema()
                logger.info("schema ready")
            }
            try await app.runService()
        } catch {
            // PoolKit's errors never carry the password, and the URL is not logged.
            logger.critical("AccountsService stopped", metadata: ["error": "\(error)"])
            exit(1)
        }
    }
}
