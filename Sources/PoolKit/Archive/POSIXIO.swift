#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Blocking read/write loops on a file descriptor that handle partial transfers, `EINTR` and
/// non-blocking descriptors, and turn `errno` into ``PoolKitError``s that say what to do.
enum POSIXIO {
    /// Writes all of `bytes` to `fd`. `target` names the destination in errors.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, target: String) throws {
        guard var pointer = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = write(fd, pointer, remaining)
            if written >= 0 {
                pointer += written
                remaining -= written
                continue
            }
            let code = errno
            switch code {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK:
                try waitUntilReady(fd, events: Int16(POLLOUT), target: target)
            default:
                throw writeError(code, target: target)
            }
        }
    }

    /// Reads up to `buffer.count` bytes from `fd`; returns 0 only at end of stream.
    static func readSome(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, source: String) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let count = read(fd, base, buffer.count)
            if count >= 0 { return count }
            let code = errno
            switch code {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK:
                try waitUntilReady(fd, events: Int16(POLLIN), source: source)
            default:
                throw PoolKitError(.io, "cannot read the archive from \(source): \(describe(code))", engineCode: "errno \(code)")
            }
        }
    }

    /// Waits for a non-blocking descriptor to become readable or writable.
    private static func waitUntilReady(_ fd: Int32, events: Int16, target: String = "", source: String = "") throws {
        var descriptor = pollfd(fd: fd, events: events, revents: 0)
        while poll(&descriptor, 1, -1) < 0 {
            let code = errno
            if code == EINTR { continue }
            let name = target.isEmpty ? source : target
            throw PoolKitError(.io, "cannot wait for \(name): \(describe(code))", engineCode: "errno \(code)")
        }
    }

    /// The error for a failed write, with advice for the cases a user can fix.
    static func writeError(_ code: Int32, target: String) -> PoolKitError {
        switch code {
        case ENOSPC, EDQUOT:
            PoolKitError(
                .io,
                "disk full while writing the archive to \(target): free space or write elsewhere (e.g. -o - | upload)",
                engineCode: "errno \(code)")
        case EPIPE:
            PoolKitError(
                .io, "the program reading the archive from \(target) went away (broken pipe) before the archive was complete",
                engineCode: "errno \(code)")
        case EFBIG:
            PoolKitError(
                .io, "the archive is larger than \(target) may grow (file size limit): write it elsewhere or raise the limit",
                engineCode: "errno \(code)")
        default:
            PoolKitError(.io, "cannot write the archive to \(target): \(describe(code))", engineCode: "errno \(code)")
        }
    }

    /// `strerror` text for `code`.
    static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}
