import Testing

@testable import PoolKit

/// The pool's decisions, driven event by event with explicit instants: no I/O, no clock, no sleeping.
@Suite("PoolStateMachine")
struct PoolStateMachineTests {
    let refused = PoolKitError(.connectionFailed, "connect failed: connection refused")
    let authFailed = PoolKitError(.authenticationFailed, "password authentication failed for user \"app\"", engineCode: "28P01")

    // MARK: Prewarming

    @Test("prewarm opens min connections, at most maxConcurrentConnects at a time, and opens the next after each establishment")
    func prewarmRespectsConcurrentConnectLimit() {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.minConnections = 5
                $0.maxConcurrentConnects = 2
            }, seed: 1)
        #expect(machine.start(now: ms(0)).opens == [0, 1])
        #expect(machine.opening == 2)
        #expect(machine.establish(0, at: ms(1)).opens == [2])
        #expect(machine.establish(1, at: ms(2)).opens == [3])
        #expect(machine.establish(2, at: ms(3)).opens == [4])
        #expect(machine.establish(3, at: ms(4)).opens == [])
        #expect(machine.establish(4, at: ms(5)).opens == [])
        #expect(machine.idleCount == 5)
        #expect(machine.total == 5)
        #expect(machine.timersFired(now: ms(10_000)).opens == [])
        #expect(machine.counters.created == 5)
    }

    @Test("the floor is refilled when a connection below it closes")
    func floorIsRefilled() {
        var machine = Machine(configuration: machineConfiguration { $0.minConnections = 1 }, seed: 1)
        _ = machine.start(now: ms(0))
        _ = machine.establish(0, at: ms(0))
        let lease = machine.leaseIdle(now: ms(10), location: "A")
        #expect(lease?.1 == 0)
        let actions = machine.released(0, outcome: .discard(.broken, connectionLost: false), now: ms(20))
        #expect(actions.closedIDs == [0])
        #expect(actions.opens == [1])
    }

    // MARK: Leasing and validation on checkout

    @Test("an idle connection is leased without validation inside the bypass window and validated after it")
    func validationBypassWindow() throws {
        var machine = Machine(configuration: machineConfiguration { $0.minConnections = 1 }, seed: 1)
        _ = machine.start(now: ms(0))
        _ = machine.establish(0, at: ms(0))

        let insideResult = machine.leaseIdle(now: ms(500), location: "A")
        let inside = try #require(insideResult)
        #expect(inside.1 == 0)
        #expect(inside.validate == false)
        _ = machine.released(0, outcome: .reusable, now: ms(600))

        let afterResult = machine.leaseIdle(now: ms(1101), location: "B")
        let after = try #require(afterResult)
        #expect(after.validate == true)
        machine.validationSucceeded(0, now: ms(1101))
        _ = machine.released(0, outcome: .reusable, now: ms(1200))

        // The same rule on the full path.
        #expect(machine.request(1, at: ms(1300)).leasedValidate == false)
        _ = machine.released(0, outcome: .reusable, now: ms(1300))
        #expect(machine.request(2, at: ms(1801)).leasedValidate == true)
        #expect(machine.counters.leases == 4)
        #expect(machine.counters.leasesWaited == 0)
    }

    @Test("the fast path leases nothing when no connection is idle")
    func fastPathNeedsAnIdleConnection() {
        var machine = Machine(configuration: machineConfiguration(), seed: 1)
        #expect(machine.leaseIdle(now: ms(0), location: "A") == nil)
        #expect(machine.opening == 0)
    }

    @Test("waiters are served in FIFO order")
    func waitersAreFIFO() {
        var machine = Machine(configuration: machineConfiguration { $0.maxConnections = 1 }, seed: 1)
        #expect(machine.enqueue(0, at: ms(0))?.opens == [0])
        #expect(machine.establish(0, at: ms(1)).resumes.map(\.request) == [0])
        for request in 1...3 {
            #expect(machine.enqueue(request, at: ms(Int64(request)))?.opens == [])
        }
        #expect(machine.waiterCount == 3)
        #expect(machine.released(0, outcome: .reusable, now: ms(10)).resumes.map(\.request) == [1])
        #expect(machine.released(0, outcome: .reusable, now: ms(11)).resumes.map(\.request) == [2])
        #expect(machine.released(0, outcome: .reusable, now: ms(12)).resumes.map(\.request) == [3])
        #expect(machine.released(0, outcome: .reusable, now: ms(13)).resumes.isEmpty)
        #expect(machine.idleCount == 1)
        #expect(machine.counters.leasesWaited == 4)
    }

    @Test("a new request does not jump ahead of waiters through the fast path")
    func fastPathDoesNotJumpTheQueue() {
        var machine = Machine(configuration: machineConfiguration { $0.maxConnections = 1 }, seed: 1)
        _ = machine.enqueue(0, at: ms(0))
        _ = machine.establish(0, at: ms(0))
        _ = machine.enqueue(1, at: ms(1))
        #expect(machine.released(0, outcome: .reusable, now: ms(2)).resumes.map(\.request) == [1])
        #expect(machine.leaseIdle(now: ms(3), location: "late") == nil)
    }

    @Test("a cancelled waiter leaves the queue and the next release goes to the next waiter")
    func cancelledWaiterLeavesQueue() {
        var machine = Machine(configuration: machineConfiguration { $0.maxConnections = 1 }, seed: 1)
        _ = machine.enqueue(0, at: ms(0))
        _ = machine.establish(0, at: ms(0))
        for request in 1...3 { _ = machine.enqueue(request, at: ms(1)) }

        #expect(machine.leaseCancelled(2) == true)
        #expect(machine.waiterCount == 2)
        #expect(machine.counters.cancelledWaits == 1)
        #expect(machine.leaseCancelled(2) == false, "a second cancel is a no-op")

        #expect(machine.released(0, outcome: .reusable, now: ms(2)).resumes.map(\.request) == [1])
        #expect(machine.released(0, outcome: .reusable, now: ms(3)).resumes.map(\.request) == [3])
        #expect(machine.waiterCount == 0)
    }

    @Test("a waiter cancelled after it was handed a connection keeps the lease, so the pool must take it back")
    func cancelAfterHandoffKeepsLease() {
        var machine = Machine(configuration: machineConfiguration { $0.maxConnections = 1 }, seed: 1)
        _ = machine.enqueue(0, at: ms(0))
        _ = machine.establish(0, at: ms(0))
        _ = machine.enqueue(1, at: ms(1))
        #expect(machine.released(0, outcome: .reusable, now: ms(2)).resumes.map(\.request) == [1])

        // The cancellation arrives after the handoff: the machine says "too late".
        #expect(machine.leaseCancelled(1) == false)
        #expect(machine.leasedCount == 1)
        #expect(machine.counters.cancelledWaits == 0)
        // The lease is still returnable and the connection is reused.
        #expect(machine.released(0, outcome: .reusable, now: ms(3)).closes.isEmpty)
        #expect(machine.idleCount == 1)
    }

    @Test("requests that time out or are cancelled do not pile up in the queue, and FIFO order survives")
    func abandonedRequestsDoNotAccumulate() {
        var machine = Machine(configuration: machineConfiguration { $0.maxConnections = 1 }, seed: 1)
        _ = machine.enqueue(0, at: ms(0))
        _ = machine.establish(0, at: ms(0))
        // An outage: every waiter times out, and nothing comes free.
        for round in 0..<10 {
            let start = ms(Int64(round) * 60_000)
            for request in 1...1000 { _ = machine.enqueue(round * 1000 + request, at: start) }
            #expect(machine.timersFired(now: start + .seconds(30)).failures.count == 1000)
        }
        #expect(machine.waiterCount == 0)
        #expect(machine.waiterOrder.count <= 64)
        // Callers that give up (cancel) leave nothing behind either.
        for request in 20_001...21_000 { _ = machine.enqueue(request, at: ms(700_000)) }
        for request in 20_001...20_998 {
            let wasWaiting = machine.leaseCancelled(request)
            #expect(wasWaiting)
        }
        #expect(machine.waiterOrder.count <= 2 * machine.waiterCount + 64)
        #expect(machine.released(0, outcome: .reusable, now: ms(700_001)).resumes.map(\.request) == [20_999])
        #expect(machine.released(0, outcome: .reusable, now: ms(700_002)).resumes.map(\.request) == [21_000])
    }

    @Test("maxWaiting rejects extra waiters with .tooManyWaiters")
    func maxWaitingRejects() throws {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.maxConnections = 1
                $0.maxWaiting = 2
            }, seed: 1)
        _ = machine.enqueue(0, at: ms(0))
        _ = machine.establish(0, at: ms(0))
        #expect(machine.enqueue(1, at: ms(1)) != nil)
        #expect(machine.enqueue(2, at: ms(1)) != nil)
        let errorResult = machine.request(3, at: ms(1)).failure
        let error = try #require(errorResult)
        #expect(error.code == .tooManyWaiters)
        #expect(error.message.contains("max_waiting=2"))
        #expect(machine.counters.rejected == 1)
        #expect(machine.waiterCount == 2)

        _ = machine.leaseCancelled(1)
        #expect(machine.enqueue(4, at: ms(2)) != nil, "room again once a waiter left")
    }

    // MARK: Acquire timeout

    @Test("an acquire timeout fails the waiter with .acquireTimeout, the pool's counts and the last connect error")
    func acquireTimeoutCarriesCountsAndConnectError() throws {
        var machine = Machine(configuration: machineConfiguration { $0.maxConnections = 2 }, seed: 1)
        _ = machine.enqueue(0, at: ms(0))
        _ = machine.establish(0, at: ms(0))
        #expect(machine.enqueue(1, at: ms(1000))?.opens == [1])  // deadline 31 s
        #expect(machine.connectFailed(1, error: refused, permanent: false, now: ms(1000)).failures.isEmpty)

        #expect(machine.timersFired(now: ms(30_999)).failures.isEmpty)
        let failures = machine.timersFired(now: ms(31_000)).failures
        #expect(failures.map(\.request) == [1])
        let error = try #require(failures.first?.error)
        #expect(error.code == .acquireTimeout)
        #expect(error.message.contains("leased 1"))
        #expect(error.message.contains("max 2"))
        #expect(error.message.contains("waiting 1"), "counted before the expired waiter left")
        #expect(error.message.contains("last connect error: connect failed: connection refused"))
        #expect((error.underlying as? PoolKitError)?.code == .connectionFailed)
        #expect(machine.counters.timeouts == 1)
        #expect(machine.waiterCount == 0)
    }

    @Test("an acquire timeout without connect errors points at pool_max and leaks")
    func acquireTimeoutWithoutConnectError() throws {
        var machine = Machine(configuration: machineConfiguration { $0.maxConnections = 1 }, seed: 1)
        _ = machine.enqueue(0, at: ms(0))
        _ = machine.establish(0, at: ms(0))
        _ = machine.enqueue(1, at: ms(0))
        let errorResult = machine.timersFired(now: ms(30_000)).failures.first?.error
        let error = try #require(errorResult)
        #expect(error.code == .acquireTimeout)
        #expect(error.message.contains("leased 1, idle 0, opening 0, waiting 1, max 1"))
        #expect(error.message.contains("raise pool_max"))
        #expect(error.underlying == nil)
    }

    // MARK: Lifetime

    @Test("connections established at the same instant get different lifetimes, within the jitter")
    func lifetimeJitterSpreadsExpiry() throws {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.maxConnections = 8
                $0.maxConcurrentConnects = 8
                $0.maxLifetime = .seconds(100)
                $0.maxLifetimeJitter = 0.1
            }, seed: 42)
        for request in 0..<8 { #expect(machine.enqueue(request, at: ms(0))?.opens == [request]) }
        for id in 0..<8 { _ = machine.establish(id, at: ms(0)) }
        for id in 0..<8 { _ = machine.released(id, outcome: .reusable, now: ms(0)) }

        let expiries = try (0..<8).map { try #require(machine.slots[$0]?.expiresAt) }
        #expect(Set(expiries).count == 8, "every connection has its own expiry")
        for expiry in expiries {
            #expect(expiry > ms(90_000))
            #expect(expiry <= ms(100_000))
        }

        // The timer closes them one by one, as each expires, not all at once.
        let first = try #require(expiries.min())
        #expect(machine.timersFired(now: first + .nanoseconds(-1)).closes.isEmpty)
        let firstCloses = machine.timersFired(now: first).closes
        #expect(firstCloses.count == 1)
        #expect(firstCloses.first?.reason == .maxLifetime)
        #expect(machine.timersFired(now: ms(100_000)).closes.count == 7)
        #expect(machine.counters.closed[.maxLifetime] == 8)
        #expect(machine.total == 0, "min is 0: expired connections are not replaced")
    }

    @Test("pools with different seeds give a connection opened at the same instant different lifetimes")
    func lifetimeJitterDependsOnSeed() throws {
        let configuration = machineConfiguration {
            $0.minConnections = 1
            $0.maxLifetime = .seconds(100)
            $0.maxLifetimeJitter = 0.1
        }
        var expiries: Set<PoolInstant> = []
        for seed: UInt64 in 1...4 {
            var machine = Machine(configuration: configuration, seed: seed)
            _ = machine.start(now: ms(0))
            _ = machine.establish(0, at: ms(0))
            expiries.insert(try #require(machine.slots[0]?.expiresAt))
        }
        #expect(expiries.count == 4)
    }

    @Test("without jitter the lifetime is exactly maxLifetime")
    func lifetimeWithoutJitter() {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.minConnections = 1
                $0.maxLifetime = .seconds(100)
            }, seed: 1)
        _ = machine.start(now: ms(0))
        _ = machine.establish(0, at: ms(5))
        #expect(machine.slots[0]?.expiresAt == ms(100_005))
    }

    @Test("lifetime never closes a leased connection; it is closed on release and replaced for a waiter")
    func lifetimeAppliesToIdleOnlyAndClosesOnRelease() {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.maxConnections = 1
                $0.maxLifetime = .seconds(10)
            }, seed: 1)
        _ = machine.enqueue(0, at: ms(0))
        _ = machine.establish(0, at: ms(0))
        #expect(machine.timersFired(now: ms(20_000)).closes.isEmpty, "a leased connection is not closed by the timer")
        #expect(machine.leasedCount == 1)

        #expect(machine.enqueue(1, at: ms(20_000))?.opens == [], "at max: the waiter waits")
        let actions = machine.released(0, outcome: .reusable, now: ms(20_001))
        #expect(actions.closes.map(\.reason) == [.maxLifetime])
        #expect(actions.resumes.isEmpty, "the expired connection is not handed to the waiter")
        #expect(actions.opens == [1], "a replacement is opened for the waiter")
        #expect(machine.establish(1, at: ms(20_002)).resumes.map(\.request) == [1])
    }

    @Test("an idle connection past its lifetime is never leased, even before the timer runs: it is closed and replaced")
    func lifetimeEnforcedAtCheckout() throws {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.maxConnections = 2
                $0.maxLifetime = .seconds(10)
            }, seed: 1)
        _ = machine.enqueue(0, at: ms(0))
        _ = machine.establish(0, at: ms(0))
        _ = machine.released(0, outcome: .reusable, now: ms(1))
        #expect(machine.leaseIdle(now: ms(10_001), location: "A.swift:1") == nil, "the fast path refuses an expired connection")
        let result = machine.request(1, at: ms(10_001))
        let actions = try #require(result.enqueuedActions, "the expired one is not leased: the request waits")
        #expect(actions.closes.map(\.reason) == [.maxLifetime])
        #expect(actions.opens == [1])
        #expect(machine.establish(1, at: ms(10_002)).resumes.map(\.request) == [1])
    }

    @Test("releasing the same lease twice is ignored: the connection's next borrower keeps it")
    func doubleReleaseIgnored() {
        var machine = Machine(configuration: machineConfiguration { $0.maxConnections = 1 }, seed: 1)
        _ = machine.enqueue(0, at: ms(0))
        _ = machine.establish(0, at: ms(0))
        let firstSerial = machine.leaseSerial(of: 0)
        _ = machine.released(0, serial: firstSerial, outcome: .reusable, now: ms(1))
        #expect(machine.request(1, at: ms(2)).leasedID == 0)
        let secondSerial = machine.leaseSerial(of: 0)
        #expect(secondSerial != firstSerial)
        #expect(machine.released(0, serial: firstSerial, outcome: .reusable, now: ms(3)).isEmpty)
        #expect(machine.leasedCount == 1, "the stale release did not take the connection from its new borrower")
        _ = machine.released(0, serial: secondSerial, outcome: .reusable, now: ms(4))
        #expect(machine.idleCount == 1)
    }

    @Test("a leased connection past its lifetime is closed on release and replaced to hold the floor")
    func lifetimeReplacementHoldsFloor() {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.minConnections = 1
                $0.maxConnections = 1
                $0.maxLifetime = .seconds(10)
            }, seed: 1)
        _ = machine.start(now: ms(0))
        _ = machine.establish(0, at: ms(0))
        _ = machine.leaseIdle(now: ms(1), location: "A")
        let actions = machine.released(0, outcome: .reusable, now: ms(10_000))
        #expect(actions.closes.map(\.reason) == [.maxLifetime])
        #expect(actions.opens == [1])
    }

    @Test("an idle connection past its lifetime is closed by the timer and replaced to hold the floor")
    func idleLifetimeExpiryIsReplaced() {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.minConnections = 1
                $0.maxLifetime = .seconds(10)
            }, seed: 1)
        _ = machine.start(now: ms(0))
        _ = machine.establish(0, at: ms(0))
        let actions = machine.timersFired(now: ms(10_000))
        #expect(actions.closes.map(\.id) == [0])
        #expect(actions.closes.map(\.reason) == [.maxLifetime])
        #expect(actions.opens == [1])
    }

    // MARK: Idle timeout

    @Test("idle timeout closes the oldest idle connections, only those above min")
    func idleTimeoutKeepsFloor() {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.minConnections = 2
                $0.maxConnections = 5
                $0.maxConcurrentConnects = 5
                $0.idleTimeout = .seconds(60)
            }, seed: 1)
        #expect(machine.start(now: ms(0)).opens == [0, 1])
        _ = machine.establish(0, at: ms(0))
        _ = machine.establish(1, at: ms(0))
        #expect(machine.request(0, at: ms(0)).leasedID == 1)
        #expect(machine.request(1, at: ms(0)).leasedID == 0)
        for request in 2...4 { #expect(machine.enqueue(request, at: ms(0))?.opens == [request]) }
        for id in 2...4 { #expect(machine.establish(id, at: ms(0)).resumes.count == 1) }
        for id in 0...4 { _ = machine.released(id, outcome: .reusable, now: ms(1000)) }
        #expect(machine.idleCount == 5)

        #expect(machine.timersFired(now: ms(60_999)).closes.isEmpty)
        let closes = machine.timersFired(now: ms(61_000)).closes
        #expect(closes.map(\.id) == [0, 1, 2])
        #expect(closes.allSatisfy { $0.reason == .idleTimeout })
        #expect(machine.idleCount == 2)
        #expect(machine.timersFired(now: ms(1_000_000)).closes.isEmpty, "at the floor nothing more idles out")
        #expect(machine.counters.closed[.idleTimeout] == 3)
    }

    @Test("leased connections count toward min when idle connections time out")
    func idleTimeoutCountsLeasedTowardFloor() {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.minConnections = 1
                $0.idleTimeout = .seconds(60)
            }, seed: 1)
        _ = machine.enqueue(0, at: ms(0))
        _ = machine.enqueue(1, at: ms(0))
        _ = machine.establish(0, at: ms(0))
        _ = machine.establish(1, at: ms(0))
        _ = machine.released(1, outcome: .reusable, now: ms(0))  // 0 stays leased
        let closes = machine.timersFired(now: ms(60_000)).closes
        #expect(closes.map(\.id) == [1])
        #expect(machine.total == 1)
    }

    // MARK: Health checks

    @Test("an idle connection not used for the health-check period (less up to 10 % jitter) is checked, then available again")
    func healthCheckSuccess() {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.minConnections = 1
                $0.healthCheckPeriod = .seconds(60)
            }, seed: 1)
        _ = machine.start(now: ms(0))
        _ = machine.establish(0, at: ms(0))
        #expect(machine.timersFired(now: ms(53_999)).checks.isEmpty)
        #expect(machine.timersFired(now: ms(60_000)).checks == [0])
        #expect(machine.checkingCount == 1)
        #expect(machine.idleCount == 0)
        #expect(machine.leaseIdle(now: ms(60_001), location: "A") == nil, "a connection being checked is not lent")
        #expect(machine.timersFired(now: ms(60_005)).checks.isEmpty, "one check at a time")

        #expect(machine.healthCheckFinished(0, healthy: true, now: ms(60_010)).isEmpty)
        #expect(machine.idleCount == 1)
        #expect(machine.timersFired(now: ms(60_020)).checks.isEmpty)
        #expect(machine.timersFired(now: ms(114_009)).checks.isEmpty)
        #expect(machine.timersFired(now: ms(120_010)).checks == [0])
    }

    @Test("a connection that was just used is not health-checked")
    func healthCheckSkipsRecentlyUsed() {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.minConnections = 1
                $0.healthCheckPeriod = .seconds(60)
            }, seed: 1)
        _ = machine.start(now: ms(0))
        _ = machine.establish(0, at: ms(0))
        _ = machine.leaseIdle(now: ms(50_000), location: "A")
        _ = machine.released(0, outcome: .reusable, now: ms(55_000))
        #expect(machine.timersFired(now: ms(60_000)).checks.isEmpty)
        #expect(machine.timersFired(now: ms(115_000)).checks == [0])
    }

    @Test("a failed health check closes the connection and opens a replacement")
    func healthCheckFailureReplaces() {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.minConnections = 1
                $0.healthCheckPeriod = .seconds(60)
            }, seed: 1)
        _ = machine.start(now: ms(0))
        _ = machine.establish(0, at: ms(0))
        _ = machine.timersFired(now: ms(60_000))
        let actions = machine.healthCheckFinished(0, healthy: false, now: ms(60_010))
        #expect(actions.closes.map(\.id) == [0])
        #expect(actions.closes.map(\.reason) == [.validationFailed])
        #expect(actions.opens == [1])
        #expect(machine.counters.closed[.validationFailed] == 1)
    }

    @Test("a connection that passes its health check goes to a waiter if one waits")
    func healthCheckSuccessServesWaiter() {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.minConnections = 1
                $0.maxConnections = 1
                $0.healthCheckPeriod = .seconds(60)
            }, seed: 1)
        _ = machine.start(now: ms(0))
        _ = machine.establish(0, at: ms(0))
        _ = machine.timersFired(now: ms(60_000))
        #expect(machine.enqueue(7, at: ms(60_001))?.opens == [], "at max while the only connection is checked")
        let resumes = machine.healthCheckFinished(0, healthy: true, now: ms(60_002)).resumes
        #expect(resumes.count == 1)
        #expect(resumes.first?.request == 7)
        #expect(resumes.first?.id == 0)
        #expect(resumes.first?.validate == false, "it was just checked")
    }

    // MARK: Release outcomes

    @Test("a connection whose reset failed is closed")
    func resetFailureCloses() {
        var machine = Machine(configuration: machineConfiguration { $0.minConnections = 1 }, seed: 1)
        _ = machine.start(now: ms(0))
        _ = machine.establish(0, at: ms(0))
        _ = machine.leaseIdle(now: ms(1), location: "A")
        let actions = machine.released(0, outcome: .discard(.resetFailed, connectionLost: false), now: ms(2))
        #expect(actions.closes.map(\.reason) == [.resetFailed])
        #expect(actions.opens == [1])
        #expect(machine.counters.closed[.resetFailed] == 1)
        #expect(machine.generation == 0)
        #expect(machine.slots[0] == nil)
    }

    @Test("a connection returned as suspect is validated on its next lease, even inside the bypass window")
    func suspectReleaseValidatesNextLease() throws {
        var machine = Machine(configuration: machineConfiguration { $0.minConnections = 1 }, seed: 1)
        _ = machine.start(now: ms(0))
        _ = machine.establish(0, at: ms(0))
        #expect(machine.leaseIdle(now: ms(100), location: "A")?.validate == false)
        _ = machine.released(0, outcome: .suspect, now: ms(100))
        #expect(machine.leaseIdle(now: ms(200), location: "B")?.validate == true)
        machine.validationSucceeded(0, now: ms(200))
        _ = machine.released(0, outcome: .reusable, now: ms(300))
        #expect(machine.leaseIdle(now: ms(400), location: "C")?.validate == false)
    }

    @Test("a suspect connection handed straight to a waiter is validated")
    func suspectHandoffValidates() {
        var machine = Machine(configuration: machineConfiguration { $0.maxConnections = 1 }, seed: 1)
        _ = machine.enqueue(0, at: ms(0))
        _ = machine.establish(0, at: ms(0))
        _ = machine.enqueue(1, at: ms(1))
        let resumes = machine.released(0, outcome: .suspect, now: ms(2)).resumes
        #expect(resumes.map(\.request) == [1])
        #expect(resumes.first?.validate == true)
    }

    @Test("a lost connection bumps the generation: connections opened before are validated on their next lease")
    func connectionLostBumpsGeneration() throws {
        var machine = Machine(configuration: machineConfiguration { $0.maxConnections = 3 }, seed: 1)
        _ = machine.enqueue(0, at: ms(0))
        _ = machine.enqueue(1, at: ms(0))
        _ = machine.establish(0, at: ms(0))
        _ = machine.establish(1, at: ms(0))
        _ = machine.released(0, outcome: .reusable, now: ms(10))
        let actions = machine.released(1, outcome: .discard(.broken, connectionLost: true), now: ms(20))
        #expect(actions.closes.map(\.reason) == [.broken])
        #expect(machine.generation == 1)

        let leaseResult = machine.leaseIdle(now: ms(30), location: "A")
        let lease = try #require(leaseResult)
        #expect(lease.1 == 0)
        #expect(lease.validate == true, "opened before the failure, idle only 20 ms")
        machine.validationSucceeded(0, now: ms(30))
        _ = machine.released(0, outcome: .reusable, now: ms(40))
        #expect(machine.leaseIdle(now: ms(50), location: "B")?.validate == false)

        // A connection opened after the failure is not validated.
        #expect(machine.enqueue(2, at: ms(60))?.opens == [2])
        #expect(machine.establish(2, at: ms(61)).resumes.first?.validate == false)
    }

    @Test("a broken connection that is not lost keeps the generation")
    func brokenWithoutLossKeepsGeneration() {
        var machine = Machine(configuration: machineConfiguration(), seed: 1)
        _ = machine.enqueue(0, at: ms(0))
        _ = machine.establish(0, at: ms(0))
        _ = machine.released(0, outcome: .discard(.broken, connectionLost: false), now: ms(1))
        #expect(machine.generation == 0)
        #expect(machine.counters.closed[.broken] == 1)
    }

    @Test("a connection that fails checkout validation is closed and replaced when needed")
    func checkoutValidationFailure() {
        var machine = Machine(configuration: machineConfiguration { $0.minConnections = 1 }, seed: 1)
        _ = machine.start(now: ms(0))
        _ = machine.establish(0, at: ms(0))
        _ = machine.leaseIdle(now: ms(1000), location: "A")
        let actions = machine.validationFailed(0, now: ms(1001))
        #expect(actions.closes.map(\.reason) == [.validationFailed])
        #expect(actions.opens == [1])
        #expect(machine.leasedCount == 0)
    }

    @Test("a hand-over that fails checkout validation is not a lease; past the deadline it is counted as a timeout")
    func checkoutValidationFailureIsNoLease() {
        var machine = Machine(configuration: machineConfiguration { $0.minConnections = 2 }, seed: 1)
        _ = machine.start(now: ms(0))
        _ = machine.establish(0, at: ms(0))
        _ = machine.establish(1, at: ms(0))
        // Validation failed in time: the borrower leases again and gets the other connection.
        let first = machine.leaseIdle(now: ms(1000), location: "A")
        #expect(first?.validate == true)
        _ = machine.validationFailed(first!.1, now: ms(1001))
        #expect(machine.counters.leases == 0)
        #expect(machine.counters.timeouts == 0)
        let second = machine.leaseIdle(now: ms(1001), location: "A")
        #expect(second != nil)
        #expect(machine.counters.leases == 1)
        // The next validation outlives the lease's deadline: a timeout, not a lease.
        _ = machine.released(second!.1, outcome: .suspect, now: ms(1002))
        let third = machine.leaseIdle(now: ms(1003), location: "B")
        #expect(third?.validate == true)
        _ = machine.validationFailed(third!.1, leaseTimedOut: true, now: ms(2003))
        #expect(machine.counters.leases == 1)
        #expect(machine.counters.timeouts == 1)
        #expect(machine.counters.closed[.validationFailed] == 2)
    }

    // MARK: Connect failures

    @Test("after a connect failure nothing is retried before the backoff, one probe after it, and the backoff grows up to its cap")
    func connectBackoff() {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.minConnections = 1
                $0.connectBackoff = .milliseconds(100)  // ±20 %: 80…120, 160…240, then capped at 250: 200…300
                $0.maxConnectBackoff = .milliseconds(250)
            }, seed: 7)
        #expect(machine.start(now: ms(0)).opens == [0])
        #expect(machine.connectFailed(0, error: refused, permanent: false, now: ms(0)).isEmpty)
        #expect(machine.lastConnectError?.message == refused.message)
        #expect(machine.timersFired(now: ms(79)).opens == [])
        #expect(machine.enqueue(0, at: ms(79))?.opens == [], "a new waiter does not bypass the backoff")
        #expect(machine.timersFired(now: ms(121)).opens == [1])
        #expect(machine.timersFired(now: ms(500)).opens == [], "no second probe while one is in flight")

        #expect(machine.connectFailed(1, error: refused, permanent: false, now: ms(500)).isEmpty)
        #expect(machine.timersFired(now: ms(659)).opens == [], "second backoff is longer")
        #expect(machine.timersFired(now: ms(741)).opens == [2])

        #expect(machine.connectFailed(2, error: refused, permanent: false, now: ms(1000)).isEmpty)
        #expect(machine.timersFired(now: ms(1199)).opens == [])
        #expect(machine.timersFired(now: ms(1301)).opens == [3], "capped at maxConnectBackoff (+20 %)")
        #expect(machine.waiterCount == 1, "a transient failure does not fail waiters")

        let actions = machine.establish(3, at: ms(1310))
        #expect(actions.resumes.map(\.request) == [0])
        #expect(machine.lastConnectError == nil)
        #expect(machine.counters.connectFailures == 3)
    }

    @Test("after failures the pool probes with one connect at a time, then opens normally once one succeeds")
    func oneProbeAtATime() {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.maxConcurrentConnects = 4
                $0.connectBackoff = .milliseconds(100)
            }, seed: 3)
        for request in 0..<4 { #expect(machine.enqueue(request, at: ms(0))?.opens == [request]) }
        for id in 0..<4 { _ = machine.connectFailed(id, error: refused, permanent: false, now: ms(0)) }
        #expect(machine.enqueue(4, at: ms(0))?.opens == [])
        // Four failures: 800 ms ± 20 %.
        #expect(machine.timersFired(now: ms(639)).opens == [])
        #expect(machine.timersFired(now: ms(961)).opens == [4], "one probe for five waiters")
        #expect(machine.timersFired(now: ms(5000)).opens == [])
        let actions = machine.establish(4, at: ms(5001))
        #expect(actions.resumes.map(\.request) == [0])
        #expect(actions.opens == [5, 6, 7, 8], "healthy again: up to maxConcurrentConnects for the four waiters left")
    }

    @Test("a permanent connect error fails every waiter at once with that error")
    func permanentConnectErrorFailsAllWaiters() {
        var machine = Machine(configuration: machineConfiguration(), seed: 1)
        #expect(machine.enqueue(0, at: ms(0))?.opens == [0])
        #expect(machine.enqueue(1, at: ms(0))?.opens == [1])
        #expect(machine.enqueue(2, at: ms(0))?.opens == [])
        let failures = machine.connectFailed(0, error: authFailed, permanent: true, now: ms(5)).failures
        #expect(failures.map(\.request) == [0, 1, 2])
        #expect(failures.allSatisfy { $0.error.code == .authenticationFailed && $0.error.engineCode == "28P01" })
        #expect(machine.waiterCount == 0)
        #expect(machine.counters.timeouts == 0)
        // The other connect in flight still lands.
        #expect(machine.establish(1, at: ms(6)).resumes.isEmpty)
        #expect(machine.idleCount == 1)
    }

    @Test("failFast fails waiters on the first connect failure while the pool has never connected")
    func failFastBeforeFirstConnection() {
        var machine = Machine(configuration: machineConfiguration { $0.failFast = true }, seed: 1)
        _ = machine.enqueue(0, at: ms(0))
        let failures = machine.connectFailed(0, error: refused, permanent: false, now: ms(1)).failures
        #expect(failures.map(\.request) == [0])
        #expect(failures.first?.error.code == .connectionFailed)
    }

    @Test("failFast does not fail waiters once the pool has connected")
    func failFastAfterFirstConnection() {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.failFast = true
                $0.maxConnections = 2
            }, seed: 1)
        _ = machine.enqueue(0, at: ms(0))
        _ = machine.establish(0, at: ms(0))
        #expect(machine.enqueue(1, at: ms(1))?.opens == [1])
        #expect(machine.connectFailed(1, error: refused, permanent: false, now: ms(2)).failures.isEmpty)
        #expect(machine.waiterCount == 1)
    }

    @Test("without failFast a transient connect failure leaves waiters waiting")
    func transientFailureKeepsWaiters() {
        var machine = Machine(configuration: machineConfiguration(), seed: 1)
        _ = machine.enqueue(0, at: ms(0))
        #expect(machine.connectFailed(0, error: refused, permanent: false, now: ms(1)).failures.isEmpty)
        #expect(machine.waiterCount == 1)
    }

    // MARK: Spike

    @Test("spike: 10 waiters with max 10 open only maxConcurrentConnects; a released connection serves them, no extra opens follow, and the connects that land after are closed as surplus")
    func spikeOpensOnlyWhatDemandNeeds() {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.maxConnections = 10
                $0.maxConcurrentConnects = 2
            }, seed: 1)
        _ = machine.enqueue(0, at: ms(0))
        #expect(machine.establish(0, at: ms(150)).resumes.map(\.request) == [0])

        var opens: [Int] = []
        for request in 1...10 { opens += machine.enqueue(request, at: ms(151))?.opens ?? [] }
        #expect(opens == [1, 2], "only two connects in flight for ten waiters")
        #expect(machine.total == 3)

        // The busy connection comes back again and again while the connects are slow (HikariCP's spike).
        for request in 1...10 {
            let actions = machine.released(0, outcome: .reusable, now: ms(151 + Int64(request)))
            #expect(actions.resumes.map(\.request) == [request], "the first waiter gets it")
            #expect(actions.opens == [])
        }
        #expect(machine.waiterCount == 0)
        _ = machine.released(0, outcome: .reusable, now: ms(170))

        let first = machine.establish(1, at: ms(300))
        let second = machine.establish(2, at: ms(300))
        #expect(first.closes.map(\.reason) == [.surplus] && second.closes.map(\.reason) == [.surplus])
        #expect(first.resumes.isEmpty && second.resumes.isEmpty)
        #expect(first.opens.isEmpty && second.opens.isEmpty, "demand passed: no further opens")
        #expect(machine.idleCount == 1)
        #expect(machine.total == 1)
        #expect(machine.counters.created == 3)
        #expect(machine.timersFired(now: ms(400)).opens.isEmpty)
    }

    @Test("HikariCP's spike (min 5, max 50, 50 tasks of 2 ms at once, 150 ms connects): the pool ends with its 5 connections once every connect has landed")
    func hikariSpikeEndsWithTheFloor() {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.minConnections = 5
                $0.maxConnections = 50
            }, seed: 1)
        var opened = machine.start(now: ms(0)).opens
        var landed: [Int] = []
        // Prewarm: each connect takes 150 ms and the next starts as one lands.
        var now: Int64 = 0
        while let id = opened.first {
            opened.removeFirst()
            now += 150
            opened += machine.establish(id, at: ms(now)).opens
            landed.append(id)
        }
        #expect(machine.idleCount == 5)
        #expect(machine.opening == 0)

        // 50 tasks at once: five take the idle connections, 45 wait and start connects.
        let burst = now + 1_000
        var leased: [(request: Int, id: Int)] = []
        var inFlight: [Int] = []
        for request in 0..<50 {
            if let (_, id, _) = machine.leaseIdle(now: ms(burst), location: "T") {
                leased.append((request, id))
            } else {
                inFlight += machine.enqueue(request, at: ms(burst))?.opens ?? []
            }
        }
        #expect(leased.count == 5)
        #expect(machine.waiterCount == 45)
        #expect(inFlight.count == 2, "at most maxConcurrentConnects connects for 45 waiters")

        // Each task holds its connection 2 ms; a returned connection goes to the next waiter.
        var at = burst
        var served = leased.count
        while !leased.isEmpty {
            at += 2
            var next: [(request: Int, id: Int)] = []
            for lease in leased {
                let actions = machine.released(lease.id, outcome: .reusable, now: ms(at))
                inFlight += actions.opens
                next += actions.resumes.map { ($0.request, $0.id) }
            }
            served += next.count
            leased = next
        }
        #expect(served == 50, "every task was served by the five connections")
        #expect(at - burst < 150, "the burst ended before any connect landed")

        // The connects land 150 ms after the burst began, with nobody waiting.
        var closedAsSurplus = 0
        for id in inFlight {
            let actions = machine.establish(id, at: ms(burst + 150))
            closedAsSurplus += actions.closes.filter { $0.reason == .surplus }.count
            #expect(actions.opens.isEmpty)
        }
        #expect(closedAsSurplus == inFlight.count)
        #expect(machine.total == 5, "the spike leaves no connection beyond the floor")
        #expect(machine.idleCount == 5)
        #expect(machine.counters.closed[.surplus] == inFlight.count)
    }

    @Test("a connect that lands with nobody waiting is kept when no other connection is idle (a busy pool) or when the floor needs it")
    func landedConnectKeptWhenNeeded() {
        // Busy: the one connection is leased when the connect for a served waiter lands.
        var busy = Machine(configuration: machineConfiguration(), seed: 1)
        _ = busy.enqueue(0, at: ms(0))
        _ = busy.enqueue(1, at: ms(0))
        #expect(busy.opening == 2)
        #expect(busy.establish(0, at: ms(10)).resumes.map(\.request) == [0])
        #expect(busy.released(0, outcome: .reusable, now: ms(11)).resumes.map(\.request) == [1])
        let busyLanding = busy.establish(1, at: ms(20))
        #expect(busyLanding.closes.isEmpty, "connection 0 is still leased: 1 may be needed next")
        #expect(busy.idleCount == 1)

        // Floor: below minConnections a landing connection is kept even with another idle.
        var floor = Machine(configuration: machineConfiguration { $0.minConnections = 3; $0.maxConcurrentConnects = 3 }, seed: 1)
        #expect(floor.start(now: ms(0)).opens == [0, 1, 2])
        #expect(floor.establish(0, at: ms(10)).closes.isEmpty)
        #expect(floor.establish(1, at: ms(10)).closes.isEmpty)
        #expect(floor.establish(2, at: ms(10)).closes.isEmpty)
        #expect(floor.idleCount == 3)
    }

    @Test("while waiters remain, each established connection serves one and the next connect starts")
    func spikeKeepsOpeningWhileDemandRemains() {
        var machine = Machine(configuration: machineConfiguration { $0.maxConcurrentConnects = 2 }, seed: 1)
        for request in 0..<5 { _ = machine.enqueue(request, at: ms(0)) }
        #expect(machine.opening == 2)
        let actions = machine.establish(0, at: ms(10))
        #expect(actions.resumes.map(\.request) == [0])
        #expect(actions.opens == [2])
    }

    // MARK: Leak detection

    @Test("a lease held past the leak threshold is reported once, and .leakReturned when it comes back")
    func leakDetection() {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.minConnections = 1
                $0.leakDetectionThreshold = .seconds(10)
            }, seed: 1)
        _ = machine.start(now: ms(0))
        _ = machine.establish(0, at: ms(0))
        _ = machine.leaseIdle(now: ms(1000), location: "Leaky.swift:42")
        #expect(machine.timersFired(now: ms(10_999)).leaks.isEmpty)
        let leaks = machine.timersFired(now: ms(11_000)).leaks
        #expect(leaks.map(\.id) == [0])
        #expect(leaks.first?.location == "Leaky.swift:42")
        #expect(leaks.first?.heldFor == .seconds(10))
        #expect(machine.timersFired(now: ms(30_000)).leaks.isEmpty, "reported once")
        #expect(machine.counters.leaksReported == 1)

        let returned = machine.released(0, outcome: .reusable, now: ms(36_000)).leaksReturned
        #expect(returned.map(\.id) == [0])
        #expect(returned.first?.location == "Leaky.swift:42")
        #expect(returned.first?.heldFor == .seconds(35))

        // The next lease is judged on its own.
        _ = machine.leaseIdle(now: ms(36_000), location: "Short.swift:7")
        #expect(machine.released(0, outcome: .reusable, now: ms(37_000)).leaksReturned.isEmpty)
        _ = machine.leaseIdle(now: ms(40_000), location: "Other.swift:9")
        #expect(machine.timersFired(now: ms(50_000)).leaks.map(\.location) == ["Other.swift:9"])
        #expect(machine.counters.leaksReported == 2)
    }

    // MARK: Shutdown

    @Test("shutdown fails waiters at once, closes a leased connection when it comes back, and lends nothing more")
    func shutdownFailsWaiters() throws {
        var machine = Machine(configuration: machineConfiguration { $0.maxConnections = 1 }, seed: 1)
        _ = machine.enqueue(0, at: ms(0))
        _ = machine.establish(0, at: ms(0))
        _ = machine.enqueue(1, at: ms(1))
        _ = machine.enqueue(2, at: ms(1))
        let actions = machine.shutdown(now: ms(2), deadline: ms(30_002))
        #expect(actions.failures.map(\.request) == [1, 2])
        #expect(actions.failures.allSatisfy { $0.error.code == .poolShutdown })
        #expect(actions.closes.isEmpty)
        #expect(!machine.isShutDown)

        #expect(machine.released(0, outcome: .reusable, now: ms(3)).closes.map(\.reason) == [.shutdown])
        #expect(machine.isShutDown)
        #expect(machine.request(3, at: ms(4)).failure?.code == .poolShutdown)
        #expect(machine.leaseIdle(now: ms(4), location: "A") == nil)
        #expect(machine.shutdown(now: ms(5), deadline: ms(6)).isEmpty, "a second shutdown is a no-op")
    }

    @Test("shutdown closes idle connections now, connections established later at once, leased ones on release, and opens nothing")
    func shutdownClosesEverything() {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.minConnections = 3
                $0.maxConnections = 4
                $0.maxConcurrentConnects = 2
            }, seed: 1)
        #expect(machine.start(now: ms(0)).opens == [0, 1])
        #expect(machine.establish(0, at: ms(0)).opens == [2])
        _ = machine.establish(1, at: ms(0))
        #expect(machine.leaseIdle(now: ms(10), location: "A")?.1 == 1)

        let actions = machine.shutdown(now: ms(20), deadline: ms(30_020))
        #expect(actions.closes.map(\.id) == [0])
        #expect(actions.closes.map(\.reason) == [.shutdown])
        #expect(actions.opens.isEmpty)
        #expect(!machine.isShutDown, "one leased, one opening")

        #expect(machine.timersFired(now: ms(25)).opens.isEmpty, "the floor is not refilled during shutdown")
        let established = machine.establish(2, at: ms(30))
        #expect(established.closes.map(\.id) == [2])
        #expect(established.opens.isEmpty)
        #expect(!machine.isShutDown)

        let released = machine.released(1, outcome: .reusable, now: ms(40))
        #expect(released.closes.map(\.reason) == [.shutdown])
        #expect(released.opens.isEmpty)
        #expect(machine.isShutDown)
        #expect(machine.total == 0)
        #expect(machine.counters.closed[.shutdown] == 3)
        #expect(machine.timersFired(now: ms(100_000)).isEmpty)
    }

    @Test("shutdown waits for health checks and connects in flight, and does not retry failed connects")
    func shutdownWaitsForChecksAndConnects() {
        var machine = Machine(
            configuration: machineConfiguration {
                $0.minConnections = 1
                $0.maxConnections = 2
                $0.healthCheckPeriod = .seconds(60)
            }, seed: 1)
        _ = machine.start(now: ms(0))
        _ = machine.establish(0, at: ms(0))
        #expect(machine.timersFired(now: ms(60_000)).checks == [0])
        #expect(machine.enqueue(0, at: ms(60_000))?.opens == [1])

        let actions = machine.shutdown(now: ms(60_001), deadline: ms(90_001))
        #expect(actions.failures.map(\.request) == [0])
        #expect(machine.connectFailed(1, error: refused, permanent: false, now: ms(60_002)).isEmpty)
        #expect(!machine.isShutDown, "a check is in flight")
        #expect(machine.timersFired(now: ms(61_000)).opens.isEmpty, "no retry after the backoff during shutdown")

        let finished = machine.healthCheckFinished(0, healthy: true, now: ms(61_001))
        #expect(finished.closes.map(\.reason) == [.shutdown])
        #expect(finished.resumes.isEmpty)
        #expect(machine.isShutDown)
    }

    @Test("at the shutdown deadline a leased connection's statement is cancelled and the connection closed")
    func shutdownDeadlineForcesLeasedClosed() {
        var machine = Machine(configuration: machineConfiguration { $0.minConnections = 1 }, seed: 1)
        _ = machine.start(now: ms(0))
        _ = machine.establish(0, at: ms(0))
        _ = machine.leaseIdle(now: ms(500), location: "A")
        _ = machine.shutdown(now: ms(1000), deadline: ms(6000))

        #expect(machine.timersFired(now: ms(5999)).isEmpty)
        let actions = machine.timersFired(now: ms(6000))
        #expect(actions.statementCancels == [0])
        #expect(actions.closes.map(\.id) == [0])
        #expect(actions.closes.map(\.reason) == [.shutdown])
        if case .cancelStatement = actions.first {} else { Issue.record("the statement is cancelled before the connection closes") }
        #expect(machine.isShutDown)
        #expect(machine.cutOffAtShutdown == [0], "the borrower's failing statement is told the pool shut down")
        #expect(machine.shutdownGracePeriod == .seconds(5))
        #expect(machine.released(0, outcome: .reusable, now: ms(7000)).isEmpty, "a late release is ignored")
    }

    @Test("a connection that fails checkout validation during shutdown completes the shutdown")
    func validationFailureDuringShutdownFinishesShutdown() {
        var machine = Machine(configuration: machineConfiguration { $0.minConnections = 1 }, seed: 1)
        _ = machine.start(now: ms(0))
        _ = machine.establish(0, at: ms(0))
        #expect(machine.leaseIdle(now: ms(1000), location: "A")?.validate == true)
        _ = machine.shutdown(now: ms(1000), deadline: ms(31_000))
        let actions = machine.validationFailed(0, now: ms(1001))
        #expect(actions.closes.map(\.reason) == [.validationFailed])
        #expect(actions.opens.isEmpty)
        #expect(machine.isShutDown, "nothing is left open, so the pool is shut down without waiting for the deadline")
    }

    // MARK: Invariants under random events

    @Test("random event sequences never exceed max, never lend a connection twice, resolve each request once, and shut down cleanly",
        arguments: 1...40 as ClosedRange<UInt64>)
    func randomizedInvariants(seed: UInt64) {
        var explorer = RandomExplorer(seed: seed)
        explorer.run(steps: 2500)
        #expect(explorer.violations.isEmpty, "seed \(seed): \(explorer.violations.prefix(5))")
        #expect(explorer.machine.isShutDown, "seed \(seed): \(explorer.machine.countsDescription())")
        #expect(explorer.seen["resume", default: 0] > 10 && explorer.seen["close", default: 0] > 10, "the run exercised the pool")
    }
}

