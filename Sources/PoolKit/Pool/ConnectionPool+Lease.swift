/// Borrowing: `withConnection`, `lease`, the fast path off the idle stack and the wait in the
/// state machine's queue. What happens to the connection once it is chosen is in
/// `ConnectionPool+Checkout.swift`.
extension ConnectionPool {
    /// Borrows a connection, runs `body` with it and gives it back (reset for the next borrower),
    /// also when `body` throws. A connection whose borrower threw is validated before its next use;
    /// one the driver says is broken is closed.
    ///
    /// Inlinable so that the caller's module specializes it for its result type. A URL pool has an
    /// overload of its own, which leases and releases through the code compiled for its source.
    @inlinable
    public func withConnection<Result>(
        isolation: isolated (any Actor)? = #isolation,
        timeout: Duration? = nil,
        fileID: String = #fileID,
        line: Int = #line,
        _ body: (Connection) async throws -> Result
    ) async throws -> Result {
        let lease = try await lease(timeout: timeout, fileID: fileID, line: line)
        let result: Result
        do {
            result = try await body(lease.connection)
        } catch {
            throw await release(lease, afterThrowing: error)
        }
        await release(lease)
        return result
    }

    /// Borrows a connection, waiting up to `timeout` (default: the configuration's acquire timeout).
    /// Waiters are served first come, first served; a cancelled task stops waiting at once and
    /// gets `CancellationError`. The timeout also bounds the validation of the connection on
    /// checkout: a connection that does not answer in time is replaced.
    ///
    /// A URL pool (`ConnectionPool<DriverConnectionSource>`) has an overload of its own, compiled
    /// for that source (`ConnectionPool+DriverSource.swift`), which the compiler picks wherever the
    /// pool's type is known.
    public func lease(timeout: Duration? = nil, fileID: String = #fileID, line: Int = #line) async throws -> PoolLease<Connection> {
        try await leaseFromAnySource(timeout: timeout, fileID: fileID, line: line)
    }

    /// ``lease(timeout:fileID:line:)`` for any connection source.
    func leaseFromAnySource(timeout: Duration?, fileID: String, line: Int) async throws -> PoolLease<Connection> {
        let location = LeaseLocation(fileID: fileID, line: line)
        let start = clock.now
        let timeout = timeout ?? configuration.acquireTimeout
        let deadline = start + timeout
        var waited = false
        while true {
            try Task.checkCancellation()
            let now = clock.now
            let handoff: Handoff
            let fastPath = state.withLock { state -> Handoff? in
                guard let (connection, id, validate) = state.machine.leaseIdle(now: now, location: location) else { return nil }
                state.publishGauges()
                return Handoff(connection: connection, id: id, validate: validate, serial: state.machine.leaseSerial(of: id))
            }
            if let fastPath {
                handoff = fastPath
            } else {
                handoff = try await waitForConnection(now: now, deadline: deadline, timeout: timeout, location: location)
                waited = true
            }
            if var lease = try await prepare(handoff, deadline: deadline, timeout: timeout) {
                let now = clock.now
                lease.leasedAt = now
                recordWait(now - start, waited: waited)
                return lease
            }
        }
    }

    func waitForConnection(
        now: PoolInstant, deadline: PoolInstant, timeout: Duration, location: LeaseLocation
    ) async throws -> Handoff {
        let requestID = state.withLock { state in
            state.nextRequestID += 1
            return state.nextRequestID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Handoff, any Error>) in
                let effects = state.withLock { state -> Effects in
                    var effects = Effects()
                    if Task.isCancelled {
                        effects.resumptions.append((continuation, .failure(CancellationError())))
                        return effects
                    }
                    switch state.machine.leaseRequested(requestID, now: now, deadline: deadline, timeout: timeout, location: location) {
                    case .leased(let connection, let id, let validate, let actions):
                        effects = Self.apply(actions, to: &state)
                        let handoff = Handoff(
                            connection: connection, id: id, validate: validate, serial: state.machine.leaseSerial(of: id))
                        effects.resumptions.append((continuation, .success(handoff)))
                    case .failed(let error, let actions):
                        effects = Self.apply(actions, to: &state)
                        effects.resumptions.append((continuation, .failure(error)))
                    case .enqueued(let actions):
                        state.continuations[requestID] = continuation
                        effects = Self.apply(actions, to: &state)
                    }
                    return effects
                }
                effects.run(self)
            }
        } onCancel: {
            let continuation = state.withLock { state in
                guard state.machine.leaseCancelled(requestID) else { return nil as CheckedContinuation<Handoff, any Error>? }
                state.publishGauges()
                return state.continuations.removeValue(forKey: requestID)
            }
            continuation?.resume(throwing: CancellationError())
        }
    }
}
