import DequeModule

/// The request side of the state machine: leases on the fast and the full path, the FIFO queue of
/// waiters (cancel, compaction), checkout validation and releases, and handing a free connection
/// to the first waiter or to the idle stack.
extension PoolStateMachine {
    /// The fast path: an idle connection, if there is one and no one waits before us.
    /// An expired connection on top of the idle stack sends the caller to the full path, which closes it.
    mutating func leaseIdle(now: PoolInstant, location: LeaseLocation) -> (Connection, ConnectionID, validate: Bool)? {
        guard isRunning, waiters.isEmpty, let id = idleStack.last, !isExpired(id, now: now) else { return nil }
        idleStack.removeLast()
        return markLeased(id, now: now, location: location)
    }

    /// The lease serial of a leased connection: it changes with every lease, so a second release of
    /// an old lease is recognised and ignored.
    func leaseSerial(of id: ConnectionID) -> Int { slots[id]?.leaseSerial ?? -1 }

    func isExpired(_ id: ConnectionID, now: PoolInstant) -> Bool {
        guard let expiresAt = slots[id]?.expiresAt else { return false }
        return now >= expiresAt
    }

    /// Closes expired connections on top of the idle stack (lifetime is also enforced at checkout).
    mutating func dropExpiredIdle(now: PoolInstant) -> [Action] {
        var actions: [Action] = []
        while let id = idleStack.last, isExpired(id, now: now),
            let slot = slots[id], case .idle(let connection) = slot.state
        {
            closeIdle(id, connection, .maxLifetime, into: &actions)
        }
        return actions
    }

    /// The full path: lease an idle connection, or queue the request and open connections as needed.
    /// `timeout` is the lease's own acquire timeout, named in the message should `deadline` pass.
    mutating func leaseRequested(
        _ request: RequestID, now: PoolInstant, deadline: PoolInstant, timeout: Duration, location: LeaseLocation
    ) -> LeaseResult {
        guard isRunning else {
            return .failed(PoolKitError(.poolShutdown, "pool \(configuration.name) is shut down: no new leases"), actions: [])
        }
        var actions = dropExpiredIdle(now: now)
        if waiters.isEmpty, let id = idleStack.popLast() {
            let (connection, id, validate) = markLeased(id, now: now, location: location)
            if !actions.isEmpty { actions += connectActions(now: now) }
            return .leased(connection, id, validate: validate, actions: actions)
        }
        if let maxWaiting = configuration.maxWaiting, waiters.count >= maxWaiting {
            counters.rejected += 1
            return .failed(
                PoolKitError(
                    .tooManyWaiters,
                    "pool \(configuration.name) already has \(waiters.count) waiting tasks (max_waiting=\(maxWaiting)): the database is overloaded or connections leak; raise pool_max or max_waiting"
                ), actions: actions)
        }
        waiters[request] = Waiter(deadline: deadline, timeout: timeout, location: location)
        noteDeadline(deadline)
        waiterOrder.append(request)
        counters.leasesWaited += 1
        return .enqueued(actions + connectActions(now: now, newWaiter: true))
    }

    /// A waiting task was cancelled. Returns true if it was still waiting (it must then be resumed with
    /// `CancellationError` by the caller); false if a connection was already handed to it.
    mutating func leaseCancelled(_ request: RequestID) -> Bool {
        guard waiters.removeValue(forKey: request) != nil else { return false }
        counters.cancelledWaits += 1
        compactWaiterOrderIfSparse()
        return true
    }

    /// The borrower validated the connection it was given (checkout validation) and it is fine.
    mutating func validationSucceeded(_ id: ConnectionID, now: PoolInstant) {
        guard var slot = slots[id], case .leased = slot.state else { return }
        slot.validatedGeneration = generation
        slot.needsValidation = false
        slot.lastCheckedAt = now
        slots[id] = slot
    }

    /// The borrower's checkout validation failed: close the connection. The hand-over was no lease:
    /// the borrower leases again, or — `leaseTimedOut`, its deadline passed during the validation —
    /// fails with an acquire timeout, counted as one.
    mutating func validationFailed(_ id: ConnectionID, leaseTimedOut: Bool = false, now: PoolInstant) -> [Action] {
        guard let slot = slots[id], case .leased(let connection) = slot.state else { return [] }
        slots[id] = nil
        counters.leases -= 1
        if leaseTimedOut { counters.timeouts += 1 }
        counters.closed[.validationFailed, default: 0] += 1
        let actions = [.close(connection, id, .validationFailed)] + connectActions(now: now)
        finishShutdownIfDone()
        return actions
    }