/// Drives a state machine with random events (seeded) and checks it against a model of what each
/// connection and request is doing.
struct RandomExplorer {
    var random: SplitMix64
    var machine: Machine
    var now = PoolInstant(nanoseconds: 0)
    var violations: [String] = []
    var step = 0

    // The model.
    var opening = Set<Int>()
    /// Connects in flight that the shutdown deadline abandoned: they close as soon as they open.
    var abandoned = Set<Int>()
    var shutdownDeadline: PoolInstant?
    var idle = Set<Int>()
    /// Leased connection → whether the borrower must validate it before use.
    var leased: [Int: Bool] = [:]
    var checking = Set<Int>()
    var closed = Set<Int>()
    var waiting = Set<Int>()
    var resolved = Set<Int>()
    var opened = Set<Int>()
    var nextRequest = 0
    var shutdownStarted = false
    /// How often each kind of action was seen, so the test can tell the run exercised the pool.
    var seen: [String: Int] = [:]

    init(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        func below(_ n: UInt64) -> Int { Int(random.next() % n) }
        var configuration = machineConfiguration()
        configuration.maxConnections = 1 + below(6)
        configuration.minConnections = below(UInt64(configuration.maxConnections) + 1)
        configuration.maxConcurrentConnects = 1 + below(3)
        configuration.maxWaiting = below(3) == 0 ? below(5) : nil
        configuration.maxLifetime = below(2) == 0 ? .milliseconds(50 + below(400)) : nil
        configuration.maxLifetimeJitter = 0.2
        configuration.idleTimeout = below(2) == 0 ? .milliseconds(30 + below(300)) : nil
        configuration.healthCheckPeriod = below(2) == 0 ? .milliseconds(15 + below(60)) : nil
        configuration.leakDetectionThreshold = below(2) == 0 ? .milliseconds(50) : nil
        configuration.validationBypassWindow = .milliseconds(10)
        configuration.connectBackoff = .milliseconds(5)
        configuration.maxConnectBackoff = .milliseconds(50)
        configuration.failFast = below(4) == 0
        self.random = random
        self.machine = Machine(configuration: configuration, seed: seed)
    }

