/// The state machine's time: what is due when timers fire (waiter deadlines, lifetime, idle
/// timeout, health checks, leak reports, connect retries), graceful shutdown and its deadline, and
/// the next instant anything is due.
extension PoolStateMachine {
    /// Everything that is due at `now`: waiter timeouts, idle and lifetime closes, health checks,
    /// leak reports, connect retries and the shutdown deadline.
    mutating func timersFired(now: PoolInstant) -> [Action] {
        var actions: [Action] = []
        // Waiters past their deadline. The counts in their message are taken before any is removed.
        if !waiters.isEmpty {
            let expired = waiters.filter { $0.value.deadline <= now }
            if !expired.isEmpty {
                let counts = countsDescription()
                for (request, waiter) in expired.sorted(by: { $0.key < $1.key }) {
                    waiters[request] = nil
                    counters.timeouts += 1
                    actions.append(.fail(request, timeoutError(timeout: waiter.timeout, counts: counts)))
                }
                compactWaiterOrderIfSparse()
            }
        }
        if case .shuttingDown(let deadline) = phase {
            if now >= deadline {
                // Nothing outlives the deadline: leased connections (also those being validated on
                // checkout) and health checks have their statement cancelled and are closed; connects
                // still in flight are abandoned (closed as soon as they open).
                for (id, slot) in slots.sorted(by: { $0.key < $1.key }) {
                    switch slot.state {
                    case .leased(let connection), .checking(let connection):
                        if case .checking = slot.state { checkingCount -= 1 } else { cutOffAtShutdown.insert(id) }
                        actions.append(.cancelStatement(connection, id))
                        actions.append(.close(connection, id, .shutdown))
                        counters.closed[.shutdown, default: 0] += 1
                        slots[id] = nil
                    case .idle:
                        break
                    }
                }
                openingIDs.removeAll()
                finishShutdownIfDone()
            }
            return actions
        }
        guard isRunning else { return actions }
        // Idle connections: lifetime, idle timeout, health check.
        var keep = slots.count + opening
        for id in idleStack {
            guard let slot = slots[id], case .idle(let connection) = slot.state else { continue }
            if let expiresAt = slot.expiresAt, now >= expiresAt {
                closeIdle(id, connection, .maxLifetime, into: &actions)
                keep -= 1
            } else if let idleTimeout = configuration.idleTimeout, keep > configuration.minConnections,
                now - slot.idleSince >= idleTimeout
            {
                closeIdle(id, connection, .idleTimeout, into: &actions)
                keep -= 1
            } else if let period = slot.healthCheckPeriod,
                now - max(slot.lastCheckedAt, slot.idleSince) >= period
            {
                idleStack.removeAll { $0 == id }
                slots[id]?.state = .checking(connection)
                checkingCount += 1
                actions.append(.check(connection, id))
            }
        }
        // Leases held too long.
        if let threshold = configuration.leakDetectionThreshold {
            for (id, slot) in slots where !slot.leakReported {
                if case .leased = slot.state, now - slot.leasedAt >= threshold {
                    slots[id]?.leakReported = true
                    counters.leaksReported += 1
                    actions.append(.reportLeak(id, location: slot.leaseLocation, heldFor: now - slot.leasedAt))
                }
            }
        }
        actions += connectActions(now: now)
        return actions
    }

    /// Stops lending: waiters fail, idle connections close, leased ones close when they come back
    /// (or at `deadline`, after their statement is cancelled).
    mutating func shutdown(now: PoolInstant, deadline: PoolInstant) -> [Action] {
        guard isRunning else { return [] }
        phase = .shuttingDown(deadline: deadline)
        shutdownGracePeriod = deadline - now
        noteDeadline(deadline)
        var actions: [Action] = []
        let error = PoolKitError(.poolShutdown, "pool \(configuration.name) is shutting down")
        while let request = waiterOrder.popFirst() {
            if waiters.removeValue(forKey: request) != nil { actions.append(.fail(request, error)) }
        }
        for id in idleStack {
            if let slot = slots.removeValue(forKey: id), case .idle(let connection) = slot.state {
                counters.closed[.shutdown, default: 0] += 1
                actions.append(.close(connection, id, .shutdown))
            }
        }
        idleStack.removeAll()
        finishShutdownIfDone()
        return actions
    }

    mutating func finishShutdownIfDone() {
        if case .shuttingDown = phase, slots.isEmpty, opening == 0 { phase = .shutDown }
    }

    /// The earliest instant at which ``timersFired(now:)`` has something to do, or nil if nothing
    /// is scheduled: a waiter's deadline, the shutdown deadline, a connect retry, an idle
    /// connection's lifetime, idle timeout or health check, a lease's leak threshold.
    func nextDeadline() -> PoolInstant? {
        var earliest: PoolInstant?
        func consider(_ instant: PoolInstant?) {
            guard let instant else { return }
            if earliest.map({ instant < $0 }) ?? true { earliest = instant }
        }
        for waiter in waiters.values { consider(waiter.deadline) }
        switch phase {
        case .shuttingDown(let deadline): consider(deadline)
        case .shutDown: return earliest
        case .running: break
        }
        if let nextConnectAttempt, nextConnectAttempt.nanoseconds != .max, openingIDs.isEmpty {
            let wanted = max(configuration.minConnections - total, waiters.count - opening)
            if wanted > 0 { consider(nextConnectAttempt) }
        }
        for slot in slots.values {
            switch slot.state {
            case .idle:
                consider(slot.expiresAt)
                if let idleTimeout = configuration.idleTimeout, slots.count + opening > configuration.minConnections {
                    consider(slot.idleSince + idleTimeout)
                }
                if let period = slot.healthCheckPeriod { consider(max(slot.lastCheckedAt, slot.idleSince) + period) }
            case .leased:
                if let threshold = configuration.leakDetectionThreshold, !slot.leakReported { consider(slot.leasedAt + threshold) }
            case .checking:
                break
            }
        }
        return earliest
    }
}
