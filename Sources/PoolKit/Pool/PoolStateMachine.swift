import DequeModule

/// Why the pool closed a connection; the `reason` label of `poolkit_pool_connections_closed_total`
/// and the keys of ``PoolStatistics/closed``.
enum PoolCloseReason: String, Sendable, CaseIterable {
    case idleTimeout = "idle_timeout"
    case maxLifetime = "max_lifetime"
    case broken
    case validationFailed = "validation_failed"
    case resetFailed = "reset_failed"
    /// The connection reported that the server turned read-only (a failover).
    case readOnly = "read_only"
    /// Soft-evicted: opened before a failover or ``ConnectionPool/softEvictAll()``, closed when next idle.
    case evicted
    /// Opened for waiters that connections coming back served first: it landed with nobody waiting
    /// and another connection idle, above the floor (the end of a spike).
    case surplus
    case shutdown
}

/// Every decision of the pool, as a value type with no I/O and no clock of its own.
///
/// Each event (a lease is requested, a connection is established, a timer fires, …) is a method that
/// mutates the state and returns the actions the pool must carry out outside its lock: open or close
/// a connection, hand a connection to a waiter, fail a waiter, check a connection, report a leak.
/// Time is passed in, so tests drive it with any instants they like.
struct PoolStateMachine<Connection> {
    typealias ConnectionID = Int
    typealias RequestID = Int

    typealias CloseReason = PoolCloseReason

    enum Action {
        /// Open a connection and report `connectionEstablished` or `connectFailed` with this id.
        case open(ConnectionID)
        case close(Connection, ConnectionID, CloseReason)
        /// Run a health check and report `healthCheckFinished`.
        case check(Connection, ConnectionID)
        /// Resume the waiter with the connection; it validates first if `validate` is set.
        case resume(RequestID, Connection, ConnectionID, validate: Bool)
        case fail(RequestID, PoolKitError)
        case reportLeak(ConnectionID, location: LeaseLocation, heldFor: Duration)
        /// A lease reported as a leak came back after all.
        case leakReturned(ConnectionID, location: LeaseLocation, heldFor: Duration)
        /// Cancel the statement a leased connection runs (forced shutdown).
        case cancelStatement(Connection, ConnectionID)
    }

    enum LeaseResult {
        /// Leased at once; `actions` are what else was decided (e.g. an expired idle connection closed).
        case leased(Connection, ConnectionID, validate: Bool, actions: [Action])
        case failed(PoolKitError, actions: [Action])
        case enqueued([Action])
    }

    enum ReleaseOutcome {
        /// Reset succeeded and nothing went wrong.
        case reusable
        /// The borrower threw while using it: validate before the next lease.
        case suspect
        /// It must not be reused.
        case discard(CloseReason, connectionLost: Bool)
        /// The server turned read-only (a failover): close it, and every connection opened before
        /// now when it is next idle (soft eviction).
        case failover
    }

    struct Slot {
        enum State {
            case idle(Connection)
            case leased(Connection)
            case checking(Connection)
        }
        var state: State
        let createdAt: PoolInstant
        let expiresAt: PoolInstant?
        var idleSince: PoolInstant
        var lastCheckedAt: PoolInstant
        var validatedGeneration: Int
        var needsValidation = false
        var leasedAt: PoolInstant = PoolInstant(nanoseconds: 0)
        var leaseLocation = LeaseLocation(fileID: "", line: 0)
        var leakReported = false
        var leaseSerial = 0
        /// Set by a soft eviction: closed instead of being lent again.
        var evicted = false
        /// This connection's health-check period, shortened by a random fraction (jitter) so that
        /// connections opened together are not all checked at the same tick.
        var healthCheckPeriod: Duration?
    }

    struct Waiter {
        let deadline: PoolInstant
        /// The lease's own timeout, for the message when it expires.
        let timeout: Duration
        let location: LeaseLocation
    }

    enum Phase { case running, shuttingDown(deadline: PoolInstant), shutDown }

    let configuration: PoolConfiguration
    private(set) var phase = Phase.running
    private(set) var slots: [ConnectionID: Slot] = [:]
    /// Idle connection ids; the most recently used is last (handed out first, so surplus ones idle out).
    private var idleStack: [ConnectionID] = []
    /// Waiting request ids in arrival order. Cancelled and timed-out ids stay until they are popped
    /// or compacted away (cancel is O(1)).
    private(set) var waiterOrder = Deque<RequestID>()
    private var waiters: [RequestID: Waiter] = [:]
    /// Leased connections closed at the shutdown deadline, their statement cancelled: a borrower
    /// whose statement then fails learns that the pool shut down (ids are never reused).
    private(set) var cutOffAtShutdown = Set<ConnectionID>()
    /// How long shutdown let leases finish (its deadline less the instant it began), for messages.
    private(set) var shutdownGracePeriod: Duration?
    /// Connects in flight. At the shutdown deadline they are abandoned: the set is emptied, and a
    /// connection that still opens afterwards is closed at once.
    private var openingIDs = Set<ConnectionID>()
    var opening: Int { openingIDs.count }
    private var nextConnectionID = 0
    /// Bumped when an error says a connection was lost (e.g. failover): older connections are
    /// validated before their next lease.
    private(set) var generation = 0
    private var consecutiveConnectFailures = 0
    private var nextConnectAttempt: PoolInstant?
    /// When the last connect failed: a new lease may probe again once `connectBackoff` has passed
    /// since then, instead of waiting out the whole (grown) backoff.
    private var lastConnectFailureAt: PoolInstant?
    private(set) var lastConnectError: PoolKitError?
    private var hasEverConnected = false
    private var random: SplitMix64
    private(set) var counters = Counters()
    /// The earliest instant a new deadline was set (a waiter's timeout, a connect retry, the
    /// shutdown deadline) since the pool last looked; the pool wakes its timer earlier if needed.
    private(set) var newDeadline: PoolInstant?

