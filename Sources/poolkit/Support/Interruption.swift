import Dispatch
import Foundation
import PoolKit
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Catches SIGINT and SIGTERM from the start of the process, so that a Ctrl-C is never lost: one
/// that arrives before the interruptible work began cancels that work as soon as it begins.
final class InterruptMonitor: Sendable {
    static let shared = InterruptMonitor()

    private struct State {
        var signalled = false
        var cancel: (@Sendable () -> Void)?
    }
    private let state = Mutex(State())

    /// Installs the handlers; call once, first thing in `main`, and keep the returned sources for as
    /// long as the process runs. SIGPIPE is ignored so a closed pipe becomes a write error with a
    /// message instead of a silent death.
    func install() -> [any DispatchSourceSignal] {
        signal(SIGPIPE, SIG_IGN)
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [self] in fire() }
            source.resume()
            sources.append(source)
        }
        return sources
    }

    /// Whether SIGINT or SIGTERM arrived.
    var signalled: Bool { state.withLock { $0.signalled } }

    /// `cancel` runs when a signal arrives — at once if one already did.
    func register(_ cancel: @escaping @Sendable () -> Void) {
        let already = state.withLock { state in
            state.cancel = cancel
            return state.signalled
        }
        if already { cancel() }
    }

    func unregister() {
        state.withLock { $0.cancel = nil }
    }

    private func fire() {
        let cancel = state.withLock { state in
            state.signalled = true
            return state.cancel
        }
        cancel?()
    }
}

/// Runs `body` in a task that SIGINT and SIGTERM cancel (see ``InterruptMonitor``), so Ctrl-C stops
/// the running statements on every connection, discards a partial archive and exits non-zero.
///
/// A Ctrl-C is either honoured (the error says "interrupted") or, when it arrives after the last
/// step committed, reported as too late — never both: nothing is printed when the signal arrives.
func runInterruptibly<T: Sendable>(verb: String = "command", _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let monitor = InterruptMonitor.shared
    let task = Task { try await body() }
    monitor.register { task.cancel() }
    defer { monitor.unregister() }
    do {
        let result = try await task.value
        if monitor.signalled {
            writeToStandardError("\npoolkit: interrupt received too late: the \(verb) had already completed\n")
        }
        return result
    } catch is CancellationError {
        throw PoolKitError(.cancelled, "interrupted")
    } catch let error as PoolKitError where error.code == .cancelled {
        throw PoolKitError(.cancelled, monitor.signalled ? "interrupted: \(error.message)" : error.message)
    } catch let error as PoolKitError where monitor.signalled && task.isCancelled {
        // A Ctrl-C cancels the running statements; a connection whose server does not answer the
        // cancel request (a frozen backend) is cut, which surfaces as a connection error: it is
        // still the interrupt, and the message keeps what the failure says was restored.
        throw PoolKitError(.cancelled, "interrupted: \(error.message)", engineCode: error.engineCode, underlying: error.underlying)
    }
}

/// True when file descriptor `fd` is a terminal.
func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }
