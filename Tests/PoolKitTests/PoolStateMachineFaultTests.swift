import Testing

@testable import PoolKit

/// The state machine's answers to the faults of issue 9: failover (soft eviction), a shutdown
/// deadline that nothing outlives, deadlines the timer can wake at, the lease's own timeout in
/// its message, a server that came back during a long backoff.
@Suite("PoolStateMachine faults")
struct PoolStateMachineFaultTests {
    let refused = PoolKitError(.connectionFailed, "connect failed: connection refused")

    /// A machine with `count` idle connections, ids 0..<count, opened at 0 ms.
    func machine(idle count: Int, _ modify: (inout PoolConfiguration) -> Void = { _ in }) -> Machine {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.minConnections = count
                $0.maxConcurrentConnects = max(count, 2)
                modify(&$0)
            }, seed: 1)
        _ = machine.start(now: ms(0))
        for id in 0..<count { _ = machine.establish(id, at: ms(0)) }
        return machine
    }

    @Test("a read-only error closes its connection and every older idle one now, older leased ones on release; newer ones stay")
    func failoverSoftEvicts() throws {
        var machine = machine(idle: 3) { $0.maxConnections = 5 }
        let leaseA = machine.leaseIdle(now: ms(10), location: "A")
        let leaseB = machine.leaseIdle(now: ms(10), location: "B")
        let a = try #require(leaseA)
        let b = try #require(leaseB)
        let actions = machine.released(a.1, outcome: .failover, now: ms(20))
        #expect(actions.closes.map(\.id).sorted() == [a.1, 0].sorted())
        #expect(actions.closes.first { $0.id == a.1 }?.reason == .readOnly)
        #expect(actions.closes.first { $0.id == 0 }?.reason == .evicted)
        #expect(actions.opens.count == 2, "the floor of 3 is refilled")
        for id in actions.opens { _ = machine.establish(id, at: ms(30)) }
        // The older leased one closes when it comes back, even though its borrower had no error.
        let back = machine.released(b.1, outcome: .reusable, now: ms(40))
        #expect(back.closes.map(\.id) == [b.1])
        #expect(back.closes.first?.reason == .evicted)
        // Connections opened after the failover are kept.
        let freshLease = machine.leaseIdle(now: ms(50), location: "C")
        let fresh = try #require(freshLease)
        #expect(fresh.1 >= 3)
        #expect(machine.released(fresh.1, outcome: .reusable, now: ms(60)).closes.isEmpty)
        #expect(machine.counters.closed[.evicted] == 2)
        #expect(machine.counters.closed[.readOnly] == 1)
    }

    @Test("softEvict closes idle connections now, a connection being checked when its check ends, and keeps later ones")
    func softEvictAll() throws {
        var machine = machine(idle: 2) { $0.healthCheckPeriod = .seconds(10) }
        // Connection 1 is checked (idle for the whole period, less up to 10 % jitter).
        let checks = machine.timersFired(now: ms(10_000)).checks
        #expect(checks.count == 2)
        let checked = try #require(checks.first)
        _ = machine.healthCheckFinished(checked, healthy: true, now: ms(10_001))
        let stillChecking = try #require(checks.last)
        let actions = machine.softEvict(createdAtOrBefore: ms(10_002), now: ms(10_002))
        #expect(actions.closes.map(\.id) == [checked])
        #expect(actions.closes.first?.reason == .evicted)
        let after = machine.healthCheckFinished(stillChecking, healthy: true, now: ms(10_003))
        #expect(after.closes.map(\.id) == [stillChecking])
        #expect(after.closes.first?.reason == .evicted)
    }

    @Test("at the shutdown deadline connections being checked are cancelled and closed, connects in flight abandoned, and the pool is shut down")
    func shutdownDeadlineCoversEveryState() throws {
        var machine = machine(idle: 1) {
            $0.healthCheckPeriod = .seconds(1)
            $0.maxConnections = 3
        }
        #expect(machine.timersFired(now: ms(1_000)).checks == [0])
        _ = machine.enqueue(0, at: ms(1_000))  // opens connection 1
        #expect(machine.opening == 1)
        let leased = machine.enqueue(1, at: ms(1_000))
        #expect(leased?.opens == [2])
        _ = machine.shutdown(now: ms(1_001), deadline: ms(2_000))
        #expect(!machine.isShutDown)
        let actions = machine.timersFired(now: ms(2_000))
        #expect(actions.statementCancels == [0])
        #expect(actions.closes.map(\.id) == [0])
        #expect(machine.isShutDown)
        // A connect that lands after the deadline is closed at once and changes no count.
        let late = machine.establish(1, at: ms(3_000))
        #expect(late.closes.map(\.id) == [1])
        #expect(machine.connectFailed(2, error: refused, permanent: false, now: ms(3_000)).isEmpty)
        #expect(machine.opening == 0)
    }

    @Test("the next deadline is a waiter's own deadline, so its timeout fires at it and says the lease's own timeout")
    func waiterDeadlineAndMessage() throws {
        var machine = machine(idle: 0) { $0.maxConnections = 1 }
        _ = machine.enqueue(0, at: ms(0))
        _ = machine.establish(0, at: ms(0))
        guard case .enqueued = machine.leaseRequested(1, now: ms(100), deadline: ms(1_100), timeout: .seconds(1), location: "A") else {
            Issue.record("the request was not queued")
            return
        }
        #expect(machine.nextDeadline() == ms(1_100))
        #expect(machine.takeNewDeadline() == ms(1_100))
        #expect(machine.timersFired(now: ms(1_099)).failures.isEmpty)
        let failure = try #require(machine.timersFired(now: ms(1_100)).failures.first)
        #expect(failure.error.message.contains("within 1s ("), "\(failure.error.message)")
        #expect(!failure.error.message.contains("30s"))
    }

    @Test("after a long backoff a new lease probes at once when no connect is in flight; leases meanwhile do not hammer")
    func newLeaseProbesDuringBackoff() throws {
        var machine = machine(idle: 0) {
            $0.connectBackoff = .milliseconds(100)
            $0.maxConnectBackoff = .seconds(10)
        }
        // Failures grow the backoff: the pool retries only after the backoff from the timer.
        var now: Int64 = 0
        let first = machine.enqueue(0, at: ms(now))?.opens.first
        var id = try #require(first)
        for _ in 0..<6 {
            _ = machine.connectFailed(id, error: refused, permanent: false, now: ms(now))
            let retry = try #require(machine.nextDeadline())
            now = retry.nanoseconds / 1_000_000
            let next = machine.timersFired(now: retry).opens.first
            id = try #require(next)
        }
        _ = machine.connectFailed(id, error: refused, permanent: false, now: ms(now))
        #expect(try #require(machine.nextDeadline()).nanoseconds / 1_000_000 - now > 1_000, "the backoff has grown past a second")
        // Within connectBackoff of the failure a new lease waits…
        #expect(machine.enqueue(1, at: ms(now + 50))?.opens == [])
        // …after it, a new lease probes at once, and only one probe is in flight.
        let probe = machine.enqueue(2, at: ms(now + 150))?.opens ?? []
        #expect(probe.count == 1)
        #expect(machine.enqueue(3, at: ms(now + 160))?.opens == [])
        let served = machine.establish(probe[0], at: ms(now + 170))
        #expect(served.resumes.map(\.request) == [0])
    }

    @Test("health checks of connections opened together are spread by jitter")
    func healthCheckJitter() {
        var machine = machine(idle: 8) { $0.healthCheckPeriod = .seconds(100) }
        var checkedAt: [Int] = []
        for second in stride(from: 90, through: 100, by: 1) {
            checkedAt += machine.timersFired(now: ms(Int64(second) * 1000)).checks.map { _ in second }
        }
        #expect(checkedAt.count == 8)
        #expect(Set(checkedAt).count > 1, "all 8 were checked in the same second")
        #expect(checkedAt.allSatisfy { $0 >= 90 })
    }
}
