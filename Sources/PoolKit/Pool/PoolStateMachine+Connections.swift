/// The connection side of the state machine: which connects to start (floor, waiters, concurrent
/// limit, backoff), what a landed or failed connect does, health-check results, soft eviction
/// and closing idle connections.
extension PoolStateMachine {
    mutating func connectionEstablished(_ id: ConnectionID, _ connection: Connection, now: PoolInstant) -> [Action] {
        guard openingIDs.remove(id) != nil else {
            // Abandoned at the shutdown deadline.
            counters.created += 1
            counters.closed[.shutdown, default: 0] += 1
            return [.close(connection, id, .shutdown)]
        }
        hasEverConnected = true
        consecutiveConnectFailures = 0
        nextConnectAttempt = nil
        lastConnectError = nil
        counters.created += 1
        guard isRunning else {
            counters.closed[.shutdown, default: 0] += 1
            finishShutdownIfDone()
            return [.close(connection, id, .shutdown)]
        }
        // Opened for waiters that connections coming back have served meanwhile: nobody waits and
        // another connection is idle, so it would only outlive the burst as one more idle
        // connection than the load needed. Above the floor it is closed at once.
        if waiters.isEmpty, !idleStack.isEmpty, slots.count + opening >= configuration.minConnections {
            counters.closed[.surplus, default: 0] += 1
            return [.close(connection, id, .surplus)]
        }
        var expiresAt: PoolInstant?
        if let lifetime = configuration.maxLifetime {
            let fraction = configuration.maxLifetimeJitter * random.nextUnitInterval()
            expiresAt = now + lifetime * (1 - fraction)
        }
        slots[id] = Slot(
            state: .idle(connection), createdAt: now, expiresAt: expiresAt, idleSince: now, lastCheckedAt: now,
            validatedGeneration: generation, healthCheckPeriod: jitteredHealthCheckPeriod())
        return makeAvailable(id, connection: connection, now: now) + connectActions(now: now)
    }

    mutating func connectFailed(_ id: ConnectionID, error: PoolKitError, permanent: Bool, now: PoolInstant) -> [Action] {
        counters.connectFailures += 1
        guard openingIDs.remove(id) != nil else { return [] }  // abandoned at the shutdown deadline
        lastConnectFailureAt = now
        lastConnectError = error
        consecutiveConnectFailures += 1
        guard isRunning else {
            finishShutdownIfDone()
            return []
        }
        let base = configuration.connectBackoff.seconds * pow2(consecutiveConnectFailures - 1)
        let capped = min(base, configuration.maxConnectBackoff.seconds)
        let jittered = capped * (0.8 + 0.4 * random.nextUnitInterval())
        nextConnectAttempt = now + .nanoseconds(Int64(jittered * 1e9))
        noteDeadline(nextConnectAttempt!)
        var actions: [Action] = []
        if permanent || (configuration.failFast && !hasEverConnected) {
            // Waiting cannot heal this (or the user asked to fail fast): every waiter learns now.
            while let request = waiterOrder.popFirst() {
                if waiters.removeValue(forKey: request) != nil { actions.append(.fail(request, error)) }
            }
        }
        return actions
    }

    mutating func healthCheckFinished(_ id: ConnectionID, healthy: Bool, now: PoolInstant) -> [Action] {
        guard let slot = slots[id], case .checking(let connection) = slot.state else { return [] }
        checkingCount -= 1
        guard healthy, isRunning, !slot.evicted else {
            slots[id] = nil
            let reason: CloseReason = !healthy ? .validationFailed : isRunning ? .evicted : .shutdown
            counters.closed[reason, default: 0] += 1
            var actions: [Action] = [.close(connection, id, reason)]
            actions += connectActions(now: now)
            if case .shuttingDown = phase { finishShutdownIfDone() }
            return actions
        }
        var updated = slot
        updated.lastCheckedAt = now
        updated.validatedGeneration = generation
        updated.needsValidation = false
        updated.healthCheckPeriod = jitteredHealthCheckPeriod()
        slots[id] = updated
        return makeAvailable(id, connection: connection, now: now)
    }

    /// Soft-evicts every connection opened at or before `cutoff`: idle ones close now, leased ones
    /// when they come back, ones being health-checked when the check ends. Connections opened
    /// later are kept. Replacements are opened as the floor and the waiters need.
    mutating func softEvict(createdAtOrBefore cutoff: PoolInstant, now: PoolInstant) -> [Action] {
        guard isRunning else { return [] }
        var actions: [Action] = []
        for (id, slot) in slots.sorted(by: { $0.key < $1.key }) where slot.createdAt <= cutoff && !slot.evicted {
            counters.softEvictions += 1
            if case .idle(let connection) = slot.state {
                closeIdle(id, connection, .evicted, into: &actions)
            } else {
                slots[id]?.evicted = true
            }
        }
        if !actions.isEmpty { actions += connectActions(now: now) }
        return actions
    }

    mutating func closeIdle(_ id: ConnectionID, _ connection: Connection, _ reason: CloseReason, into actions: inout [Action]) {
        idleStack.removeAll { $0 == id }
        slots[id] = nil
        counters.closed[reason, default: 0] += 1
        actions.append(.close(connection, id, reason))
    }

    /// Opens as many connections as the floor and the waiters need, within `maxConnections`, the
    /// concurrent-connect limit and the backoff after failures. A new waiter cuts the backoff short
    /// when no connect is in flight and `connectBackoff` has passed since the last failure, so a
    /// server that came back is used at once rather than after a backoff grown during the outage.
    mutating func connectActions(now: PoolInstant, newWaiter: Bool = false) -> [Action] {
        guard isRunning else { return [] }
        if let nextConnectAttempt, now < nextConnectAttempt {
            guard newWaiter, openingIDs.isEmpty, let failedAt = lastConnectFailureAt,
                now - failedAt >= configuration.connectBackoff
            else { return [] }
        }
        let belowFloor = configuration.minConnections - total
        let unservedWaiters = waiters.count - opening
        var wanted = max(belowFloor, unservedWaiters)
        wanted = min(wanted, configuration.maxConnections - total, configuration.maxConcurrentConnects - opening)
        guard wanted > 0 else { return [] }
        if consecutiveConnectFailures > 0 { wanted = min(wanted, 1) }  // probe one at a time after failures
        var actions: [Action] = []
        actions.reserveCapacity(wanted)
        for _ in 0..<wanted {
            let id = nextConnectionID
            nextConnectionID += 1
            openingIDs.insert(id)
            actions.append(.open(id))
        }
        if consecutiveConnectFailures > 0 { nextConnectAttempt = .init(nanoseconds: .max) }  // until this probe reports
        return actions
    }

    /// The health-check period of a connection, shortened by up to 10 % at random.
    mutating func jitteredHealthCheckPeriod() -> Duration? {
        guard let period = configuration.healthCheckPeriod else { return nil }
        return period * (1 - 0.1 * random.nextUnitInterval())
    }

    func pow2(_ exponent: Int) -> Double {
        Double(1 << min(max(exponent, 0), 20))
    }
}
