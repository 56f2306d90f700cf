import Logging

/// Carrying out the state machine's decisions: `apply` turns its actions into queued work and
/// effects under the lock; `Effects.run` performs the effects once the lock is released.
extension ConnectionPool {
    /// What must happen after the lock is released.
    struct Effects {
        var resumptions: [(CheckedContinuation<Handoff, any Error>, Result<Handoff, any Error>)] = []
        var workWaiter: (CheckedContinuation<Work?, Never>, Work?)?
        var timerWaiter: CheckedContinuation<Void, Never>?
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
        var cancellations: [Connection] = []
        var logs: [(Logger.Level, Logger.Message)] = []
        var closedReasons: [String] = []
        var timeouts = 0
        var leaks = 0

        mutating func merge(_ other: Effects) {
            resumptions += other.resumptions
            if workWaiter == nil { workWaiter = other.workWaiter }
            if timerWaiter == nil { timerWaiter = other.timerWaiter }
            shutdownWaiters += other.shutdownWaiters
            cancellations += other.cancellations
            logs += other.logs
            closedReasons += other.closedReasons
            timeouts += other.timeouts
            leaks += other.leaks
        }

        func run(_ pool: ConnectionPool) {
            for (continuation, result) in resumptions { continuation.resume(with: result) }
            if let (continuation, work) = workWaiter { continuation.resume(returning: work) }
            timerWaiter?.resume()
            for continuation in shutdownWaiters { continuation.resume() }
            for connection in cancellations { pool.source.cancel(connection) }
            for (level, message) in logs { pool.logger.log(level: level, message) }
            for reason in closedReasons { pool.metrics.recordClose(reason: reason) }
            if timeouts > 0 { pool.metrics.timeouts.increment(by: timeouts) }
            if leaks > 0 { pool.metrics.leaks.increment(by: leaks) }
        }
    }

    /// Turns the state machine's actions into effects, under the lock.
    static func apply(_ actions: [PoolStateMachine<Connection>.Action], to state: inout State) -> Effects {
        var effects = Effects()
        for action in actions {
            switch action {
            case .open(let id):
                state.work.append(.open(id))
            case .close(let connection, let id, let reason):
                state.work.append(.close(connection, id))
                effects.closedReasons.append(reason.rawValue)
            case .check(let connection, let id):
                state.work.append(.check(connection, id))
            case .resume(let request, let connection, let id, let validate):
                if let continuation = state.continuations.removeValue(forKey: request) {
                    let handoff = Handoff(
                        connection: connection, id: id, validate: validate, serial: state.machine.leaseSerial(of: id))
                    effects.resumptions.append((continuation, .success(handoff)))
                }
            case .fail(let request, let error):
                if error.code == .acquireTimeout { effects.timeouts += 1 }
                if let continuation = state.continuations.removeValue(forKey: request) {
                    effects.resumptions.append((continuation, .failure(error)))
                }
            case .reportLeak(_, let location, let heldFor):
                effects.leaks += 1
                effects.logs.append(
                    (.warning,
                     "possible connection leak: a connection leased at \(location) has been held for \(heldFor.shortDescription)"))
            case .leakReturned(_, let location, let heldFor):
                effects.logs.append(
                    (.info, "connection leased at \(location) and reported as a leak came back after \(heldFor.shortDescription)"))
            case .cancelStatement(let connection, _):
                effects.cancellations.append(connection)
            }
        }
        if let deadline = state.machine.takeNewDeadline(), let wakeAt = state.timerWakeAt, deadline < wakeAt {
            state.timerWakeAt = deadline
            if let waiter = state.timerWaiter {
                state.timerWaiter = nil
                effects.timerWaiter = waiter
            } else {
                state.timerWakeRequested = true
            }
        }
        if state.workWaiter != nil {
            if let work = state.work.popFirst() {
                effects.workWaiter = (state.workWaiter!, work)
                state.workWaiter = nil
            } else if state.machine.isShutDown {
                effects.workWaiter = (state.workWaiter!, nil)
                state.workWaiter = nil
            }
        }
        if state.machine.isShutDown, let waiter = state.timerWaiter {
            state.timerWaiter = nil
            effects.timerWaiter = waiter
        }
        if state.machine.isShutDown, !state.shutdownWaiters.isEmpty {
            effects.shutdownWaiters = state.shutdownWaiters
            state.shutdownWaiters = []
        }
        state.publishGauges()
        return effects
    }
}
