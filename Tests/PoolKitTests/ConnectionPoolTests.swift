import PoolKitConformance
import Synchronization
import Testing

@testable import PoolKit

/// The real pool with a scripted source and a manual clock. Time moves only when a test advances the
/// clock and calls `handleTimers()`; the tests wait for events, never for time.
@Suite("ConnectionPool", .timeLimit(.minutes(1)))
struct ConnectionPoolTests {
    typealias Pool = ConnectionPool<TestConnectionSource>

    let source = TestConnectionSource()
    let clock = ManualPoolClock()

    func makePool(
        hooks: PoolHooks<TestConnection> = PoolHooks(),
        _ modify: (inout PoolConfiguration) -> Void = { _ in }
    ) throws -> Pool {
        let configuration = machineConfiguration {
            $0.timerResolution = .milliseconds(20)
            modify(&$0)
        }
        return try Pool(source: source, configuration: configuration, hooks: hooks, clock: clock)
    }

    // MARK: Leasing

    @Test("withConnection returns the body's value and resets the connection when it comes back")
    func withConnectionReturnsValueAndResets() async throws {
        let pool = try makePool()
        let source = source
        try await pool.withRunning {
            let value = try await pool.withConnection { connection in connection.serial + 41 }
            #expect(value == 41)
            #expect(source.snapshot.resets == 1)
            #expect(source.connections.first?.resets == 1)
            #expect(pool.statistics.idle == 1)
            #expect(pool.statistics.leased == 0)
        }
    }

    @Test("hooks run after connect, before lease, after release and before close, in that order")
    func hooksRun() async throws {
        let log = EventLog()
        let hooks = PoolHooks<TestConnection>(
            afterConnect: { log.append("afterConnect \($0.serial)") },
            beforeLease: { log.append("beforeLease \($0.serial)") },
            afterRelease: { log.append("afterRelease \($0.serial)") },
            beforeClose: { log.append("beforeClose \($0.serial)") })
        let pool = try makePool(hooks: hooks)
        try await pool.withRunning {
            try await pool.withConnection { log.append("body \($0.serial)") }
        }
        #expect(log.all == ["afterConnect 0", "beforeLease 0", "body 0", "afterRelease 0", "beforeClose 0"])
    }

    @Test("a failing afterRelease hook closes the connection")
    func failingAfterReleaseHookCloses() async throws {
        let hooks = PoolHooks<TestConnection>(afterRelease: { _ in throw TestError.statement })
        let pool = try makePool(hooks: hooks)
        let source = source
        try await pool.withRunning {
            try await pool.withConnection { _ in }
            await source.waitUntil { $0.closes == 1 }
            #expect(pool.statistics.closed["reset_failed"] == 1)
        }
    }

    @Test(
        "a failing beforeLease hook fails the lease with its error, counts it as failed, not granted, and closes the connection",
        arguments: [(TestError.statement, "hook_failed"), (TestError.broken, "broken")])
    func failingBeforeLeaseHook(error: TestError, closeReason: String) async throws {
        let failures = Mutex(1)
        let hooks = PoolHooks<TestConnection>(beforeLease: { _ in
            if failures.withLock({ left in defer { left -= 1 }; return left > 0 }) { throw error }
        })
        let pool = try makePool(hooks: hooks)
        let source = source
        try await pool.withRunning {
            await #expect(throws: error) { try await pool.withConnection { _ in } }
            await source.waitUntil { $0.closes == 1 }
            var statistics = pool.statistics
            #expect(statistics.open == 0)
            #expect(statistics.leased == 0)
            #expect(statistics.leases == 0, "the failed lease was not granted")
            #expect(statistics.failedLeases == 1)
            #expect(statistics.closed == [closeReason: 1])
            #expect(statistics.timeouts == 0)

            let serial = try await pool.withConnection { $0.serial }
            #expect(serial == 1, "the next lease gets a new connection")
            statistics = pool.statistics
            #expect(statistics.leases == 1)
            #expect(statistics.failedLeases == 1)
        }
    }