    /// Returns and forgets ``newDeadline``.
    mutating func takeNewDeadline() -> PoolInstant? {
        defer { newDeadline = nil }
        return newDeadline
    }

    private mutating func noteDeadline(_ instant: PoolInstant) {
        if newDeadline.map({ instant < $0 }) ?? true { newDeadline = instant }
    }

    struct Counters {
        var created = 0
        var connectFailures = 0
        var closed: [CloseReason: Int] = [:]
        var leases = 0
        var leasesWaited = 0
        var timeouts = 0
        var cancelledWaits = 0
        var rejected = 0
        var leaksReported = 0
        var softEvictions = 0
    }

    init(configuration: PoolConfiguration, seed: UInt64) {
        self.configuration = configuration
        self.random = SplitMix64(seed: seed)
    }

    // MARK: Counts

    var idleCount: Int { idleStack.count }
    var waiterCount: Int { waiters.count }
    /// Every slot is idle (on the idle stack), being checked or leased, so this is O(1): the pool
    /// publishes its gauges after every change.
    var leasedCount: Int { slots.count - idleStack.count - checkingCount }
    /// Idle connections taken out for a health check (kept as a count, not found by a scan).
    private(set) var checkingCount = 0
    /// Connections that count against `maxConnections`.
    var total: Int { slots.count + opening }
    var isShutDown: Bool { if case .shutDown = phase { true } else { false } }
    var isRunning: Bool { if case .running = phase { true } else { false } }

    func countsDescription() -> String {
        "leased \(leasedCount), idle \(idleCount), opening \(opening), waiting \(waiterCount), max \(configuration.maxConnections)"
    }

    // MARK: Start

    /// Opens the minimum number of connections.
    mutating func start(now: PoolInstant) -> [Action] {
        connectActions(now: now)
    }

    // MARK: Leasing

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

    private func isExpired(_ id: ConnectionID, now: PoolInstant) -> Bool {
        guard let expiresAt = slots[id]?.expiresAt else { return false }
        return now >= expiresAt
    }

    /// Closes expired connections on top of the idle stack (lifetime is also enforced at checkout).
    private mutating func dropExpiredIdle(now: PoolInstant) -> [Action] {
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

    // MARK: Opening connections

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

    // MARK: Health checks

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

    // MARK: Timers

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

    // MARK: Shutdown

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

    private mutating func finishShutdownIfDone() {
        if case .shuttingDown = phase, slots.isEmpty, opening == 0 { phase = .shutDown }
    }

    // MARK: Helpers

    private mutating func markLeased(_ id: ConnectionID, now: PoolInstant, location: LeaseLocation)
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
    private mutating func makeAvailable(_ id: ConnectionID, connection: Connection, now: PoolInstant) -> [Action] {
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
    private mutating func compactWaiterOrderIfSparse() {
        guard waiterOrder.count > 2 * waiters.count + 64 else { return }
        waiterOrder = Deque(waiterOrder.filter { waiters[$0] != nil })
    }

    private mutating func closeIdle(_ id: ConnectionID, _ connection: Connection, _ reason: CloseReason, into actions: inout [Action]) {
        idleStack.removeAll { $0 == id }
        slots[id] = nil
        counters.closed[reason, default: 0] += 1
        actions.append(.close(connection, id, reason))
    }

    /// Opens as many connections as the floor and the waiters need, within `maxConnections`, the
    /// concurrent-connect limit and the backoff after failures. A new waiter cuts the backoff short
    /// when no connect is in flight and `connectBackoff` has passed since the last failure, so a
    /// server that came back is used at once rather than after a backoff grown during the outage.
    private mutating func connectActions(now: PoolInstant, newWaiter: Bool = false) -> [Action] {
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
    private mutating func jitteredHealthCheckPeriod() -> Duration? {
        guard let period = configuration.healthCheckPeriod else { return nil }
        return period * (1 - 0.1 * random.nextUnitInterval())
    }

    private func timeoutError(timeout: Duration, counts: String) -> PoolKitError {
        var message =
            "pool \(configuration.name): no connection available within \(timeout.shortDescription) (\(counts))"
        if let lastConnectError {
            message += "; last connect error: \(lastConnectError.message)"
            return PoolKitError(.acquireTimeout, message, engineCode: lastConnectError.engineCode, underlying: lastConnectError)
        }
        message += ": raise pool_max or acquire_timeout, or look for leases that are not returned (leak_detection_threshold)"
        return PoolKitError(.acquireTimeout, message)
    }

    // MARK: Soft eviction

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

    // MARK: Deadlines

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

    private func pow2(_ exponent: Int) -> Double {
        Double(1 << min(max(exponent, 0), 20))
    }
}

/// A small, fast, seedable generator so that jitter is reproducible in tests.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextUnitInterval() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
