import Dispatch
import Foundation
import PoolKit
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `body` in a task that SIGINT and SIGTERM cancel, so Ctrl-C stops the running statements
/// on every connection, discards a partial archive and exits non-zero. SIGPIPE is ignored so a
/// closed pipe becomes a write error with a message instead of a silent death.
///
/// A Ctrl-C is either honoured (the error says "interrupted") or, when it arrives after the last
/// step committed, reported as too late — never both: nothing is printed when the signal arrives.
func runInterruptibly<T: Sendable>(verb: String = "command", _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    signal(SIGPIPE, SIG_IGN)
    let task = Task { try await body() }
    let signalled = Atomic<Bool>(false)
    var sources: [any DispatchSourceSignal] = []
    for signalNumber in [SIGINT, SIGTERM] {
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        source.setEventHandler {
            signalled.store(true, ordering: .relaxed)
            task.cancel()
        }
        source.resume()
        sources.append(source)
    }
    defer {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
    do {
        let result = try await task.value
        if signalled.load(ordering: .relaxed) {
            writeToStandardError("\npoolkit: interrupt received too late: the \(verb) had already completed\n")
        }
        return result
    } catch is CancellationError {
        throw PoolKitError(.cancelled, "interrupted")
    } catch let error as PoolKitError where error.code == .cancelled {
        throw PoolKitError(.cancelled, signalled.load(ordering: .relaxed) ? "interrupted: \(error.message)" : error.message)
    }
}

/// True when file descriptor `fd` is a terminal.
func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }
