#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Lets any thread cut a connection's socket, so that a blocking C call waiting on a server that
/// stopped answering (libpq's `PQexec`, libmariadb's `mysql_real_query`) returns at once with a
/// "connection lost" error instead of waiting for the server.
///
/// It calls `shutdown(2)`, never `close(2)`: the descriptor stays owned by the C library, which
/// closes it in `PQfinish` / `mysql_close`. The driver calls ``forget()`` on the connection's
/// thread before it frees the connection, under the same lock, so a later ``breakConnection()``
/// can never reach a descriptor number the process has reused for something else.
package final class SocketBreaker: Sendable {
    private let descriptor: Mutex<Int32?>

    /// `descriptor` is the connection's socket (`PQsocket`, `mysql_get_socket`); negative = none.
    package init(descriptor: Int32) {
        self.descriptor = Mutex(descriptor >= 0 ? descriptor : nil)
    }

    /// Shuts the socket down in both directions; returns whether there was one to shut down.
    @discardableResult
    package func breakConnection() -> Bool {
        descriptor.withLock { descriptor in
            guard let fd = descriptor else { return false }
            #if canImport(Darwin)
            _ = shutdown(fd, SHUT_RDWR)
            #else
            _ = shutdown(fd, Int32(SHUT_RDWR))
            #endif
            return true
        }
    }

    /// Forgets the descriptor; call it right before the C library closes it.
    package func forget() {
        descriptor.withLock { $0 = nil }
    }
}