    /// The `beforeLease` hook threw for a connection handed over for a lease: the lease failed, so it
    /// counts as a failed lease, not a granted one, and the connection is closed — as `broken` when
    /// the hook's error says the connection was lost, else as `hookFailed` (the hook may have left
    /// the session half changed).
    mutating func leaseHookFailed(_ id: ConnectionID, serial: Int, connectionLost: Bool, now: PoolInstant) -> [Action] {
        guard let slot = slots[id], case .leased = slot.state, slot.leaseSerial == serial else { return [] }
        counters.leases -= 1
        counters.failedLeases += 1
        return released(id, serial: serial, outcome: .discard(connectionLost ? .broken : .hookFailed, connectionLost: connectionLost), now: now)
    }

    /// A leased connection comes back (after the pool reset it).
    mutating func released(_ id: ConnectionID, serial: Int? = nil, outcome: ReleaseOutcome, now: PoolInstant) -> [Action] {
        guard var slot = slots[id], case .leased(let connection) = slot.state else { return [] }
        if let serial, serial != slot.leaseSerial { return [] }  // a stale lease released twice
        var actions: [Action] = []
        if slot.leakReported {
            actions.append(.leakReturned(id, location: slot.leaseLocation, heldFor: now - slot.leasedAt))
        }
        var closeReason: CloseReason?
        switch outcome {
        case .reusable: break
        case .suspect: slot.needsValidation = true
        case .discard(let reason, let connectionLost):
            closeReason = reason
            if connectionLost { generation += 1 }
        case .failover:
            closeReason = .readOnly
            slots[id] = slot
            actions += softEvict(createdAtOrBefore: now, now: now)
            slot = slots[id]!
        }
        if closeReason == nil, !isRunning { closeReason = .shutdown }
        if closeReason == nil, slot.evicted { closeReason = .evicted }
        if closeReason == nil, let expiresAt = slot.expiresAt, now >= expiresAt { closeReason = .maxLifetime }
        if let closeReason {
            slots[id] = nil
            counters.closed[closeReason, default: 0] += 1
            actions.append(.close(connection, id, closeReason))
            actions += connectActions(now: now)
            if case .shuttingDown = phase { finishShutdownIfDone() }
            return actions
        }
        slot.idleSince = now
        slot.leakReported = false
        slots[id] = slot
        actions += makeAvailable(id, connection: connection, now: now)
        return actions
    }

    mutating func markLeased(_ id: ConnectionID, now: PoolInstant, location: LeaseLocation)
        -> (Connection, ConnectionID, validate: Bool)
    {
        var slot = slots[id]!
        guard case .idle(let connection) = slot.state else { preconditionFailure("idle stack holds a busy connection") }
        let validate =
            slot.needsValidation || slot.validatedGeneration < generation
            || now - max(slot.idleSince, slot.lastCheckedAt) > configuration.validationBypassWindow
        slot.state = .leased(connection)
        slot.leasedAt = now
        slot.leaseLocation = location
        slot.leaseSerial &+= 1
        slots[id] = slot
        counters.leases += 1
        return (connection, id, validate)
    }

    /// Hands a free connection to the first waiter, or puts it on the idle stack.
    mutating func makeAvailable(_ id: ConnectionID, connection: Connection, now: PoolInstant) -> [Action] {
        while let request = waiterOrder.popFirst() {
            guard let waiter = waiters.removeValue(forKey: request) else { continue }  // cancelled earlier
            var slot = slots[id]!
            let validate = slot.needsValidation || slot.validatedGeneration < generation
            slot.state = .leased(connection)
            slot.leasedAt = now
            slot.leaseLocation = waiter.location
            slot.leaseSerial &+= 1
            slots[id] = slot
            counters.leases += 1
            return [.resume(request, connection, id, validate: validate)]
        }
        // Read, change, write back rather than `slots[id]?.state = …`: the dictionary's modify
        // accessor heap-allocates its coroutine frames here (two mallocs per release, seen with
        // a uprobe on malloc in the pool benchmarks).
        if var slot = slots[id] {
            slot.state = .idle(connection)
            slots[id] = slot
        }
        idleStack.append(id)
        return []
    }

    /// Drops the ids of requests that no longer wait once they are most of `waiterOrder`, so that a
    /// long stretch of timeouts or cancellations with no connection coming free (an outage) does
    /// not grow the queue without bound. Amortized O(1) per removed waiter; keeps the order.
    mutating func compactWaiterOrderIfSparse() {
        guard waiterOrder.count > 2 * waiters.count + 64 else { return }
        waiterOrder = Deque(waiterOrder.filter { waiters[$0] != nil })
    }

    func timeoutError(timeout: Duration, counts: String) -> PoolKitError {
        var message =
            "pool \(configuration.name): no connection available within \(timeout.shortDescription) (\(counts))"
        if let lastConnectError {
            message += "; last connect error: \(lastConnectError.message)"
            return PoolKitError(.acquireTimeout, message, engineCode: lastConnectError.engineCode, underlying: lastConnectError)
        }
        message += ": raise pool_max or acquire_timeout, or look for leases that are not returned (leak_detection_threshold)"
        return PoolKitError(.acquireTimeout, message)
    }
}
