import DequeModule
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// A pool of database connections.
///
/// ```swift
/// let pool = try ConnectionPool(url: ConnectionURL("postgres://app@db/app?pool_max=8"), registry: registry)
/// try await pool.withRunning {
///     try await pool.withConnection { connection in
///         try await connection.execute("UPDATE counters SET n = n + 1")
///     }
/// }
/// ```
///
/// `run()` does the background work (opening, health checks, idle eviction, lifetime recycling,
/// timeouts) and must be running while the pool is used; it ends after a graceful shutdown and is a
/// `Service` for swift-service-lifecycle. Every decision is made by ``PoolStateMachine`` under one
/// lock; the pool carries out the resulting actions outside it.
public final class ConnectionPool<Source: ConnectionSource>: Sendable {
    public typealias Connection = Source.Connection

    public let configuration: PoolConfiguration
    public let source: Source
    public let hooks: PoolHooks<Connection>
    let clock: any PoolClock
    let logger: Logger
    let metrics: PoolMetrics
    private let state: Mutex<State>

    private struct Handoff: Sendable {
        let connection: Connection
        let id: Int
        let validate: Bool
        let serial: Int
    }

    private enum Work: Sendable {
        case open(Int)
        case close(Connection, Int)
        case check(Connection, Int)
    }

    private struct State: ~Copyable {
        var machine: PoolStateMachine<Connection>
        var continuations: [Int: CheckedContinuation<Handoff, any Error>] = [:]
        var nextRequestID = 0
        var work = Deque<Work>()
        var workWaiter: CheckedContinuation<Work?, Never>?
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
        var runStarted = false
        /// When the timer task sleeps until, and how to wake it earlier.
        var timerWakeAt: PoolInstant?
        var timerWaiter: CheckedContinuation<Void, Never>?
        var timerWakeRequested = false
        var totalAcquireWait: Duration = .zero
        var maxAcquireWait: Duration = .zero
        let metrics: PoolMetrics
        /// What the gauges show now.
        var gauges = PoolMetrics.GaugeValues()

        /// Records the gauges that changed; called under the lock after every change of counts.
        mutating func publishGauges() {
            let values = PoolMetrics.GaugeValues(
                open: machine.slots.count, idle: machine.idleCount, leased: machine.leasedCount, waiting: machine.waiterCount)
            guard values != gauges else { return }
            metrics.record(values, previous: gauges)
            gauges = values
        }
    }

    /// What must happen after the lock is released.
    private struct Effects {
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

    /// Creates a pool. Nothing is opened until ``run()`` starts.
    public init(
        source: Source,
        configuration: PoolConfiguration = PoolConfiguration(),
        hooks: PoolHooks<Connection> = PoolHooks(),
        logger: Logger = Logger(label: "poolkit.pool"),
        clock: any PoolClock = SystemPoolClock(),
        metricsFactory: (any MetricsFactory)? = nil
    ) throws {
        try configuration.validate()
        self.configuration = configuration
        self.source = source
        self.hooks = hooks
        self.clock = clock
        var logger = logger
        logger[metadataKey: "pool"] = "\(configuration.name)"
        self.logger = logger
        let metrics = PoolMetrics(poolName: configuration.name, factory: metricsFactory)
        self.metrics = metrics
        self.state = Mutex(
            State(machine: PoolStateMachine(configuration: configuration, seed: UInt64.random(in: .min ... .max)), metrics: metrics))
    }

    // MARK: Leasing

    /// Borrows a connection, runs `body` with it and gives it back (reset for the next borrower),
    /// also when `body` throws. A connection whose borrower threw is validated before its next use;
    /// one the driver says is broken is closed.
    ///
    /// Inlinable so that the caller's module specializes it for its result type and connection
    /// source (a driver pool's lease and release then run code compiled for it, see
    /// ``lease(timeout:fileID:line:)``).
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

