import Hummingbird
import Prometheus

/// `GET /metrics`: every swift-metrics instrument of the process (Hummingbird's request counters
/// and timers, PoolKit's pool gauges and counters) in Prometheus's text format, for a scraper.
public struct MetricsRoute {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    public func add<Context: RequestContext>(to router: Router<Context>) {
        let registry = self.registry
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }
}
