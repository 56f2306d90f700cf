@testable import PoolKit

/// The connection type the state-machine tests use: its serial is the pool's connection id.
struct TestConn: Hashable, Sendable {
    let serial: Int
}

typealias Machine = PoolStateMachine<TestConn>
typealias MachineAction = PoolStateMachine<TestConn>.Action

/// An instant `milliseconds` after the origin.
func ms(_ milliseconds: Int64) -> PoolInstant { PoolInstant(nanoseconds: milliseconds * 1_000_000) }

/// A configuration with every timer off, so a test turns on only what it is about.
func machineConfiguration(_ modify: (inout PoolConfiguration) -> Void = { _ in }) -> PoolConfiguration {
    var configuration = PoolConfiguration()
    configuration.name = "test"
    configuration.minConnections = 0
    configuration.maxConnections = 10
    configuration.maxConcurrentConnects = 2
    configuration.acquireTimeout = .seconds(30)
    configuration.maxLifetime = nil
    configuration.maxLifetimeJitter = 0
    configuration.idleTimeout = nil
    configuration.healthCheckPeriod = nil
    configuration.validationBypassWindow = .milliseconds(500)
    configuration.connectBackoff = .milliseconds(100)
    configuration.maxConnectBackoff = .seconds(5)
    modify(&configuration)
    return configuration
}

extension Array where Element == MachineAction {
    var opens: [Int] {
        compactMap { if case .open(let id) = $0 { id } else { nil } }
    }
    var closes: [(id: Int, reason: Machine.CloseReason)] {
        compactMap { action -> (Int, Machine.CloseReason)? in
            if case .close(let connection, let id, let reason) = action {
                precondition(connection.serial == id, "a close names another connection than its id")
                return (id, reason)
            }
            return nil
        }
    }
    var closedIDs: [Int] { closes.map(\.id) }
    var checks: [Int] {
        compactMap { if case .check(_, let id) = $0 { id } else { nil } }
    }
    var resumes: [(request: Int, id: Int, validate: Bool)] {
        compactMap { action -> (Int, Int, Bool)? in
            if case .resume(let request, let connection, let id, let validate) = action {
                precondition(connection.serial == id, "a resume hands out another connection than its id")
                return (request, id, validate)
            }
            return nil
        }
    }
    var failures: [(request: Int, error: PoolKitError)] {
        compactMap { if case .fail(let request, let error) = $0 { (request, error) } else { nil } }
    }
    var leaks: [(id: Int, location: String, heldFor: Duration)] {
        compactMap { if case .reportLeak(let id, let location, let heldFor) = $0 { (id, location.description, heldFor) } else { nil } }
    }
    var leaksReturned: [(id: Int, location: String, heldFor: Duration)] {
        compactMap { if case .leakReturned(let id, let location, let heldFor) = $0 { (id, location.description, heldFor) } else { nil } }
    }
    var statementCancels: [Int] {
        compactMap { if case .cancelStatement(_, let id) = $0 { id } else { nil } }
    }
}

extension PoolStateMachine where Connection == TestConn {
    /// Reports the connection with this id as open, with a `TestConn` whose serial is the id.
    mutating func establish(_ id: Int, at now: PoolInstant) -> [Action] {
        connectionEstablished(id, TestConn(serial: id), now: now)
    }

    /// Requests a lease with the default acquire timeout.
    mutating func request(_ request: Int, at now: PoolInstant, location: LeaseLocation = "Test.swift:1") -> LeaseResult {
        leaseRequested(
            request, now: now, deadline: now + configuration.acquireTimeout, timeout: configuration.acquireTimeout, location: location)
    }

    /// Requests a lease that must be queued, and returns the actions that came with queueing it.
    mutating func enqueue(_ request: Int, at now: PoolInstant, location: LeaseLocation = "Test.swift:1") -> [Action]? {
        if case .enqueued(let actions) = self.request(request, at: now, location: location) { return actions }
        return nil
    }
}

extension PoolStateMachine.LeaseResult {
    var leasedID: Int? { if case .leased(_, let id, _, _) = self { id } else { nil } }
    var leasedValidate: Bool? { if case .leased(_, _, let validate, _) = self { validate } else { nil } }
    /// What else was decided with the lease or the rejection (closes of expired idle connections, opens).
    var sideActions: [PoolStateMachine.Action] {
        switch self {
        case .leased(_, _, _, let actions), .failed(_, let actions), .enqueued(let actions): actions
        }
    }
    var failure: PoolKitError? { if case .failed(let error, _) = self { error } else { nil } }
    var enqueuedActions: [PoolStateMachine.Action]? { if case .enqueued(let actions) = self { actions } else { nil } }
}
