#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Freezes a database server process with `SIGSTOP` — a server that stops answering without
/// closing its sockets, the fault that hangs clients without timeouts — and thaws it with
/// `SIGCONT`: when the test calls ``resume()``, or at the latest after a failsafe delay, so that a
/// test of code that waits on the server forever still ends (and can see it ended only because
/// of the failsafe, ``resumedByFailsafe``).
///
/// ```swift
/// let pause = try ProcessPause(pid: connection.backendPID)
/// defer { pause.resume() }
/// ```
public final class ProcessPause: Sendable {
    public let pid: Int32
    private let state = Mutex<(resumed: Bool, byFailsafe: Bool)>((false, false))

    /// Stops `pid`. Throws if the signal could not be sent (no such process, not permitted).
    public init(pid: Int32, failsafe: Duration = .seconds(20)) throws {
        self.pid = pid
        guard kill(pid, SIGSTOP) == 0 else {
            throw PauseError(message: "could not SIGSTOP process \(pid): errno \(errno) (tests that stop a server must run as its owner or root)")
        }
        Task { [self] in
            try? await Task.sleep(for: failsafe)
            resume(byFailsafe: true)
        }
    }

    /// True once the failsafe had to resume the process: what was under test did not end by itself.
    public var resumedByFailsafe: Bool { state.withLock { $0.byFailsafe } }

    /// True while the process is stopped.
    public var isStopped: Bool { state.withLock { !$0.resumed } }

    /// Resumes the process (once; later calls do nothing).
    public func resume() { resume(byFailsafe: false) }

    private func resume(byFailsafe: Bool) {
        let first = state.withLock { state -> Bool in
            guard !state.resumed else { return false }
            state = (true, byFailsafe)
            return true
        }
        if first { kill(pid, SIGCONT) }
    }

    struct PauseError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
