import MetricsTestKit
import PoolKitConformance
import Testing

@testable import PoolKit

/// The pool's swift-metrics output, read from a test factory injected into the pool.
@Suite("Pool metrics", .timeLimit(.minutes(1)))
struct PoolMetricsTests {
    @Test("every lease records its acquire wait (waited or not) and its hold time; timeouts, closes and creations are counted")
    func metricsAreRecorded() async throws {
        let metrics = TestMetrics()
        let source = TestConnectionSource()
        let clock = ManualPoolClock()
        let configuration = machineConfiguration {
            $0.name = "metrics"
            $0.maxConnections = 1
            $0.timerResolution = .milliseconds(20)
        }
        let pool = try ConnectionPool(source: source, configuration: configuration, clock: clock, metricsFactory: metrics)
        try await pool.withRunning {
            let lease = try await pool.lease()
            clock.advance(by: .milliseconds(250))
            await pool.release(lease)
            try await pool.withConnection { _ in }  // the fast path: no wait
            let held = try await pool.lease()
            let waiter = Task { try await pool.lease(timeout: .seconds(1)) }
            #expect(await eventually { pool.statistics.waiting == 1 })
            clock.advance(by: .seconds(1))
            pool.handleTimers()
            _ = await waiter.result
            await pool.release(held, after: TestError.broken)
            await source.waitUntil { $0.closes == 1 }
        }
        let dimensions = [("pool", "metrics")]
        let acquire = try metrics.expectTimer("poolkit_pool_acquire_wait", dimensions)
        #expect(acquire.values.count == 3, "one per lease, waited or not")
        let hold = try metrics.expectTimer("poolkit_pool_lease_hold", dimensions)
        #expect(hold.values.count == 3)
        #expect(hold.values.first == 250_000_000)
        #expect(try metrics.expectCounter("poolkit_pool_acquire_timeouts_total", dimensions).values == [1])
        #expect(try metrics.expectCounter("poolkit_pool_connections_created_total", dimensions).values.reduce(0, +) == 1)
        let broken = try metrics.expectCounter("poolkit_pool_connections_closed_total", dimensions + [("reason", "broken")])
        #expect(broken.values.reduce(0, +) == 1)
    }
}
