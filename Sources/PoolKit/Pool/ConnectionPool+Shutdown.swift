/// Graceful shutdown: stop lending, fail the waiters, close idle connections now and leased ones
/// when they come back or when the grace period ends.
extension ConnectionPool {
    /// Stops lending and closes every connection: waiters fail with `.poolShutdown`, idle
    /// connections close now, leased ones when they come back or, after `gracePeriod`, by force
    /// (their statement is cancelled first). Returns when every connection is closed.
    public func shutdown(gracePeriod: Duration? = nil) async {
        beginShutdown(gracePeriod: gracePeriod ?? configuration.shutdownGracePeriod)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.machine.isShutDown { return true }
                state.shutdownWaiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func beginShutdown(gracePeriod: Duration) {
        let now = clock.now
        let (effects, pendingWithoutRunner) = state.withLock { state -> (Effects, [Work]) in
            var effects = Self.apply(state.machine.shutdown(now: now, deadline: now + gracePeriod), to: &state)
            // Without run() nobody performs queued work: settle it here so shutdown can finish.
            guard !state.runStarted else { return (effects, []) }
            let pending = Array(state.work)
            state.work.removeAll()
            for case .open(let id) in pending {
                let error = PoolKitError(.poolShutdown, "pool \(configuration.name) shut down before it ran")
                let more = Self.apply(state.machine.connectFailed(id, error: error, permanent: false, now: now), to: &state)
                effects.resumptions += more.resumptions
                effects.shutdownWaiters += more.shutdownWaiters
            }
            return (effects, pending)
        }
        effects.run(self)
        for case .close(let connection, _) in pendingWithoutRunner {
            Task { await self.source.close(connection) }
        }
    }
}
