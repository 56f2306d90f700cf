/// The pool's counters as a snapshot (`statistics`) and the acquire-wait figures behind them.
extension ConnectionPool {
    /// A snapshot of the pool's state and counters.
    public var statistics: PoolStatistics {
        state.withLock { Self.statistics(of: $0) }
    }

    static func statistics(of state: borrowing State) -> PoolStatistics {
        let machine = state.machine
        let counters = machine.counters
        let leased = machine.leasedCount
        let checking = machine.checkingCount
        return PoolStatistics(
            open: machine.slots.count, idle: machine.idleCount, leased: leased, opening: machine.opening,
            checking: checking, waiting: machine.waiterCount, created: counters.created,
            connectFailures: counters.connectFailures,
            closed: Dictionary(uniqueKeysWithValues: counters.closed.map { ($0.key.rawValue, $0.value) }),
            leases: counters.leases, failedLeases: counters.failedLeases, leasesWaited: counters.leasesWaited, timeouts: counters.timeouts,
            cancelledWaits: counters.cancelledWaits, rejected: counters.rejected, leaksReported: counters.leaksReported,
            totalAcquireWait: state.totalAcquireWait, maxAcquireWait: state.maxAcquireWait)
    }

    /// Records the time a lease took, for every lease (zero-wait ones too, so the timer's
    /// percentiles describe all leases); the totals count only leases that waited.
    func recordWait(_ wait: Duration, waited: Bool) {
        if waited {
            state.withLock { state in
                state.totalAcquireWait += wait
                state.maxAcquireWait = max(state.maxAcquireWait, wait)
            }
        }
        metrics.acquireWait.recordNanoseconds(wait.nanosecondsClamped)
    }
}