    @Test("a connection whose reset fails is closed, and the next lease gets a new one")
    func resetFailureCloses() async throws {
        let pool = try makePool()
        let source = source
        try await pool.withRunning {
            source.failNextReset()
            try await pool.withConnection { _ in }
            await source.waitUntil { $0.closes == 1 }
            #expect(pool.statistics.closed["reset_failed"] == 1)
            let serial = try await pool.withConnection { $0.serial }
            #expect(serial == 1)
        }
    }

    // MARK: Waiting

    @Test("a task cancelled while waiting gets CancellationError and the pool stays usable")
    func cancelledWaiter() async throws {
        let pool = try makePool { $0.maxConnections = 1 }
        try await pool.withRunning {
            let held = try await pool.lease()
            let waiter = Task { try await pool.lease() }
            #expect(await eventually { pool.statistics.waiting == 1 })
            waiter.cancel()
            switch await waiter.result {
            case .success(let lease):
                Issue.record("a cancelled waiter got a connection")
                await pool.release(lease)
            case .failure(let error):
                #expect(error is CancellationError)
            }
            #expect(pool.statistics.waiting == 0)
            #expect(pool.statistics.cancelledWaits == 1)

            await pool.release(held)
            #expect(try await pool.withConnection { $0.serial } == 0, "the pool still lends its connection")
        }
    }

