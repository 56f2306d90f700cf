/// The pool's clock: the timer task that wakes at the state machine's next deadline (acquire
/// timeouts, connect retries, health checks, idle eviction, lifetimes, leaks, the shutdown deadline).
extension ConnectionPool {
    /// Runs timers once at the clock's current time. The background task calls this every
    /// ``PoolConfiguration/timerResolution``; tests call it after advancing a manual clock.
    package func handleTimers() {
        let now = clock.now
        let effects = state.withLock { state in
            Self.apply(state.machine.timersFired(now: now), to: &state)
        }
        effects.run(self)
    }

    /// Wakes at the machine's next deadline (a waiter's timeout fires at its deadline, not at the
    /// next tick), at the latest every ``PoolConfiguration/timerResolution``, and earlier when a
    /// new, earlier deadline is set meanwhile.
    func runTimers() async {
        while true {
            let now = clock.now
            let sleep = state.withLock { state -> Duration? in
                if state.machine.isShutDown { return nil }
                _ = state.machine.takeNewDeadline()
                var wakeAt = now + configuration.timerResolution
                if let next = state.machine.nextDeadline(), next < wakeAt { wakeAt = next }
                state.timerWakeAt = wakeAt
                state.timerWakeRequested = false
                return max(wakeAt - now, .milliseconds(1))
            }
            guard let sleep else { return }
            await sleepUntilTimerWake(sleep)
            handleTimers()
        }
    }

    /// Sleeps for `duration` or until ``apply(_:to:)`` wakes the timer for an earlier deadline.
    func sleepUntilTimerWake(_ duration: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                if Task.isCancelled {
                    // Shutting down after run() was cancelled: keep real sleeps so the grace deadline is kept.
                    await Task.detached { try? await Task.sleep(for: duration) }.value
                } else {
                    try? await Task.sleep(for: duration)
                }
            }
            group.addTask { await self.waitForTimerWake() }
            await group.next()
            group.cancelAll()
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let waiter = state.timerWaiter else {
                    state.timerWakeRequested = true
                    return nil
                }
                state.timerWaiter = nil
                return waiter
            }
            waiter?.resume()
        }
    }

    func waitForTimerWake() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.timerWakeRequested {
                    state.timerWakeRequested = false
                    return true
                }
                state.timerWaiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
