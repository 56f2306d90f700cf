/// What happens to a connection between being chosen for a lease and reaching the borrower:
/// validation on checkout and the `beforeLease` hook.
extension ConnectionPool {
    /// Validates (if asked) and runs the before-lease hook. Returns nil when the connection failed
    /// validation and was discarded, so the caller leases again. Validation waits at most
    /// ``PoolConfiguration/validationTimeout`` and never past the lease's deadline; a connection
    /// that does not answer in time has its statement cancelled and is closed.
    func prepare(_ handoff: Handoff, deadline: PoolInstant, timeout: Duration) async throws -> PoolLease<Connection>? {
        let lease = PoolLease(connection: handoff.connection, id: handoff.id, serial: handoff.serial)
        if handoff.validate {
            let limit = min(configuration.validationTimeout, max(deadline - clock.now, .zero))
            let outcome = await validate(handoff.connection, within: limit)
            let now = clock.now
            if case .healthy = outcome {
                state.withLock { $0.machine.validationSucceeded(handoff.id, now: now) }
            } else {
                logger.info("connection failed validation on checkout; replacing it", metadata: ["outcome": "\(outcome)"])
                var leaseTimedOut = false
                if case .timedOut = outcome, now >= deadline { leaseTimedOut = true }
                var effects = state.withLock { state in
                    Self.apply(state.machine.validationFailed(handoff.id, leaseTimedOut: leaseTimedOut, now: now), to: &state)
                }
                if leaseTimedOut { effects.timeouts += 1 }
                effects.run(self)
                if leaseTimedOut {
                    throw PoolKitError(
                        .acquireTimeout,
                        "pool \(configuration.name): no connection available within \(timeout.shortDescription): the connection lent did not answer its validation within \(limit.shortDescription) and was closed; the server may be overloaded or unreachable")
                }
                return nil
            }
        }
        if let beforeLease = hooks.beforeLease {
            do {
                try await beforeLease(handoff.connection)
            } catch {
                let connectionLost = source.classify(error) == .connectionBroken
                let now = clock.now
                let effects = state.withLock { state in
                    Self.apply(
                        state.machine.leaseHookFailed(handoff.id, serial: handoff.serial, connectionLost: connectionLost, now: now),
                        to: &state)
                }
                effects.run(self)
                metrics.leaseFailures.increment()
                throw error
            }
        }
        return lease
    }
}