    @Test("a task cancelled before it waits does not queue")
    func cancelledBeforeWaiting() async throws {
        let pool = try makePool { $0.maxConnections = 1 }
        try await pool.withRunning {
            let held = try await pool.lease()
            let waiter = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await pool.lease()
            }
            await #expect(throws: CancellationError.self) { _ = try await waiter.value }
            #expect(pool.statistics.waiting == 0)
            await pool.release(held)
        }
    }

    @Test("a waiter cancelled as it is handed a connection does not lose the connection", arguments: [false, true])
    func cancelRacingHandoff(cancelFromAnotherTask: Bool) async throws {
        let pool = try makePool { $0.maxConnections = 1 }
        let source = source
        try await pool.withRunning {
            var gotLease = 0
            var gotCancellation = 0
            for _ in 0..<100 {
                let held = try await pool.lease()
                let waiter = Task { try await pool.lease() }
                #expect(await eventually { pool.statistics.waiting == 1 })
                if cancelFromAnotherTask {
                    // Cancel and hand over at the same time, in either order.
                    async let cancelled: Void = waiter.cancel()
                    await pool.release(held)
                    await cancelled
                } else {
                    // The handoff resumes the waiter's continuation; the cancellation arrives right after.
                    await pool.release(held)
                    waiter.cancel()
                }
                switch await waiter.result {
                case .success(let lease):
                    gotLease += 1
                    await pool.release(lease)  // the waiter owns it: it must give it back
                case .failure(let error):
                    gotCancellation += 1
                    #expect(error is CancellationError)
                }
                let statistics = pool.statistics
                #expect(statistics.leased == 0)
                #expect(statistics.idle == 1)
                #expect(statistics.waiting == 0)
            }
            #expect(gotLease + gotCancellation == 100)
            if !cancelFromAnotherTask { #expect(gotLease == 100, "a handed-over connection is kept by the waiter") }
            #expect(source.snapshot.connects == 1, "no connection was lost and replaced")
            #expect(try await pool.withConnection { $0.serial } == 0)
        }
    }

    @Test("an acquire timeout fails the waiter with .acquireTimeout and the pool's counts")
    func acquireTimeout() async throws {
        let pool = try makePool {
            $0.maxConnections = 1
            $0.acquireTimeout = .seconds(5)
        }
        let clock = clock
        try await pool.withRunning {
            let held = try await pool.lease()
            let waiter = Task { try await pool.lease() }
            #expect(await eventually { pool.statistics.waiting == 1 })
            clock.advance(by: .seconds(4))
            pool.handleTimers()
            #expect(pool.statistics.waiting == 1, "not yet")
            clock.advance(by: .seconds(1))
            pool.handleTimers()
            do {
                let lease = try await waiter.value
                Issue.record("the waiter got a connection")
                await pool.release(lease)
            } catch let error as PoolKitError {
                #expect(error.code == .acquireTimeout)
                #expect(error.message.contains("leased 1, idle 0, opening 0, waiting 1, max 1"))
            }
            #expect(pool.statistics.timeouts == 1)
            await pool.release(held)
        }
    }

    @Test("a lease's own timeout overrides the configured one")
    func leaseTimeoutOverride() async throws {
        let pool = try makePool { $0.maxConnections = 1 }
        let clock = clock
        try await pool.withRunning {
            let held = try await pool.lease()
            let waiter = Task { try await pool.lease(timeout: .seconds(1)) }
            #expect(await eventually { pool.statistics.waiting == 1 })
            clock.advance(by: .seconds(1))
            pool.handleTimers()
            await #expect(throws: PoolKitError.self) { _ = try await waiter.value }
            await pool.release(held)
        }
    }

    @Test("maxWaiting rejects extra waiters with .tooManyWaiters")
    func maxWaiting() async throws {
        let pool = try makePool {
            $0.maxConnections = 1
            $0.maxWaiting = 1
        }
        try await pool.withRunning {
            let held = try await pool.lease()
            let waiter = Task { try await pool.lease() }
            #expect(await eventually { pool.statistics.waiting == 1 })
            do {
                let lease = try await pool.lease()
                Issue.record("a second waiter was queued")
                await pool.release(lease)
            } catch let error as PoolKitError {
                #expect(error.code == .tooManyWaiters)
            }
            #expect(pool.statistics.rejected == 1)
            await pool.release(held)
            await pool.release(try await waiter.value)
        }
    }

    // MARK: Connect failures

    @Test("a permanent connect error reaches a waiting lease as that error, not as a timeout, and the pool recovers")
    func permanentConnectError() async throws {
        let pool = try makePool()
        let source = source
        let clock = clock
        try await pool.withRunning {
            source.failNextConnect(
                with: PoolKitError(.authenticationFailed, "password authentication failed for user \"app\"", engineCode: "28P01"))
            do {
                let lease = try await pool.lease()
                Issue.record("leased \(lease.connection) although connecting failed")
                await pool.release(lease)
            } catch let error as PoolKitError {
                #expect(error.code == .authenticationFailed)
                #expect(error.engineCode == "28P01")
            }
            #expect(pool.statistics.timeouts == 0)
            #expect(pool.statistics.connectFailures == 1)

            // Once the password is fixed, a lease after the backoff succeeds.
            let waiter = Task { try await pool.withConnection { $0.serial } }
            #expect(await eventually { pool.statistics.waiting == 1 })
            clock.advance(by: .seconds(1))
            pool.handleTimers()
            let serial = try await waiter.value
            #expect(serial == 0)
        }
    }

    @Test("a transient connect failure is retried after the backoff and the waiter is served")
    func transientConnectFailureIsRetried() async throws {
        let pool = try makePool()
        let source = source
        let clock = clock
        try await pool.withRunning {
            source.failNextConnect(with: PoolKitError(.connectionFailed, "connection refused"))
            let waiter = Task { try await pool.withConnection { $0.serial } }
            #expect(await eventually { pool.statistics.connectFailures == 1 })
            #expect(pool.statistics.waiting == 1, "a transient failure does not fail the waiter")
            #expect(source.snapshot.connectAttempts == 1, "no retry before the backoff")
            clock.advance(by: .seconds(1))
            pool.handleTimers()
            let serial = try await waiter.value
            #expect(serial == 0)
            #expect(source.snapshot.connectAttempts == 2)
        }
    }

    @Test("failFast fails the waiting lease with the first connect error")
    func failFast() async throws {
        let pool = try makePool { $0.failFast = true }
        let source = source
        try await pool.withRunning {
            source.failNextConnect(with: PoolKitError(.connectionFailed, "connection refused"))
            do {
                let lease = try await pool.lease()
                Issue.record("leased \(lease.connection)")
                await pool.release(lease)
            } catch let error as PoolKitError {
                #expect(error.code == .connectionFailed)
                #expect(error.message.contains("connection refused"))
            }
        }
    }

    @Test("a connection returned while a connect is slow goes to the waiter, and the late connection goes idle")
    func slowConnectAndReturnedConnection() async throws {
        let pool = try makePool { $0.maxConnections = 2 }
        let source = source
        try await pool.withRunning {
            let held = try await pool.lease()
            source.holdNextConnect()
            let waiter = Task { try await pool.lease() }
            await source.waitUntil { $0.heldConnects == 1 }
            await pool.release(held)
            let lease = try await waiter.value
            #expect(lease.connection.serial == 0)

            source.releaseHeldConnect()
            #expect(await eventually { pool.statistics.idle == 1 })
            #expect(pool.statistics.open == 2)
            #expect(pool.statistics.opening == 0)
            await pool.release(lease)
        }
    }

    // MARK: Validation and broken connections

    @Test("a connection dead on ping is never handed out: validated on checkout, replaced, and the lease gets a fresh one")
    func deadConnectionIsReplaced() async throws {
        let pool = try makePool()
        let source = source
        let clock = clock
        try await pool.withRunning {
            let first = try await pool.withConnection { $0 }
            first.kill()
            clock.advance(by: .seconds(1))  // past the 500 ms bypass window

            let second = try await pool.withConnection { connection in
                #expect(!connection.isDead)
                return connection
            }
            #expect(second.serial == 1)
            await source.waitUntil { $0.closes == 1 }
            #expect(first.isClosed)
            #expect(source.snapshot.validations == 1)
            #expect(pool.statistics.closed["validation_failed"] == 1)
        }
    }

    @Test("inside the bypass window an idle connection is lent without a ping")
    func noValidationInsideBypassWindow() async throws {
        let pool = try makePool()
        let source = source
        let clock = clock
        try await pool.withRunning {
            try await pool.withConnection { _ in }
            clock.advance(by: .milliseconds(400))
            try await pool.withConnection { _ in }
            #expect(source.snapshot.validations == 0)
        }
    }

    @Test("a body that throws a connection-broken error gets its connection closed")
    func brokenConnectionIsClosed() async throws {
        let pool = try makePool()
        let source = source
        try await pool.withRunning {
            await #expect(throws: TestError.broken) {
                try await pool.withConnection { _ in throw TestError.broken }
            }
            await source.waitUntil { $0.closes == 1 }
            #expect(pool.statistics.closed["broken"] == 1)
            #expect(pool.statistics.open == 0)
            #expect(source.snapshot.resets == 0, "a broken connection is not reset")
        }
    }

    @Test("a body that throws a statement error keeps its connection, which is validated before its next use")
    func statementErrorKeepsConnection() async throws {
        let pool = try makePool()
        let source = source
        try await pool.withRunning {
            await #expect(throws: TestError.statement) {
                try await pool.withConnection { _ in throw TestError.statement }
            }
            let serial = try await pool.withConnection { $0.serial }
            #expect(serial == 0)
            #expect(source.snapshot.validations == 1)
            #expect(source.snapshot.closes == 0)
        }
    }

    @Test("an idle connection failing its health check is closed and replaced to hold the floor")
    func healthCheckReplaces() async throws {
        let pool = try makePool {
            $0.minConnections = 1
            $0.healthCheckPeriod = .seconds(60)
        }
        let source = source
        let clock = clock
        try await pool.withRunning {
            await source.waitUntil { $0.connects == 1 }
            #expect(await eventually { pool.statistics.idle == 1 })
            source.connections[0].kill()
            clock.advance(by: .seconds(60))
            pool.handleTimers()
            await source.waitUntil { $0.connects == 2 && $0.closes == 1 }
            #expect(await eventually { pool.statistics.idle == 1 })
            #expect(pool.statistics.closed["validation_failed"] == 1)
            let serial = try await pool.withConnection { $0.serial }
            #expect(serial == 1)
        }
    }

    @Test("a lease held past the leak threshold is counted once")
    func leakDetection() async throws {
        let pool = try makePool { $0.leakDetectionThreshold = .seconds(10) }
        let clock = clock
        try await pool.withRunning {
            let held = try await pool.lease()
            clock.advance(by: .seconds(10))
            pool.handleTimers()
            pool.handleTimers()
            #expect(pool.statistics.leaksReported == 1)
            await pool.release(held)
        }
    }

    // MARK: Concurrency

    @Test("32 tasks × 200 leases on max 4 never open more than 4 connections, never share one, and all complete")
    func stress() async throws {
        let pool = try makePool {
            $0.maxConnections = 4
            $0.maxConcurrentConnects = 2
        }
        let source = source
        let inUse = InUseTracker()
        let completed = try await pool.withRunning {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<32 {
                    group.addTask {
                        var done = 0
                        for _ in 0..<200 {
                            try await pool.withConnection { connection in
                                inUse.enter(connection.serial)
                                await Task.yield()
                                inUse.exit(connection.serial)
                            }
                            done += 1
                        }
                        return done
                    }
                }
                return try await group.reduce(0, +)
            }
        }
        #expect(completed == 32 * 200)
        #expect(source.snapshot.maxOpen <= 4)
        #expect(inUse.most <= 4)
        #expect(inUse.shared == 0, "a connection was lent to two tasks at once")
        let statistics = pool.statistics
        #expect(statistics.leases == 32 * 200)
        #expect(statistics.open == 0)
        #expect(statistics.created == source.snapshot.connects)
    }

    // MARK: Shutdown

    @Test("graceful shutdown: new leases fail, idle connections close, a leased one closes when returned, and run() returns")
    func gracefulShutdown() async throws {
        let pool = try makePool()
        let source = source
        let held = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.run() }
            let held = try await pool.lease()
            let other = try await pool.lease()
            await pool.release(other)

            group.addTask { await pool.shutdown() }
            await source.waitUntil { $0.closes == 1 }  // the idle one
            do {
                let lease = try await pool.lease()
                Issue.record("leased \(lease.connection) during shutdown")
            } catch let error as PoolKitError {
                #expect(error.code == .poolShutdown)
            }
            #expect(!held.connection.isClosed)

            await pool.release(held)
            try await group.waitForAll()  // run() and shutdown() return
            return held
        }
        #expect(held.connection.isClosed)
        #expect(source.snapshot.open == 0)
        let statistics = pool.statistics
        #expect(statistics.closed["shutdown"] == 2)
        #expect(statistics.open == 0)
    }

    @Test("shutdown fails waiting leases with .poolShutdown")
    func shutdownFailsWaiters() async throws {
        let pool = try makePool { $0.maxConnections = 1 }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.run() }
            let held = try await pool.lease()
            let waiter = Task { try await pool.lease() }
            #expect(await eventually { pool.statistics.waiting == 1 })
            group.addTask { await pool.shutdown() }
            do {
                let lease = try await waiter.value
                Issue.record("leased \(lease.connection) during shutdown")
            } catch let error as PoolKitError {
                #expect(error.code == .poolShutdown)
            }
            await pool.release(held)
            try await group.waitForAll()
        }
    }

    @Test("a connection that finishes opening during shutdown is closed")
    func connectionEstablishedDuringShutdownIsClosed() async throws {
        let pool = try makePool()
        let source = source
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.run() }
            source.holdNextConnect()
            let waiter = Task { try await pool.lease() }
            await source.waitUntil { $0.heldConnects == 1 }
            group.addTask { await pool.shutdown() }
            await #expect(throws: PoolKitError.self) { _ = try await waiter.value }
            source.releaseHeldConnect()
            try await group.waitForAll()
        }
        #expect(source.snapshot.connects == 1)
        #expect(source.snapshot.open == 0)
        #expect(pool.statistics.closed["shutdown"] == 1)
        #expect(source.snapshot.connectAttempts == 1, "nothing is opened after shutdown")
    }

    @Test("after the grace period a leased connection's statement is cancelled and it is closed")
    func shutdownDeadline() async throws {
        let pool = try makePool()
        let source = source
        let clock = clock
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.run() }
            let held = try await pool.lease()
            await pool.release(try await pool.lease())  // a second, idle connection
            group.addTask { await pool.shutdown(gracePeriod: .seconds(5)) }
            await source.waitUntil { $0.closes == 1 }  // shutdown has begun: the idle one is closed

            clock.advance(by: .seconds(4))
            pool.handleTimers()
            #expect(source.snapshot.cancels == 0, "still inside the grace period")
            clock.advance(by: .seconds(1))
            pool.handleTimers()
            #expect(source.snapshot.cancels == 1)
            try await group.waitForAll()  // run() and shutdown() return without the lease coming back
            #expect(held.connection.isClosed)
            await pool.release(held)  // a late release is harmless
        }
        #expect(source.snapshot.closes == 2)
        #expect(source.snapshot.open == 0)
        #expect(pool.statistics.closed["shutdown"] == 2)
    }

    @Test("cancelling run() shuts the pool down gracefully and run() returns")
    func cancellingRunShutsDown() async throws {
        let pool = try makePool()
        let source = source
        let run = Task { try await pool.run() }
        try await pool.withConnection { _ in }
        run.cancel()
        try await run.value
        #expect(source.snapshot.open == 0)
        #expect(pool.statistics.closed["shutdown"] == 1)
        await #expect(throws: PoolKitError.self) { _ = try await pool.lease() }
    }

    // MARK: Statistics

    @Test("statistics count created connections, leases, waits and timeouts")
    func statisticsCounts() async throws {
        let pool = try makePool { $0.maxConnections = 1 }
        let clock = clock
        try await pool.withRunning {
            try await pool.withConnection { _ in }  // waits for the first connection
            try await pool.withConnection { _ in }  // fast path
            var statistics = pool.statistics
            #expect(statistics.created == 1)
            #expect(statistics.leases == 2)
            #expect(statistics.leasesWaited == 1)
            #expect(statistics.timeouts == 0)
            #expect(statistics.idle == 1)

            let held = try await pool.lease()
            let waiter = Task { try await pool.lease() }
            #expect(await eventually { pool.statistics.waiting == 1 })
            clock.advance(by: .seconds(30))
            pool.handleTimers()
            _ = await waiter.result
            statistics = pool.statistics
            #expect(statistics.leases == 3)
            #expect(statistics.leasesWaited == 2)
            #expect(statistics.timeouts == 1)
            #expect(statistics.leased == 1)
            #expect(statistics.waiting == 0)
            await pool.release(held)
        }
    }
}

/// Which connections borrowers are using right now, the most at once, and how often one was in two
/// borrowers' hands at the same time.
final class InUseTracker: Sendable {
    private let state = Mutex<(serials: Set<Int>, most: Int, shared: Int)>(([], 0, 0))

    func enter(_ serial: Int) {
        state.withLock { state in
            if !state.serials.insert(serial).inserted { state.shared += 1 }
            state.most = max(state.most, state.serials.count)
        }
    }

    func exit(_ serial: Int) {
        _ = state.withLock { $0.serials.remove(serial) }
    }

    var most: Int { state.withLock { $0.most } }
    var shared: Int { state.withLock { $0.shared } }
}
