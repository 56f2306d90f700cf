import MetricsTestKit
import PoolKitConformance
import Synchronization
import Testing

@testable import PoolKit

/// The pool's swift-metrics output, read from a test factory injected into the pool.
@Suite("Pool metrics", .timeLimit(.minutes(1)))
struct PoolMetricsTests {
    /// A pool of one connection over a scripted source and a manual clock, recording into a test
    /// metrics factory.
    func makePool(name: String, _ modify: (inout PoolConfiguration) -> Void = { _ in }) throws
        -> (ConnectionPool<TestConnectionSource>, TestConnectionSource, ManualPoolClock, TestMetrics)
    {
        let (metrics, source, clock) = (TestMetrics(), TestConnectionSource(), ManualPoolClock())
        let configuration = machineConfiguration {
            $0.name = name
            $0.maxConnections = 1
            $0.timerResolution = .milliseconds(20)
            modify(&$0)
        }
        return (try ConnectionPool(source: source, configuration: configuration, clock: clock, metricsFactory: metrics), source, clock, metrics)
    }

    @Test("every lease records its acquire wait (waited or not) and its hold time; timeouts, closes and creations are counted")
    func metricsAreRecorded() async throws {
        let (pool, source, clock, metrics) = try makePool(name: "metrics")
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

    @Test("a lease whose deadline passes while its checkout validation hangs is counted as a timeout, not as a lease")
    func validationTimeoutIsATimeout() async throws {
        let (pool, source, clock, metrics) = try makePool(name: "validation-timeout") {
            $0.validationBypassWindow = .zero
            $0.validationTimeout = .seconds(60)
        }
        try await pool.withRunning {
            try await pool.withConnection { _ in }
            clock.advance(by: .seconds(1))  // past the bypass window: the next lease validates
            source.hangNextValidation()
            // A zero timeout: the deadline is the instant of the lease, so the hung validation is
            // cut off at once and the lease fails with an acquire timeout.
            let error = try await #require(throws: PoolKitError.self) { try await pool.withConnection(timeout: .zero) { _ in } }
            #expect(error.code == .acquireTimeout)
            #expect(error.message.contains("did not answer its validation"), "\(error.message)")
            let statistics = pool.statistics
            #expect(statistics.timeouts == 1)
            #expect(statistics.leases == 1, "only the first lease was granted")
            #expect(statistics.closed["validation_failed"] == 1)
            source.releaseHungValidations()
        }
        let dimensions = [("pool", "validation-timeout")]
        #expect(try metrics.expectCounter("poolkit_pool_acquire_timeouts_total", dimensions).values == [1])
        #expect(try metrics.expectTimer("poolkit_pool_acquire_wait", dimensions).values.count == 1, "one wait per granted lease")
    }

    @Test("a lease whose beforeLease hook throws counts as a lease failure: no acquire wait, no hold time, its connection closed as hook_failed")
    func failedHookIsALeaseFailure() async throws {
        let metrics = TestMetrics()
        let failures = Mutex(1)
        let hooks = PoolHooks<TestConnection>(beforeLease: { _ in
            if failures.withLock({ left in defer { left -= 1 }; return left > 0 }) { throw TestError.statement }
        })
        let configuration = machineConfiguration {
            $0.name = "hook-failure"
            $0.maxConnections = 1
            $0.timerResolution = .milliseconds(20)
        }
        let source = TestConnectionSource()
        let pool = try ConnectionPool(
            source: source, configuration: configuration, hooks: hooks, clock: ManualPoolClock(), metricsFactory: metrics)
        try await pool.withRunning {
            await #expect(throws: TestError.statement) { try await pool.withConnection { _ in } }
            await source.waitUntil { $0.closes == 1 }
            try await pool.withConnection { _ in }
        }
        let dimensions = [("pool", "hook-failure")]
        #expect(try metrics.expectCounter("poolkit_pool_lease_failures_total", dimensions).values == [1])
        #expect(try metrics.expectTimer("poolkit_pool_acquire_wait", dimensions).values.count == 1, "one wait per granted lease")
        #expect(try metrics.expectTimer("poolkit_pool_lease_hold", dimensions).values.count == 1)
        let hookFailed = try metrics.expectCounter("poolkit_pool_connections_closed_total", dimensions + [("reason", "hook_failed")])
        #expect(hookFailed.values.reduce(0, +) == 1)
        #expect(try metrics.expectCounter("poolkit_pool_acquire_timeouts_total", dimensions).values.isEmpty)
    }

    @Test("the gauges follow every change of the pool's counts, with no timer tick in between")
    func gaugesFollowEveryChange() async throws {
        let metrics = TestMetrics()
        let configuration = machineConfiguration {
            $0.name = "gauges"
            $0.maxConnections = 1
            $0.timerResolution = .seconds(3600)  // no tick during the test: only changes record
        }
        let pool = try ConnectionPool(
            source: TestConnectionSource(), configuration: configuration, clock: ManualPoolClock(), metricsFactory: metrics)
        let dimensions = [("pool", "gauges")]
        @Sendable func gauge(_ name: String) -> Double? {
            try? metrics.expectGauge("poolkit_pool_\(name)", dimensions).lastValue
        }
        try await pool.withRunning {
            let lease = try await pool.lease()
            #expect(gauge("connections_open") == 1)
            #expect(gauge("connections_leased") == 1)
            let waiter = Task { try await pool.lease() }
            #expect(await eventually { gauge("waiters") == 1 })
            waiter.cancel()
            _ = await waiter.result
            #expect(gauge("waiters") == 0)
            await pool.release(lease)
            #expect(gauge("connections_leased") == 0)
            #expect(gauge("connections_idle") == 1)
            try await pool.withConnection { _ in
                #expect(gauge("connections_idle") == 0)
                #expect(gauge("connections_leased") == 1)
            }
            #expect(gauge("connections_idle") == 1)
        }
        #expect(gauge("connections_open") == 0, "shutdown closed the connection")
    }
}
