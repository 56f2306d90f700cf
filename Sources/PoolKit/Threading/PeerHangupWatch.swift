#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation

/// Watches a connection's socket while the client only writes to it (MariaDB's `LOAD DATA LOCAL
/// INFILE` streams the file without reading anything until the end), and shuts the socket down
/// when the server hangs up.
///
/// Without it, a server that ends the connection mid-upload (`KILL`) but keeps its half-closed
/// socket around for a while stops reading: the client's write blocks on a full send buffer until
/// TCP gives up, minutes later. The watch sees the server's FIN (`POLLRDHUP`) on a thread of its
/// own and calls `shutdown(2)`, so the blocked write returns at once with a connection error.
///
/// ```swift
/// let watch = PeerHangupWatch(socket: descriptor)
/// defer { watch?.stop() }  // before the C library may close the descriptor
/// ```
package final class PeerHangupWatch: Sendable {
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let done = DispatchSemaphore(value: 0)

    /// Starts watching `socket`; nil if it is not a descriptor or no wake-up pipe could be made
    /// (the transfer then runs unwatched, as before).
    package init?(socket: Int32) {
        guard socket >= 0 else { return nil }
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { return nil }
        let wakeRead = pipeEnds[0]
        self.wakeRead = wakeRead
        self.wakeWrite = pipeEnds[1]
        Thread.detachNewThread { [self] in
            defer { done.signal() }
            var descriptors = [
                pollfd(fd: socket, events: Int16(Self.peerClosedEvent), revents: 0),
                pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
            ]
            while true {
                let ready = poll(&descriptors, 2, -1)
                if ready < 0 && errno == EINTR { continue }
                guard ready > 0, descriptors[1].revents == 0 else { return }
                if Int32(descriptors[0].revents) & (Self.peerClosedEvent | Int32(POLLHUP) | Int32(POLLERR)) != 0 {
                    #if canImport(Darwin)
                    _ = shutdown(socket, SHUT_RDWR)
                    #else
                    _ = shutdown(socket, Int32(SHUT_RDWR))
                    #endif
                    return
                }
            }
        }
    }

    /// Stops watching and waits until the watching thread no longer touches the socket. Call it
    /// once, before the descriptor can be closed.
    package func stop() {
        // Both ends stay open until the thread is gone: the write can never raise SIGPIPE.
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        done.wait()
        close(wakeRead)
        close(wakeWrite)
    }

    /// `POLLRDHUP` (Linux: the peer shut down its writing side); elsewhere only `POLLHUP` is known.
    private static var peerClosedEvent: Int32 {
        #if os(Linux)
        return 0x2000
        #else
        return Int32(POLLHUP)
        #endif
    }
}
