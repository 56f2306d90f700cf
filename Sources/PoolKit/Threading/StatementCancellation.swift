import Synchronization

/// Tracks which statement a connection is running, so that a cancel request stops that
/// statement and can never stop a later one.
///
/// Engines cancel "whatever runs now" (PQcancel, `KILL QUERY`, sqlite3_interrupt). A cancel
/// that is sent late — after its statement finished and the next one started — would stop
/// the wrong statement, possibly another borrower's. Drivers avoid that with this protocol:
///
/// 1. The calling task takes a ``Token`` with ``makeToken()`` before it hops to the
///    connection's thread, and its cancellation handler calls ``cancel(_:)`` with it.
/// 2. On the connection's thread the job calls ``begin(_:)`` right before the blocking C call
///    (and skips the call if it returns false: the task was cancelled before it started), and
///    ``end(_:)`` right after it (which says whether a cancel was requested meanwhile).
/// 3. The engine signal is sent inside ``whileRunning(_:_:)``, which holds the lock and runs
///    only if the token's statement still runs. ``end(_:)`` takes the same lock, so the
///    connection thread cannot move on to the next statement while a signal is in flight.
/// 4. The calling task calls ``finish(_:)`` once the hop is over, whatever its outcome.
package final class StatementCancellation: Sendable {
    /// Identifies one statement (one hop to the connection's thread).
    package struct Token: Hashable, Sendable {
        fileprivate let id: UInt64
    }

    /// What ``cancel(_:)`` found.
    package enum Outcome: Sendable, Equatable {
        /// The statement runs now: send the engine's cancel signal inside ``whileRunning(_:_:)``.
        case running
        /// The statement has not started: ``begin(_:)`` will refuse it, nothing to signal.
        case notStarted
        /// The statement is over: nothing to do.
        case finished
    }

    private struct State {
        var nextID: UInt64 = 1
        var running: UInt64?
        /// Tokens made and not yet finished.
        var pending: Set<UInt64> = []
        /// Tokens for which a cancel was requested.
        var cancelRequested: Set<UInt64> = []
    }

    private let state = Mutex(State())

    package init() {}

    /// A token for the next statement; pair it with ``finish(_:)``.
    package func makeToken() -> Token {
        state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.pending.insert(id)
            return Token(id: id)
        }
    }

    /// Marks the token's statement as running. Returns false if it was cancelled before it
    /// started; the caller must then not run it.
    package func begin(_ token: Token) -> Bool {
        state.withLock { state in
            if state.cancelRequested.contains(token.id) { return false }
            state.running = token.id
            return true
        }
    }

    /// Marks the token's statement as over. Returns true if a cancel was requested for it, so
    /// the driver can tell a cancelled statement from one that failed on its own. Waits for a
    /// signal being sent in ``whileRunning(_:_:)`` to complete.
    @discardableResult
    package func end(_ token: Token) -> Bool {
        state.withLock { state in
            if state.running == token.id { state.running = nil }
            return state.cancelRequested.contains(token.id)
        }
    }

    /// ``end(_:)`` for a caller on Swift's cooperative pool: when a cancel signal is being sent
    /// right now (``whileRunning(_:_:)`` holds the lock for a network round trip), it waits on
    /// `thread` instead of blocking the pool. Returns whether a cancel was requested.
    package func end(_ token: Token, waitingOn thread: ConnectionThread) async -> Bool {
        let ended = state.withLockIfAvailable { state in
            if state.running == token.id { state.running = nil }
            return state.cancelRequested.contains(token.id)
        }
        if let ended { return ended }
        return (try? await thread.run { self.end(token) }) ?? true
    }

    /// Forgets the token. Call it when the hop is over, whether the job ran or not.
    package func finish(_ token: Token) {
        state.withLock { state in
            state.pending.remove(token.id)
            state.cancelRequested.remove(token.id)
            if state.running == token.id { state.running = nil }
        }
    }

    /// Requests cancellation of the token's statement; see ``Outcome`` for what to do next.
    package func cancel(_ token: Token) -> Outcome {
        state.withLock { state in
            guard state.pending.contains(token.id) else { return .finished }
            state.cancelRequested.insert(token.id)
            return state.running == token.id ? .running : .notStarted
        }
    }

    /// Requests cancellation of whatever statement runs now, and returns its token (nil if none runs).
    package func cancelRunning() -> Token? {
        state.withLock { state in
            guard let running = state.running else { return nil }
            state.cancelRequested.insert(running)
            return Token(id: running)
        }
    }

    /// Runs `body` under the lock if the token's statement still runs; returns whether it ran.
    /// `body` sends the engine's cancel signal; it may block briefly (a network round trip)
    /// and must not call back into this object.
    @discardableResult
    package func whileRunning(_ token: Token, _ body: () -> Void) -> Bool {
        state.withLock { state in
            guard state.running == token.id else { return false }
            body()
            return true
        }
    }
}

extension StatementCancellation {
    /// Runs `work` as one statement on `thread`, following the protocol above: the calling task's
    /// cancellation calls `signal` with the statement's token while (and only while) it runs;
    /// a task cancelled before its statement started never runs it. An error `work` throws goes
    /// through `interpret` with whether a cancel was requested meanwhile, so a driver can report
    /// the engine's "query cancelled" as `.cancelled`.
    package func perform<T: Sendable>(
        on thread: ConnectionThread,
        engine: String,
        interpret: @escaping @Sendable (_ error: any Error, _ cancelRequested: Bool) -> any Error = { error, _ in error },
        signal: @escaping @Sendable (Token) -> Void,
        _ work: @escaping @Sendable () throws -> T
    ) async throws -> T {
        let token = makeToken()
        defer { finish(token) }
        return try await withTaskCancellationHandler {
            try await thread.run { [self] in
                guard begin(token) else {
                    throw PoolKitError(.cancelled, "the statement was cancelled before it was sent to \(engine)")
                }
                do {
                    let value = try work()
                    end(token)
                    return value
                } catch {
                    let cancelRequested = end(token)
                    throw interpret(error, cancelRequested)
                }
            }
        } onCancel: {
            if cancel(token) == .running { signal(token) }
        }
    }
}

extension StatementCancellation {
    /// Runs `work` as one statement on the calling task — a driver's non-blocking fast path, which
    /// sends the statement and awaits its answer (see ``SocketReadiness``) — following the same
    /// protocol as ``perform(on:engine:interpret:signal:_:)``: the task's cancellation calls
    /// `signal` while the statement runs, a task cancelled before it started never sends it, and
    /// the statement's end waits (on `thread`, never the cooperative pool) for a signal in flight.
    package func performHere<T: Sendable>(
        waitingOn thread: ConnectionThread,
        engine: String,
        interpret: @escaping @Sendable (_ error: any Error, _ cancelRequested: Bool) -> any Error = { error, _ in error },
        signal: @escaping @Sendable (Token) -> Void,
        _ work: () async throws -> T
    ) async throws -> T {
        let token = makeToken()
        defer { finish(token) }
        return try await withTaskCancellationHandler {
            guard begin(token) else {
                throw PoolKitError(.cancelled, "the statement was cancelled before it was sent to \(engine)")
            }
            do {
                let value = try await work()
                _ = await end(token, waitingOn: thread)
                return value
            } catch {
                let cancelRequested = await end(token, waitingOn: thread)
                throw interpret(error, cancelRequested)
            }
        } onCancel: {
            if cancel(token) == .running { signal(token) }
        }
    }
}