    /// Gives back a lease whose borrower threw `error` and returns the error to rethrow: `error`
    /// itself, or — when the pool cut the lease off at the end of shutdown's grace period and the
    /// statement failed because of that — a `.poolShutdown` error that says so (the driver's own
    /// error, e.g. libpq's "SSL SYSCALL error: EOF detected", is its `underlying`).
    @usableFromInline
    func release(_ lease: PoolLease<Connection>, afterThrowing error: any Error) async -> any Error {
        await release(lease, after: error)
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

    /// Borrows a connection, waiting up to `timeout` (default: the configuration's acquire timeout).
    /// Waiters are served first come, first served; a cancelled task stops waiting at once and
    /// gets `CancellationError`. The timeout also bounds the validation of the connection on
    /// checkout: a connection that does not answer in time is replaced.
    ///
    /// A driver pool (a URL pool, ``DriverConnectionSource``) runs a copy of the code compiled for
    /// that source: unspecialized generic code spent a quarter of a pooled query's CPU time in the
    /// runtime's generic-metadata lookups (perf, `PoolCompareServer`), and exported
    /// pre-specializations (`@_specialize(exported:)`) were not picked up by callers in other modules.
    public func lease(timeout: Duration? = nil, fileID: String = #fileID, line: Int = #line) async throws -> PoolLease<Connection> {
        if let driverPool = self as? ConnectionPool<DriverConnectionSource> {
            let lease = try await driverPool.leaseCompiledForDrivers(timeout: timeout, fileID: fileID, line: line)
            // Source is DriverConnectionSource, so Connection is its Connection: the same type.
            return unsafeBitCast(lease, to: PoolLease<Connection>.self)
        }
        return try await leaseFromAnySource(timeout: timeout, fileID: fileID, line: line)
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

    /// Gives a leased connection back. Pass the error the borrower hit, if any, so the pool can
    /// decide whether the connection is still good.
    ///
    /// The session is reset as ``PoolConfiguration/resetPolicy`` says, also when the calling task
    /// is cancelled (the reset then runs in a task of its own): a cancelled borrower does not cost
    /// the pool its connection. Only a connection the driver reports broken, or whose reset
    /// failed, is closed.
    ///
    /// A driver pool runs a copy compiled for its source, as ``lease(timeout:fileID:line:)`` does.
    public func release(_ lease: PoolLease<Connection>, after error: (any Error)? = nil) async {
        if let driverPool = self as? ConnectionPool<DriverConnectionSource> {
            await driverPool.releaseCompiledForDrivers(unsafeBitCast(lease, to: PoolLease<DriverConnectionSource.Connection>.self), after: error)
            return
        }
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

    private func waitForConnection(
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

    /// Validates (if asked) and runs the before-lease hook. Returns nil when the connection failed
    /// validation and was discarded, so the caller leases again. Validation waits at most
    /// ``PoolConfiguration/validationTimeout`` and never past the lease's deadline; a connection
    /// that does not answer in time has its statement cancelled and is closed.
    private func prepare(_ handoff: Handoff, deadline: PoolInstant, timeout: Duration) async throws -> PoolLease<Connection>? {
        let lease = PoolLease(connection: handoff.connection, id: handoff.id, serial: handoff.serial)
        if handoff.validate {
            let limit = min(configuration.validationTimeout, max(deadline - clock.now, .zero))
            let outcome = await validate(handoff.connection, within: limit)
            let now = clock.now
            if case .healthy = outcome {
                state.withLock { $0.machine.validationSucceeded(handoff.id, now: now) }
            } else {
                logger.info("connection failed validation on checkout; replacing it", metadata: ["outcome": "\(outcome)"])
                var leaseTimedOut = false
                if case .timedOut = outcome, now >= deadline { leaseTimedOut = true }
                var effects = state.withLock { state in
                    Self.apply(state.machine.validationFailed(handoff.id, leaseTimedOut: leaseTimedOut, now: now), to: &state)
                }
                if leaseTimedOut { effects.timeouts += 1 }
                effects.run(self)
                if leaseTimedOut {
                    throw PoolKitError(
                        .acquireTimeout,
                        "pool \(configuration.name): no connection available within \(timeout.shortDescription): the connection lent did not answer its validation within \(limit.shortDescription) and was closed; the server may be overloaded or unreachable")
                }
                return nil
            }
        }
        if let beforeLease = hooks.beforeLease {
            do {
                try await beforeLease(handoff.connection)
            } catch {
                let now = clock.now
                let effects = state.withLock { state in
                    Self.apply(state.machine.released(handoff.id, serial: handoff.serial, outcome: .discard(.broken, connectionLost: false), now: now), to: &state)
                }
                effects.run(self)
                throw error
            }
        }
        return lease
    }

    /// What a health check or checkout validation found.
    enum ValidationOutcome: Sendable, CustomStringConvertible {
        case healthy
        case failed(any Error)
        /// No answer within the limit: the check was cancelled and the connection must be closed.
        case timedOut(Duration)

        var description: String {
            switch self {
            case .healthy: "healthy"
            case .failed(let error): "failed: \(error)"
            case .timedOut(let limit): "no answer within \(limit.shortDescription)"
            }
        }
    }

    /// Validates `connection`, waiting at most `limit` (real time: a stuck server does not follow
    /// an injected clock). After the limit the running check is cancelled and left to end on its
    /// own; the caller closes the connection, which never waits on the server.
    func validate(_ connection: Connection, within limit: Duration) async -> ValidationOutcome {
        let source = self.source
        let outcome = await TimeLimit.run(limit) { try await source.validate(connection) }
        switch outcome {
        case .finished(.success): return .healthy
        case .finished(.failure(let error)): return .failed(error)
        case .timedOut:
            source.cancel(connection)
            return .timedOut(limit)
        }
    }

    /// Records the time a lease took, for every lease (zero-wait ones too, so the timer's
    /// percentiles describe all leases); the totals count only leases that waited.
    private func recordWait(_ wait: Duration, waited: Bool) {
        if waited {
            state.withLock { state in
                state.totalAcquireWait += wait
                state.maxAcquireWait = max(state.maxAcquireWait, wait)
            }
        }
        metrics.acquireWait.recordNanoseconds(wait.nanosecondsClamped)
    }

    // MARK: Background work

    /// Opens the minimum connections and does the pool's background work until the pool has shut
    /// down. Cancelling the task that runs it starts a graceful shutdown (waiters fail, idle
    /// connections close, leased ones close when returned or after the grace period).
    public func run() async throws {
        let now = clock.now
        let effects = state.withLock { state -> Effects in
            precondition(!state.runStarted, "ConnectionPool.run() may be called once")
            state.runStarted = true
            return Self.apply(state.machine.start(now: now), to: &state)
        }
        effects.run(self)
        logger.debug("pool started", metadata: ["min": "\(configuration.minConnections)", "max": "\(configuration.maxConnections)"])
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withDiscardingTaskGroup { group in
                    group.addTask { await self.runTimers() }
                    while let work = await self.nextWork() {
                        group.addTask { await self.perform(work) }
                    }
                }
            } onCancel: {
                self.beginShutdown(gracePeriod: self.configuration.shutdownGracePeriod)
            }
        } onGracefulShutdown: {
            self.beginShutdown(gracePeriod: self.configuration.shutdownGracePeriod)
        }
        logger.debug("pool shut down")
    }

    /// Runs `body` while ``run()`` runs in the background, then shuts the pool down gracefully.
    public func withRunning<R: Sendable>(_ body: @Sendable () async throws -> R) async throws -> R {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.run() }
            do {
                let result = try await body()
                await shutdown()
                try await group.waitForAll()
                return result
            } catch {
                await shutdown()
                try? await group.waitForAll()
                throw error
            }
        }
    }

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

    private func beginShutdown(gracePeriod: Duration) {
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
    private func runTimers() async {
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
    private func sleepUntilTimerWake(_ duration: Duration) async {
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

    private func waitForTimerWake() async {
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

    private func nextWork() async -> Work? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Work?, Never>) in
            let next = state.withLock { state -> Work?? in
                if let work = state.work.popFirst() { return .some(work) }
                if state.machine.isShutDown { return .some(nil) }
                state.workWaiter = continuation
                return nil
            }
            if let next { continuation.resume(returning: next) }
        }
    }

    private func perform(_ work: Work) async {
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

    /// Turns the state machine's actions into effects, under the lock.
    private static func apply(_ actions: [PoolStateMachine<Connection>.Action], to state: inout State) -> Effects {
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

    // MARK: Statistics

    /// A snapshot of the pool's state and counters.
    public var statistics: PoolStatistics {
        state.withLock { Self.statistics(of: $0) }
    }

    private static func statistics(of state: borrowing State) -> PoolStatistics {
        let machine = state.machine
        let counters = machine.counters
        let leased = machine.leasedCount
        let checking = machine.checkingCount
        return PoolStatistics(
            open: machine.slots.count, idle: machine.idleCount, leased: leased, opening: machine.opening,
            checking: checking, waiting: machine.waiterCount, created: counters.created,
            connectFailures: counters.connectFailures,
            closed: Dictionary(uniqueKeysWithValues: counters.closed.map { ($0.key.rawValue, $0.value) }),
            leases: counters.leases, leasesWaited: counters.leasesWaited, timeouts: counters.timeouts,
            cancelledWaits: counters.cancelledWaits, rejected: counters.rejected, leaksReported: counters.leaksReported,
            totalAcquireWait: state.totalAcquireWait, maxAcquireWait: state.maxAcquireWait)
    }
}

extension ConnectionPool: Service {}

extension ConnectionPool where Source == DriverConnectionSource {
    /// ``lease(timeout:fileID:line:)`` compiled with the source known, so the state machine and the
    /// rest of the path are specialized for it (no generic-metadata lookups at run time).
    func leaseCompiledForDrivers(timeout: Duration?, fileID: String, line: Int) async throws -> PoolLease<Connection> {
        try await leaseFromAnySource(timeout: timeout, fileID: fileID, line: line)
    }

    /// ``release(_:after:)`` compiled with the source known.
    func releaseCompiledForDrivers(_ lease: PoolLease<Connection>, after error: (any Error)?) async {
        await releaseFromAnySource(lease, after: error)
    }

    /// A pool for a database URL: the registry picks the driver from the scheme, and the URL's pool
    /// options (`pool_max=…`) override `configuration`.
    public convenience init(
        url: ConnectionURL,
        registry: DriverRegistry,
        configuration: PoolConfiguration = PoolConfiguration(),
        hooks: PoolHooks<any DatabaseConnection> = PoolHooks(),
        logger: Logger = Logger(label: "poolkit.pool")
    ) throws {
        let source = try DriverConnectionSource(url: url, registry: registry, logger: logger)
        try self.init(source: source, configuration: configuration.applying(url.poolOptions), hooks: hooks, logger: logger)
    }
}
