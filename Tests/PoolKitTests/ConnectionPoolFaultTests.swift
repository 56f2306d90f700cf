import PoolKitConformance
import Testing

@testable import PoolKit

/// The real pool with a scripted source: a cancelled borrower, a connection that never answers
/// its validation, soft eviction, the lease's own timeout in its message.
@Suite("ConnectionPool faults", .timeLimit(.minutes(1)))
struct ConnectionPoolFaultTests {
    typealias Pool = ConnectionPool<TestConnectionSource>

    let source = TestConnectionSource()
    let clock = ManualPoolClock()

    func makePool(_ modify: (inout PoolConfiguration) -> Void = { _ in }) throws -> Pool {
        let configuration = machineConfiguration {
            $0.timerResolution = .milliseconds(20)
            modify(&$0)
        }
        return try Pool(source: source, configuration: configuration, clock: clock)
    }

    @Test("a borrower cancelled after its body succeeded keeps its connection: the reset runs and nothing is closed")
    func cancelledBorrowerKeepsConnection() async throws {
        let pool = try makePool { $0.maxConnections = 1 }
        let source = source
        try await pool.withRunning {
            let serial = try await Task {
                try await pool.withConnection { connection in
                    withUnsafeCurrentTask { $0?.cancel() }
                    return connection.serial
                }
            }.value
            #expect(source.snapshot.resets == 1)
            #expect(source.snapshot.closes == 0)
            #expect(pool.statistics.closed["reset_failed"] == nil)
            #expect(try await pool.withConnection { $0.serial } == serial)
        }
    }

    @Test("a connection that never answers its checkout validation is closed after validationTimeout and the lease gets a new one")
    func hungValidationIsReplaced() async throws {
        let pool = try makePool {
            $0.maxConnections = 1
            $0.validationBypassWindow = .zero
            $0.validationTimeout = .milliseconds(50)
        }
        let source = source
        let clock = clock
        try await pool.withRunning {
            try await pool.withConnection { _ in }
            clock.advance(by: .seconds(1))
            source.hangNextValidation()
            let serial = try await pool.withConnection { $0.serial }
            #expect(serial == 1)
            #expect(source.snapshot.cancels == 1, "the hung check was cancelled")
            #expect(pool.statistics.closed["validation_failed"] == 1)
            source.releaseHungValidations()
        }
    }

    @Test("an idle connection whose health check never answers is closed after validationTimeout and replaced")
    func hungHealthCheckIsReplaced() async throws {
        let pool = try makePool {
            $0.minConnections = 1
            $0.healthCheckPeriod = .seconds(10)
            $0.validationTimeout = .milliseconds(50)
        }
        let source = source
        let clock = clock
        try await pool.withRunning {
            await source.waitUntil { $0.connects == 1 }
            source.hangNextValidation()
            clock.advance(by: .seconds(10))
            pool.handleTimers()
            await source.waitUntil { $0.connects == 2 && $0.closes == 1 }
            #expect(pool.statistics.closed["validation_failed"] == 1)
            source.releaseHungValidations()
        }
    }

    @Test("a statement error saying the server is read-only closes that connection and soft-evicts the older ones")
    func readOnlyErrorSoftEvicts() async throws {
        let pool = try makePool { $0.maxConnections = 3 }
        let source = source
        try await pool.withRunning {
            // One lease at a time (not an array literal of awaits).
                var leases: [PoolLease<TestConnection>] = []
                for _ in 0..<3 { leases.append(try await pool.lease()) }
            await pool.release(leases[1])
            await pool.release(leases[0], after: TestError.readOnly)
            await source.waitUntil { $0.closes == 2 }
            #expect(leases[0].connection.isClosed)
            #expect(leases[1].connection.isClosed, "the idle older one is closed at once")
            #expect(!leases[2].connection.isClosed, "a leased one is closed only when it comes back")
            await pool.release(leases[2])
            await source.waitUntil { $0.closes == 3 }
            #expect(leases[2].connection.isClosed)
            #expect(pool.statistics.closed["read_only"] == 1)
            #expect(pool.statistics.closed["evicted"] == 2)
            let serial = try await pool.withConnection { $0.serial }
            #expect(serial >= 3)
            #expect(source.snapshot.open <= 3)
        }
    }

    @Test("softEvictAll closes idle connections now and leased ones on return; later connections are kept")
    func softEvictAll() async throws {
        let pool = try makePool { $0.maxConnections = 2 }
        let source = source
        try await pool.withRunning {
            let held = try await pool.lease()
            let idle = try await pool.lease()
            await pool.release(idle)
            pool.softEvictAll()
            await source.waitUntil { $0.closes == 1 }
            #expect(idle.connection.isClosed)
            #expect(!held.connection.isClosed)
            await pool.release(held)
            await source.waitUntil { $0.closes == 2 }
            #expect(held.connection.isClosed)
            let fresh = try await pool.lease()
            await pool.release(fresh)
            #expect(!fresh.connection.isClosed)
            #expect(pool.statistics.closed["evicted"] == 2)
        }
    }

    @Test("a lease that times out names its own timeout, not the pool's default")
    func timeoutMessageNamesLeaseTimeout() async throws {
        let pool = try makePool {
            $0.maxConnections = 1
            $0.acquireTimeout = .seconds(3)
        }
        let clock = clock
        try await pool.withRunning {
            let held = try await pool.lease()
            let waiter = Task { try await pool.lease(timeout: .seconds(1)) }
            #expect(await eventually { pool.statistics.waiting == 1 })
            clock.advance(by: .seconds(1))
            pool.handleTimers()
            do {
                let lease = try await waiter.value
                await pool.release(lease)
                Issue.record("the waiter got a connection")
            } catch let error as PoolKitError {
                #expect(error.message.contains("within 1s"), "\(error.message)")
                #expect(!error.message.contains("3s"))
            }
            await pool.release(held)
        }
    }
}
