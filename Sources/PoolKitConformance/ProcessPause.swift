#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
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
        Self.waitUntilStopped(pid)
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

    /// Waits (a few seconds at most) until every thread of `pid` is in the stopped state. A
    /// SIGSTOP is delivered asynchronously: on a busy machine a server thread still running answered
    /// one more statement after `kill` returned (seen in CI). Linux only (`/proc/<pid>/task`).
    private static func waitUntilStopped(_ pid: Int32) {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while clock.now < deadline {
            guard let threads = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return }
            let stopped = threads.allSatisfy { thread in
                guard let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/stat", encoding: .utf8),
                    let close = stat.lastIndex(of: ")")
                else { return true }  // the thread ended
                let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
                return state == "T" || state == "t"
            }
            if stopped { return }
            usleep(1_000)
        }
    }

    struct PauseError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
