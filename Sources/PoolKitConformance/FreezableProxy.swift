#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A TCP proxy on 127.0.0.1 in front of a database server, which a test can freeze: the connections
/// through it stay open but no byte moves either way — a server that stops answering, without
/// stopping a server other tests share. Connections opened while it is frozen pass (a cancel
/// request or `KILL QUERY` still reaches the server, as it would a hung server).
///
/// ```swift
/// let proxy = try FreezableProxy(upstreamPort: 3306)
/// defer { proxy.stop() }
/// // connect to 127.0.0.1:\(proxy.port) …
/// proxy.freeze()
/// ```
public final class FreezableProxy: Sendable {
    /// The port the proxy listens on.
    public let port: UInt16
    private let listener: Int32
    private let upstreamPort: UInt16
    private struct State {
        var frozen: Set<Int32> = []  // client sockets of the connections that were open at freeze()
        var open: Set<Int32> = []
        var closed = false
    }
    private let state = Mutex(State())

    /// Listens on a free port of 127.0.0.1 and forwards every connection to `upstreamPort` there.
    public init(upstreamPort: UInt16) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw ProxyError("socket: errno \(errno)") }
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 64) == 0 else {
            close(listener)
            throw ProxyError("bind/listen: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        self.port = UInt16(bigEndian: address.sin_port)
        self.upstreamPort = upstreamPort
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// From now on, the connections open now move no bytes until ``thaw()``.
    public func freeze() { state.withLock { $0.frozen = $0.open } }

    /// Lets every connection move bytes again.
    public func thaw() { state.withLock { $0.frozen = [] } }

    /// Stops listening and cuts every connection.
    public func stop() {
        let sockets = state.withLock { state -> Set<Int32> in
            state.closed = true
            state.frozen = []
            return state.open
        }
        _ = shutdown(listener, Int32(SHUT_RDWR))
        for socket in sockets { _ = shutdown(socket, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: upstreamPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            let accepted = state.withLock { state -> Bool in
                guard !state.closed, connected == 0 else { return false }
                state.open.formUnion([client, upstream])
                return true
            }
            guard accepted else {
                close(client)
                close(upstream)
                continue
            }
            let finished = PumpCount()
            let pair = ConnectionPair(client: client, upstream: upstream)
            for (from, to) in [(client, upstream), (upstream, client)] {
                Thread.detachNewThread { [self] in
                    pump(from: from, to: to, key: client)
                    // The second pump to end closes both sockets: neither is in use any more.
                    if finished.value.add(1, ordering: .acquiringAndReleasing).newValue == 2 { finish(pair) }
                }
            }
        }
    }

    private final class PumpCount: Sendable {
        let value = Atomic<Int>(0)
    }

    private struct ConnectionPair: Sendable {
        var client: Int32
        var upstream: Int32
    }

    private func finish(_ pair: ConnectionPair) {
        state.withLock { state in
            state.open.subtract([pair.client, pair.upstream])
            state.frozen.remove(pair.client)
        }
        close(pair.client)
        close(pair.upstream)
    }

    /// Copies bytes from `from` to `to` while the connection is not frozen; on the end of either
    /// side, shuts both down so the other pump ends too.
    private func pump(from: Int32, to: Int32, key: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        defer {
            _ = shutdown(from, Int32(SHUT_RDWR))
            _ = shutdown(to, Int32(SHUT_RDWR))
        }
        while true {
            let (frozen, closed) = state.withLock { ($0.frozen.contains(key), $0.closed) }
            if closed { return }
            if frozen {
                usleep(10_000)
                continue
            }
            var descriptor = pollfd(fd: from, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 50)
            if ready < 0 && errno != EINTR { return }
            guard ready > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(from, $0.baseAddress!, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            var written = 0
            while written < count {
                let result = buffer.withUnsafeBytes { write(to, $0.baseAddress! + written, count - written) }
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else { return }
                written += result
            }
        }
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    struct ProxyError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
