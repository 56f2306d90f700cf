/// Giving a connection back: the session reset, the release hook, and what the borrower's error
/// says about the connection.
extension ConnectionPool {
    /// Gives back a lease whose borrower threw `error` and returns the error to rethrow: `error`
    /// itself, or — when the pool cut the lease off at the end of shutdown's grace period and the
    /// statement failed because of that — a `.poolShutdown` error that says so (the driver's own
    /// error, e.g. libpq's "SSL SYSCALL error: EOF detected", is its `underlying`).
    @usableFromInline
    func release(_ lease: PoolLease<Connection>, afterThrowing error: any Error) async -> any Error {
        await releaseFromAnySource(lease, afterThrowing: error)
    }

    /// ``release(_:afterThrowing:)`` for any connection source.
    func releaseFromAnySource(_ lease: PoolLease<Connection>, afterThrowing error: any Error) async -> any Error {
        await releaseFromAnySource(lease, after: error)
        guard error is PoolKitError else { return error }  // the borrower's own error: kept as thrown
        let gracePeriod = state.withLock { state -> Duration?? in
            state.machine.cutOffAtShutdown.contains(lease.id) ? .some(state.machine.shutdownGracePeriod) : nil
        }
        guard let gracePeriod else { return error }
        let grace = gracePeriod.map { " (\($0.shortDescription))" } ?? ""
        return PoolKitError(
            .poolShutdown,
            "pool \(configuration.name) shut down: its shutdown grace period\(grace) ended while this lease was still running, so the pool cancelled the statement and closed the connection",
            underlying: error)
    }

    /// Gives a leased connection back. Pass the error the borrower hit, if any, so the pool can
    /// decide whether the connection is still good.
    ///
    /// The session is reset as ``PoolConfiguration/resetPolicy`` says, also when the calling task
    /// is cancelled (the reset then runs in a task of its own): a cancelled borrower does not cost
    /// the pool its connection. Only a connection the driver reports broken, or whose reset
    /// failed, is closed.
    ///
    /// A URL pool has an overload of its own, compiled for its source, as for
    /// ``lease(timeout:fileID:line:)``.
    public func release(_ lease: PoolLease<Connection>, after error: (any Error)? = nil) async {
        await releaseFromAnySource(lease, after: error)
    }

    /// ``release(_:after:)`` for any connection source.
    func releaseFromAnySource(_ lease: PoolLease<Connection>, after error: (any Error)?) async {
        metrics.holdTime.recordNanoseconds((clock.now - lease.leasedAt).nanosecondsClamped)
        var outcome = PoolStateMachine<Connection>.ReleaseOutcome.reusable
        if let error {
            switch source.classify(error) {
            case .connectionBroken: outcome = .discard(.broken, connectionLost: true)
            case .serverReadOnly: outcome = .failover
            default: outcome = .suspect
            }
        }
        switch outcome {
        case .discard, .failover:
            break
        case .reusable, .suspect:
            do {
                if Task.isCancelled {
                    // The borrower's cancellation must not refuse the reset's statement.
                    try await Task { [source, hooks, policy = configuration.resetPolicy] in
                        try await source.reset(lease.connection, policy: policy)
                        try await hooks.afterRelease?(lease.connection)
                    }.value
                } else {
                    try await source.reset(lease.connection, policy: configuration.resetPolicy)
                    try await hooks.afterRelease?(lease.connection)
                }
            } catch {
                logger.debug("connection reset failed; closing it", metadata: ["error": "\(error)"])
                outcome = .discard(.resetFailed, connectionLost: source.classify(error) == .connectionBroken)
            }
        }
        let now = clock.now
        let effects = state.withLock { state in
            let actions = state.machine.released(lease.id, serial: lease.serial, outcome: outcome, now: now)
            return Self.apply(actions, to: &state)
        }
        effects.run(self)
        if case .failover = outcome {
            logger.warning(
                "the server turned read-only (failover?): connections opened before now are closed when next idle",
                metadata: ["error": "\(error.map { "\($0)" } ?? "")"])
        }
    }
}
