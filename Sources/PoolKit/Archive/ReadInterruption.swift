#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Wakes a read that waits for input on a pipe or terminal, from any thread: Ctrl-C must stop a
/// restore whose archive stops arriving, not wait for the next byte.
///
/// The reader waits with `poll` on its descriptor and on a pipe of its own; ``interrupt()`` writes
/// one byte into that pipe, and every wait from then on ends with `.cancelled`.
public final class ReadInterruption: Sendable {
    private let readEnd: Int32
    private let writeEnd: Int32

    /// Nil when the process is out of descriptors (reads then cannot be interrupted).
    public init?() {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// Ends the current and every later wait. Callable from any thread, any number of times.
    public func interrupt() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Waits until `fd` has input (or its end, or an error, which the read then reports); throws
    /// `.cancelled` once ``interrupt()`` was called.
    func waitForInput(_ fd: Int32, source: String) throws {
        var descriptors = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)]
        while true {
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return  // the read itself will report what is wrong
            }
            if descriptors[1].revents != 0 {
                throw PoolKitError(.cancelled, "reading the archive from \(source) was interrupted")
            }
            return
        }
    }
}
