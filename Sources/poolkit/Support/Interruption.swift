import Dispatch
import Foundation
import PoolKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `body` in a task that SIGINT and SIGTERM cancel, so Ctrl-C stops the running statements
/// on every connection, discards a partial archive and exits non-zero. SIGPIPE is ignored so a
/// closed pipe becomes a write error with a message instead of a silent death.
func runInterruptibly<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    signal(SIGPIPE, SIG_IGN)
    let task = Task { try await body() }
    var sources: [any DispatchSourceSignal] = []
    for signalNumber in [SIGINT, SIGTERM] {
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        source.setEventHandler {
            writeToStandardError("\npoolkit: interrupted; stopping\n")
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
        return try await task.value
    } catch is CancellationError {
        throw PoolKitError(.cancelled, "interrupted")
    }
}

/// True when file descriptor `fd` is a terminal.
func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }
