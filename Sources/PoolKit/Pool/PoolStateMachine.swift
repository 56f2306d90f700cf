import DequeModule

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
    var phase = Phase.running
    var slots: [ConnectionID: Slot] = [:]
    /// Idle connection ids; the most recently used is last (handed out first, so surplus ones idle out).
    var idleStack: [ConnectionID] = []
    /// Waiting request ids in arrival order. Cancelled and timed-out ids stay until they are popped
    /// or compacted away (cancel is O(1)).
    var waiterOrder = Deque<RequestID>()
    var waiters: [RequestID: Waiter] = [:]
    /// Leased connections closed at the shutdown deadline, their statement cancelled: a borrower
    /// whose statement then fails learns that the pool shut down (ids are never reused).
    var cutOffAtShutdown = Set<ConnectionID>()
    /// How long shutdown let leases finish (its deadline less the instant it began), for messages.
    var shutdownGracePeriod: Duration?
    /// Connects in flight. At the shutdown deadline they are abandoned: the set is emptied, and a
    /// connection that still opens afterwards is closed at once.
    var openingIDs = Set<ConnectionID>()
    var opening: Int { openingIDs.count }
    var nextConnectionID = 0
    /// Bumped when an error says a connection was lost (e.g. failover): older connections are
    /// validated before their next lease.
    var generation = 0
    var consecutiveConnectFailures = 0
    var nextConnectAttempt: PoolInstant?
    /// When the last connect failed: a new lease may probe again once `connectBackoff` has passed
    /// since then, instead of waiting out the whole (grown) backoff.
    var lastConnectFailureAt: PoolInstant?
    var lastConnectError: PoolKitError?
    var hasEverConnected = false
    var random: SplitMix64
    var counters = Counters()
    /// The earliest instant a new deadline was set (a waiter's timeout, a connect retry, the
    /// shutdown deadline) since the pool last looked; the pool wakes its timer earlier if needed.
    var newDeadline: PoolInstant?

    /// Returns and forgets ``newDeadline``.
    mutating func takeNewDeadline() -> PoolInstant? {
        defer { newDeadline = nil }
        return newDeadline
    }

    mutating func noteDeadline(_ instant: PoolInstant) {
        if newDeadline.map({ instant < $0 }) ?? true { newDeadline = instant }
    }

    struct Counters {
        var created = 0
        var connectFailures = 0
        var closed: [CloseReason: Int] = [:]
        var leases = 0
        var failedLeases = 0
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

    var idleCount: Int { idleStack.count }
    var waiterCount: Int { waiters.count }
    /// Every slot is idle (on the idle stack), being checked or leased, so this is O(1): the pool
    /// publishes its gauges after every change.
    var leasedCount: Int { slots.count - idleStack.count - checkingCount }
    /// Idle connections taken out for a health check (kept as a count, not found by a scan).
    var checkingCount = 0
    /// Connections that count against `maxConnections`.
    var total: Int { slots.count + opening }
    var isShutDown: Bool { if case .shutDown = phase { true } else { false } }
    var isRunning: Bool { if case .running = phase { true } else { false } }

    func countsDescription() -> String {
        "leased \(leasedCount), idle \(idleCount), opening \(opening), waiting \(waiterCount), max \(configuration.maxConnections)"
    }

    /// Opens the minimum number of connections.
    mutating func start(now: PoolInstant) -> [Action] {
        connectActions(now: now)
    }
}
