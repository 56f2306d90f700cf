/// The work done on connections themselves, outside the lock: opening one (and its `afterConnect`
/// hook), closing one (and its `beforeClose` hook), a health check of an idle one; and soft
/// eviction, which closes every connection open now once it is idle.
extension ConnectionPool {
    func perform(_ work: Work) async {
        switch work {
        case .open(let id):
            var opened: Connection?
            do {
                let connection = try await source.connect()
                opened = connection
                try await hooks.afterConnect?(connection)
                let now = clock.now
                metrics.created.increment()
                let effects = state.withLock { state in
                    Self.apply(state.machine.connectionEstablished(id, connection, now: now), to: &state)
                }
                effects.run(self)
            } catch {
                if let opened { await source.close(opened) }
                let disposition = source.classify(error)
                let wrapped = PoolKitError.wrap(error, as: .connectionFailed, "connect failed")
                logger.warning(
                    "connect failed", metadata: ["error": "\(wrapped)", "retry": "\(disposition == .permanent ? "after backoff; waiters failed now" : "after backoff")"])
                metrics.connectFailures.increment()
                let now = clock.now
                let effects = state.withLock { state in
                    Self.apply(state.machine.connectFailed(id, error: wrapped, permanent: disposition == .permanent, now: now), to: &state)
                }
                effects.run(self)
            }
        case .close(let connection, _):
            await hooks.beforeClose?(connection)
            await source.close(connection)
        case .check(let connection, let id):
            let outcome = await validate(connection, within: configuration.validationTimeout)
            var healthy = true
            if case .healthy = outcome {} else {
                healthy = false
                logger.info("idle connection failed its health check; replacing it", metadata: ["outcome": "\(outcome)"])
            }
            let now = clock.now
            let effects = state.withLock { state in
                Self.apply(state.machine.healthCheckFinished(id, healthy: healthy, now: now), to: &state)
            }
            effects.run(self)
        }
    }

    /// Closes every connection open now as soon as it is idle (HikariCP's soft eviction): idle ones
    /// at once, leased ones when they come back, ones being checked when the check ends. New leases
    /// get connections opened after this call. For operators after a failover or a credentials
    /// change; the pool does it by itself when a statement reports that the server turned read-only.
    public func softEvictAll() {
        let now = clock.now
        let effects = state.withLock { state in
            Self.apply(state.machine.softEvict(createdAtOrBefore: now, now: now), to: &state)
        }
        effects.run(self)
    }
}
