import PoolKit
import Synchronization

/// Errors the test source raises and classifies.
enum TestError: Error, Sendable, Equatable {
    /// The connection died under the borrower (classified `.connectionBroken`).
    case broken
    /// An ordinary statement error (classified `.statement`).
    case statement
    case ping
    case reset
    /// The server refused a write because it is read-only (classified `.serverReadOnly`).
    case readOnly
}

/// A fake connection: it remembers whether it was closed and can be told to die.
final class TestConnection: Sendable, CustomStringConvertible {
    let serial: Int
    private let state = Mutex(State())

    private struct State {
        var dead = false
        var closed = false
        var resets = 0
    }

    init(serial: Int) { self.serial = serial }

    var isDead: Bool { state.withLock { $0.dead } }
    var isClosed: Bool { state.withLock { $0.closed } }
    var resets: Int { state.withLock { $0.resets } }
    /// From now on the connection fails its ping.
    func kill() { state.withLock { $0.dead = true } }

    fileprivate func markClosed() -> Bool {
        state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
    }
    fileprivate func markReset() { state.withLock { $0.resets += 1 } }

    var description: String { "TestConnection#\(serial)" }
}

/// A ``ConnectionSource`` driven by a script: fail the next connect, hold a connect until the test
/// lets it go, fail the next reset. It counts every call, tracks how many connections are open at
/// once, and lets a test await a condition on those counts instead of sleeping.
final class TestConnectionSource: ConnectionSource {
    typealias Connection = TestConnection

    /// What the source has done so far.
    struct Snapshot: Sendable {
        var connectAttempts = 0
        var connects = 0
        var validations = 0
        var resets = 0
        var closes = 0
        var cancels = 0
        /// Connections open now, and the most that were open at once.
        var open = 0
        var maxOpen = 0
        /// Connects held by `holdNextConnect()` and not yet let go.
        var heldConnects = 0
    }

    private enum ConnectStep {
        case fail(any Error & Sendable)
        case hold
    }

    private struct State {
        var snapshot = Snapshot()
        var script: [ConnectStep] = []
        var resetFailures = 0
        var hangingValidations = 0
        var hung: [CheckedContinuation<Void, Never>] = []
        var connections: [TestConnection] = []
        var held: [CheckedContinuation<Void, Never>] = []
        var watchers: [(condition: @Sendable (Snapshot) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    init() {}

    // MARK: Script

    /// The next connect throws `error` (a `PoolKitError` keeps its code, so `.authenticationFailed`
    /// is classified permanent and `.connectionFailed` transient).
    func failNextConnect(with error: any Error & Sendable) {
        state.withLock { $0.script.append(.fail(error)) }
    }

    /// The next connect waits until ``releaseHeldConnect()`` is called.
    func holdNextConnect() {
        state.withLock { $0.script.append(.hold) }
    }

    /// Lets the oldest held connect go on.
    func releaseHeldConnect() {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.held.isEmpty else { return nil }
            let continuation = state.held.removeFirst()
            state.snapshot.heldConnects -= 1
            return continuation
        }
        continuation?.resume()
    }

    /// The next `count` validations never answer until ``releaseHungValidations()`` (a server
    /// that stopped answering).
    func hangNextValidation(count: Int = 1) {
        state.withLock { $0.hangingValidations += count }
    }

    /// Lets every hung validation finish.
    func releaseHungValidations() {
        let hung = state.withLock { state in
            defer { state.hung = [] }
            return state.hung
        }
        for continuation in hung { continuation.resume() }
    }

    /// The next `count` resets throw.
    func failNextReset(count: Int = 1) {
        state.withLock { $0.resetFailures += count }
    }

    // MARK: Observation

    var snapshot: Snapshot { state.withLock { $0.snapshot } }
    var connections: [TestConnection] { state.withLock { $0.connections } }

    /// Returns once `condition` holds for the source's counts (at once if it already does).
    func waitUntil(_ condition: @escaping @Sendable (Snapshot) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let holds = state.withLock { state -> Bool in
                if condition(state.snapshot) { return true }
                state.watchers.append((condition, continuation))
                return false
            }
            if holds { continuation.resume() }
        }
    }

    /// Changes the state and wakes the watchers whose condition now holds.
    private func update<R>(_ body: (inout State) -> R) -> R {
        let (result, ready) = state.withLock { state -> (R, [CheckedContinuation<Void, Never>]) in
            let result = body(&state)
            var ready: [CheckedContinuation<Void, Never>] = []
            state.watchers.removeAll { watcher in
                guard watcher.condition(state.snapshot) else { return false }
                ready.append(watcher.continuation)
                return true
            }
            return (result, ready)
        }
        for continuation in ready { continuation.resume() }
        return result
    }

    // MARK: ConnectionSource

    func connect() async throws -> TestConnection {
        let step = update { state -> ConnectStep? in
            state.snapshot.connectAttempts += 1
            return state.script.isEmpty ? nil : state.script.removeFirst()
        }
        switch step {
        case .fail(let error)?:
            throw error
        case .hold?:
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                update { state in
                    state.held.append(continuation)
                    state.snapshot.heldConnects += 1
                }
            }
        case nil:
            break
        }
        return update { state in
            let connection = TestConnection(serial: state.snapshot.connects)
            state.snapshot.connects += 1
            state.snapshot.open += 1
            state.snapshot.maxOpen = max(state.snapshot.maxOpen, state.snapshot.open)
            state.connections.append(connection)
            return connection
        }
    }

    func validate(_ connection: TestConnection) async throws {
        let hang = update { state -> Bool in
            state.snapshot.validations += 1
            guard state.hangingValidations > 0 else { return false }
            state.hangingValidations -= 1
            return true
        }
        if hang {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                update { $0.hung.append(continuation) }
            }
        }
        if connection.isDead || connection.isClosed { throw TestError.ping }
    }

    func reset(_ connection: TestConnection) async throws {
        // Like the drivers, whose statements refuse to start in a cancelled task.
        try Task.checkCancellation()
        let fail = update { state -> Bool in
            state.snapshot.resets += 1
            guard state.resetFailures > 0 else { return false }
            state.resetFailures -= 1
            return true
        }
        if fail { throw TestError.reset }
        connection.markReset()
    }

    func close(_ connection: TestConnection) async {
        let first = connection.markClosed()
        update { state in
            state.snapshot.closes += 1
            if first { state.snapshot.open -= 1 }
        }
    }

    func cancel(_ connection: TestConnection) {
        update { $0.snapshot.cancels += 1 }
    }

    func classify(_ error: any Error) -> ErrorDisposition {
        switch error {
        case TestError.broken: .connectionBroken
        case TestError.readOnly: .serverReadOnly
        case TestError.statement, TestError.ping, TestError.reset: .statement
        default: ErrorDisposition.fromCode(error)
        }
    }
}

/// A thread-safe list of what happened, for hooks.
final class EventLog: Sendable {
    private let events = Mutex<[String]>([])
    func append(_ event: String) { events.withLock { $0.append(event) } }
    var all: [String] { events.withLock { $0 } }
}

/// Yields until `condition` holds, at most `iterations` times; returns whether it holds.
/// For pool state that changes on other tasks (a waiter enqueued, a connection handed over), where
/// there is no event to await. Never sleeps.
func eventually(iterations: Int = 100_000, _ condition: () -> Bool) async -> Bool {
    for _ in 0..<iterations {
        if condition() { return true }
        await Task.yield()
    }
    return condition()
}
