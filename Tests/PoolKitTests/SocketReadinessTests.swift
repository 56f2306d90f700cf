#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import Testing
@testable import PoolKit

/// The process's socket poller and the per-connection gate that the non-blocking PostgreSQL path
/// stands on, on a local socket pair (no server needed).
@Suite("Socket readiness and the handle gate")
struct SocketReadinessTests {
    /// A connected pair of stream sockets; closed by the caller.
    func socketPair() throws -> (Int32, Int32) {
        var ends: [Int32] = [-1, -1]
        #if canImport(Darwin)
        let made = socketpair(AF_UNIX, SOCK_STREAM, 0, &ends)
        #else
        let made = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends)
        #endif
        try #require(made == 0)
        return (ends[0], ends[1])
    }

    @Test("a wait for reading resumes once the peer writes, not before; a wait for writing on an empty socket resumes at once")
    func readAndWrite() async throws {
        let readiness = try #require(SocketReadiness.shared, "this platform has no poller")
        let (near, far) = try socketPair()
        defer { close(near); close(far) }
        try await readiness.wait(for: near, writable: true)
        let arrived = Atomic<Bool>(false)
        let waiter = Task {
            try await readiness.wait(for: near, writable: false)
            arrived.store(true, ordering: .releasing)
        }
        // Nothing to read yet: the waiter stays suspended for as long as it takes to look.
        for _ in 0..<200 { await Task.yield() }
        let early = arrived.load(ordering: .acquiring)
        #expect(early == false)
        var byte: UInt8 = 42
        #expect(write(far, &byte, 1) == 1)
        try await waiter.value
        let late = arrived.load(ordering: .acquiring)
        #expect(late)
        // Many rounds on the same descriptor: each arming reports once.
        for round in 0..<500 {
            var out = UInt8(truncatingIfNeeded: round)
            #expect(write(far, &out, 1) == 1)
            try await readiness.wait(for: near, writable: false)
            var buffer: [UInt8] = [0, 0]
            #expect(read(near, &buffer, 2) >= 1)
        }
    }

    @Test("a peer that hangs up (shutdown) wakes a waiting reader")
    func hangUpWakes() async throws {
        let readiness = try #require(SocketReadiness.shared, "this platform has no poller")
        let (near, far) = try socketPair()
        defer { close(near); close(far) }
        let waiter = Task { try await readiness.wait(for: near, writable: false) }
        for _ in 0..<50 { await Task.yield() }
        #if canImport(Darwin)
        _ = shutdown(near, SHUT_RDWR)
        #else
        _ = shutdown(near, Int32(SHUT_RDWR))
        #endif
        try await waiter.value
    }

    @Test("a descriptor the poller cannot watch (a file) fails the wait instead of hanging it")
    func unwatchableDescriptorThrows() async throws {
        let readiness = try #require(SocketReadiness.shared, "this platform has no poller")
        // A file, not a socket: epoll refuses it (a closed number could be reused by a parallel test).
        let file = open("/dev/null", O_RDONLY)
        try #require(file >= 0)
        defer { close(file) }
        let error = await #expect(throws: PoolKitError.self) { try await readiness.wait(for: file, writable: false) }
        #expect(error?.code == .connectionClosed)
    }

    @Test("the gate lets one holder in at a time, in the order they asked")
    func gateIsFIFO() async throws {
        let gate = HandleGate()
        let record = GateRecord()
        await gate.enter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask {
                    await gate.enter()
                    let holders = record.inside.add(1, ordering: .acquiringAndReleasing).newValue
                    #expect(holders == 1)
                    record.order.withLock { $0.append(index) }
                    await Task.yield()
                    record.inside.subtract(1, ordering: .acquiringAndReleasing)
                    gate.leave()
                }
                // Each task queues before the next starts, so the queue's order is known.
                while gate.waitingCount < index + 1 { await Task.yield() }
            }
            gate.leave()
            try await group.waitForAll()
        }
        let order = record.order.withLock { $0 }
        #expect(order == Array(0..<20))
    }
}

/// What the gate test's tasks saw: who held the gate at once, and in which order they entered.
private final class GateRecord: Sendable {
    let order = Mutex<[Int]>([])
    let inside = Atomic<Int>(0)
}