    mutating func below(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T: Comparable>(_ values: some Collection<T>) -> T? {
        values.isEmpty ? nil : values.sorted()[below(values.count)]
    }

    mutating func fail(_ message: String) {
        violations.append("step \(step): \(message)")
    }

    mutating func run(steps: Int) {
        apply(machine.start(now: now), subject: nil)
        let shutdownStep = steps * 3 / 4 + below(steps / 4)
        for index in 0..<steps where violations.isEmpty {
            step = index
            now = now + .milliseconds(below(8))
            if index == shutdownStep {
                shutdownStarted = true
                shutdownDeadline = now + .milliseconds(below(300))
                apply(machine.shutdown(now: now, deadline: shutdownDeadline!), subject: nil)
                if !waiting.isEmpty { fail("waiters left after shutdown: \(waiting)") }
            } else {
                randomEvent()
            }
            checkInvariants()
        }
        drain()
    }

    mutating func randomEvent() {
        switch below(12) {
        case 0, 1:
            let request = nextRequest
            nextRequest += 1
            let timeout = Duration.milliseconds(1 + below(100))
            switch machine.leaseRequested(request, now: now, deadline: now + timeout, timeout: timeout, location: "r\(request)") {
            case .leased(let connection, let id, let validate, let actions):
                if connection.serial != id { fail("lease of \(id) hands out connection \(connection.serial)") }
                if idle.remove(id) == nil { fail("leased \(id) that was not idle") }
                leased[id] = validate
                resolve(request)
                // Expired idle connections closed on the way.
                apply(actions, subject: nil)
            case .failed(_, let actions):
                if !shutdownStarted, machine.configuration.maxWaiting == nil { fail("request \(request) rejected without max_waiting") }
                resolve(request)
                apply(actions, subject: nil)
            case .enqueued(let actions):
                waiting.insert(request)
                apply(actions, subject: nil)
            }
        case 2:
            if let (connection, id, validate) = machine.leaseIdle(now: now, location: "fast") {
                if connection.serial != id { fail("fast path hands out the wrong connection") }
                if idle.remove(id) == nil { fail("fast path leased \(id) that was not idle") }
                if !waiting.isEmpty { fail("fast path jumped \(waiting.count) waiters") }
                leased[id] = validate
            } else if !idle.isEmpty, waiting.isEmpty, !shutdownStarted,
                !machine.slots.values.contains(where: { slot in
                    if case .idle = slot.state, let expiresAt = slot.expiresAt { return now >= expiresAt }
                    return false
                })
            {
                // Only an expired connection may make the fast path refuse (the full path closes it).
                fail("fast path found nothing with \(idle.count) idle")
            }
        case 3, 4:
            guard let id = pick(leased.filter { !$0.value }.keys) else { return }
            leased[id] = nil
            let outcome: Machine.ReleaseOutcome
            switch below(7) {
            case 0: outcome = .suspect
            case 1: outcome = .discard(.broken, connectionLost: chance(50))
            case 2: outcome = .discard(.resetFailed, connectionLost: false)
            case 3: outcome = chance(20) ? .failover : .reusable
            default: outcome = .reusable
            }
            let actions = machine.released(id, outcome: outcome, now: now)
            apply(actions, subject: id)
            if case .discard = outcome, !actions.closedIDs.contains(id) { fail("discarded \(id) was not closed") }
            if case .failover = outcome, !shutdownStarted {
                if !actions.closedIDs.contains(id) { fail("\(id) that reported read-only was not closed") }
                if !idle.isEmpty { fail("idle connections \(idle) survived a failover") }
            }
        case 5:
            guard let id = pick(leased.filter { $0.value }.keys) else { return }
            if chance(70) {
                machine.validationSucceeded(id, now: now)
                leased[id] = false
            } else {
                leased[id] = nil
                let actions = machine.validationFailed(id, now: now)
                apply(actions, subject: id)
                if !actions.closedIDs.contains(id) { fail("connection \(id) failed validation but was not closed") }
            }
        case 6:
            // Mostly a waiting request; sometimes any request so far (a late or repeated cancel).
            var candidate = pick(waiting)
            if candidate == nil || chance(20), nextRequest > 0 { candidate = below(nextRequest) }
            guard let request = candidate else { return }
            let wasWaiting = waiting.contains(request)
            if machine.leaseCancelled(request) != wasWaiting {
                fail("cancel of \(request) answered \(!wasWaiting), it was \(wasWaiting ? "" : "not ")waiting")
            }
            if wasWaiting {
                waiting.remove(request)
                resolve(request)
            }
        case 7:
            guard let id = pick(opening.union(abandoned)) else { return }
            opening.remove(id)
            let actions = machine.establish(id, at: now)
            if abandoned.remove(id) != nil, actions.closes.map(\.id) != [id] {
                fail("connection \(id) opened after the shutdown deadline was not closed at once")
            }
            apply(actions, subject: id)
        case 8:
            guard let id = pick(opening.union(abandoned)) else { return }
            opening.remove(id)
            abandoned.remove(id)
            let error = PoolKitError(.connectionFailed, "refused")
            apply(machine.connectFailed(id, error: error, permanent: chance(10), now: now), subject: nil)
        case 9:
            guard let id = pick(checking) else { return }
            checking.remove(id)
            let healthy = chance(80)
            let actions = machine.healthCheckFinished(id, healthy: healthy, now: now)
            apply(actions, subject: id)
            if !healthy, !actions.closedIDs.contains(id) { fail("unhealthy \(id) was not closed") }
        case 11:
            guard chance(10) else { return }
            let actions = machine.softEvict(createdAtOrBefore: now, now: now)
            apply(actions, subject: nil)
            if !shutdownStarted, !idle.isEmpty { fail("idle connections \(idle) survived softEvictAll") }
        default:
            now = now + .milliseconds(below(40))
            firedTimers()
        }
    }

    /// Fires timers at `now`; past the shutdown deadline, connects in flight are abandoned.
    mutating func firedTimers() {
        apply(machine.timersFired(now: now), subject: nil)
        if let shutdownDeadline, now >= shutdownDeadline {
            abandoned.formUnion(opening)
            opening.removeAll()
        }
    }

    mutating func resolve(_ request: Int) {
        if !resolved.insert(request).inserted { fail("request \(request) resolved twice") }
    }

    /// Checks the actions against the model and updates it. `subject` is the connection the event
    /// was about (established, released, checked), already taken out of the model's sets.
    mutating func apply(_ actions: [MachineAction], subject: Int?) {
        var subjectPlaced = false
        for action in actions {
            seen[String("\(action)".prefix { $0.isLetter }), default: 0] += 1
            switch action {
            case .open(let id):
                if shutdownStarted { fail("open \(id) after shutdown") }
                if !opened.insert(id).inserted { fail("connection id \(id) opened twice") }
                opening.insert(id)
            case .close(let connection, let id, let reason):
                if connection.serial != id { fail("close \(id) closes connection \(connection.serial)") }
                if !closed.insert(id).inserted { fail("\(id) closed twice") }
                if reason == .surplus, id != subject || !waiting.isEmpty || idle.isEmpty {
                    fail("\(id) closed as surplus while tasks wait or no other connection is idle")
                }
                if id == subject, !subjectPlaced {
                    subjectPlaced = true
                } else if idle.remove(id) != nil {
                    if reason == .broken || reason == .resetFailed { fail("idle \(id) closed as \(reason)") }
                } else if leased.removeValue(forKey: id) != nil {
                    if !shutdownStarted || reason != .shutdown { fail("leased \(id) closed (\(reason)) before shutdown deadline") }
                } else if checking.remove(id) != nil {
                    if !shutdownStarted || reason != .shutdown { fail("checked \(id) closed (\(reason)) before shutdown deadline") }
                } else {
                    fail("closed \(id) that was not idle, leased or the event's subject")
                }
            case .check(let connection, let id):
                if connection.serial != id { fail("check \(id) checks connection \(connection.serial)") }
                if idle.remove(id) == nil { fail("check of \(id) that was not idle") }
                checking.insert(id)
            case .resume(let request, let connection, let id, let validate):
                if connection.serial != id { fail("resume with \(id) hands out connection \(connection.serial)") }
                if waiting.remove(request) == nil { fail("resumed request \(request) that was not waiting") }
                resolve(request)
                if id != subject || subjectPlaced { fail("resumed \(request) with \(id), not the event's free connection") }
                subjectPlaced = true
                leased[id] = validate
            case .fail(let request, _):
                if waiting.remove(request) == nil { fail("failed request \(request) that was not waiting") }
                resolve(request)
            case .reportLeak(let id, _, _), .leakReturned(let id, _, _):
                if leased[id] == nil, id != subject { fail("leak event for \(id) that is not leased") }
            case .cancelStatement(_, let id):
                if leased[id] == nil, !checking.contains(id) { fail("cancelStatement for \(id) that is not leased or checked") }
            }
        }
        if let subject, !subjectPlaced, !closed.contains(subject) {
            idle.insert(subject)
        }
    }

    mutating func checkInvariants() {
        let max = machine.configuration.maxConnections
        if machine.total > max { fail("total \(machine.total) > max \(max)") }
        let modelTotal = opening.count + idle.count + leased.count + checking.count
        if modelTotal > max { fail("model total \(modelTotal) > max \(max)") }
        if machine.opening != opening.count { fail("opening \(machine.opening), model \(opening.count)") }
        if machine.idleCount != idle.count { fail("idle \(machine.idleCount), model \(idle.count)") }
        if machine.leasedCount != leased.count { fail("leased \(machine.leasedCount), model \(leased.count)") }
        if machine.checkingCount != checking.count { fail("checking \(machine.checkingCount), model \(checking.count)") }
        if machine.waiterCount != waiting.count { fail("waiting \(machine.waiterCount), model \(waiting.count)") }
        if machine.idleCount + machine.leasedCount + machine.checkingCount != machine.slots.count {
            fail("a connection is in two states: \(machine.countsDescription()), slots \(machine.slots.count)")
        }
        if !idle.isDisjoint(with: leased.keys) || !idle.isDisjoint(with: checking) { fail("model overlap") }
        if machine.idleCount > 0, machine.waiterCount > 0 { fail("idle connections while tasks wait") }
    }

    /// Shuts down (if the random run did not) and returns everything, as a well-behaved pool would.
    mutating func drain() {
        guard violations.isEmpty else { return }
        if !shutdownStarted {
            shutdownStarted = true
            apply(machine.shutdown(now: now, deadline: now + .seconds(3600)), subject: nil)
        }
        var rounds = 0
        while !machine.isShutDown, violations.isEmpty, rounds < 100 {
            rounds += 1
            for id in leased.keys.sorted() {
                if leased[id] == true { machine.validationSucceeded(id, now: now) }
                leased[id] = nil
                apply(machine.released(id, outcome: .reusable, now: now), subject: id)
            }
            for id in opening.union(abandoned).sorted() {
                opening.remove(id)
                abandoned.remove(id)
                apply(machine.establish(id, at: now), subject: id)
            }
            for id in checking.sorted() {
                checking.remove(id)
                apply(machine.healthCheckFinished(id, healthy: true, now: now), subject: id)
            }
            firedTimers()
            checkInvariants()
        }
        if machine.total != 0 { fail("after drain: \(machine.countsDescription())") }
        for id in abandoned.sorted() {
            abandoned.remove(id)
            apply(machine.establish(id, at: now), subject: id)
        }
        if !idle.isEmpty || !leased.isEmpty || !checking.isEmpty || !opening.isEmpty { fail("model not empty after drain") }
        if !waiting.isEmpty { fail("requests never resolved: \(waiting)") }
    }
}
