import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// What every accounts service shares around its routes: logs through swift-log to stderr at the
/// configured level, metrics through swift-metrics into a Prometheus registry served at
/// `GET /metrics`, Hummingbird's request metrics and request log middleware, and a `listening`
/// log line that names the port (so `PORT=0` can be used by scripts).
public enum AccountsApplication {
    /// Bootstraps swift-log and swift-metrics for the process (once, before anything logs) and
    /// returns the registry `GET /metrics` reads.
    public static func bootstrapObservability(settings: ServiceSettings) -> PrometheusCollectorRegistry {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = settings.logLevel
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// A router with the shared middleware and `GET /metrics`; the caller adds its routes.
    public static func router(registry: PrometheusCollectorRegistry) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: LogRequestsMiddleware(.debug))
        router.add(middleware: MetricsMiddleware())
        MetricsRoute(registry: registry).add(to: router)
        return router
    }

    /// The application listening where `settings` say, with `services` (a database pool) in its
    /// `ServiceGroup` ahead of the HTTP server, so that on SIGTERM the server drains its requests
    /// before the pool closes.
    public static func application(
        router: Router<BasicRequestContext>, settings: ServiceSettings, services: [any Service], logger: Logger
    ) -> Application<RouterResponder<BasicRequestContext>> {
        Application(
            router: router,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "AccountsService"),
            services: services,
            onServerRunning: { channel in
                logger.notice("listening", metadata: ["host": "\(settings.host)", "port": "\(channel.localAddress?.port ?? 0)"])
            },
            logger: logger)
    }

    /// Reads the settings from the environment, or ends the process with status 2 and one line
    /// on stderr that says what is wrong.
    public static func settingsOrExit() -> ServiceSettings {
        do {
            return try ServiceSettings(environment: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("\(CommandLine.arguments.first ?? "service"): \(error)\n".utf8))
            exit(2)
        }
    }
}
