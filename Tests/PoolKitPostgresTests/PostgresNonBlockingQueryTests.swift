import Foundation
import Logging
import PoolKit
import PoolKitConformance
@testable import PoolKitPostgres
import Testing

/// Parameterized queries take the non-blocking fast path (libpq's non-blocking calls on the
/// calling task, the answer awaited on the process's socket poller). These tests press on what
/// that path must get right against a real server: answers that arrive in many reads, values too
/// large for one write, cancellation, a COPY sent the wrong way, and one connection used by many
/// tasks at once through both paths.
@Suite(
    "PostgreSQL non-blocking queries",
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresNonBlockingQueryTests {
    let logger = Logger(label: "poolkit.tests.postgres.nonblocking")

    /// A new session; `nonBlocking: false` sets the URL option that sends every statement to the
    /// connection's thread instead.
    func connect(nonBlocking: Bool = true) async throws -> PostgresConnection {
        let text = try #require(TestServers.url(for: .postgres), Comment(rawValue: TestServers.missingMessage(for: .postgres)))
        var url = try ConnectionURL(text)
        if !nonBlocking { url.options.append(("nonblocking", "false")) }
        let connection = try await PostgresDriver().connect(to: url, logger: logger)
        let postgres = try #require(connection as? PostgresConnection)
        #expect((postgres.readiness != nil) == nonBlocking)
        return postgres
    }

    @Test("an answer of 200,000 rows (many socket reads) and 16 MB text and 4 MB bytes values arrive whole")
    func largeAnswersAndValues() async throws {
        let connection = try await connect()
        defer { Task { await connection.close() } }
        let rows = try await connection.query("SELECT g, md5(g::text) FROM generate_series(1, $1::int) g", [200_000])
        #expect(rows.count == 200_000)
        #expect(try rows.last?.decode(Int.self, at: 0) == 200_000)
        #expect(try rows.first?.decode(String.self, at: 1) == "c4ca4238a0b923820dcc509a6f75849b")
        // Larger than the socket's send buffer: the send waits for the socket to drain.
        let big = String(repeating: "0123456789abcdef", count: 1 << 20)
        let echoed = try await connection.query("SELECT length($1::text), $1::text", [.text(big)])
        #expect(try echoed.first?.decode(Int.self, at: 0) == big.utf8.count)
        #expect(try echoed.first?.decode(String.self, at: 1) == big)
        let bytes = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let digest = try await connection.query("SELECT md5($1::bytea), $1::bytea", [.bytes(bytes)])
        #expect(try digest.first?.decode([UInt8].self, at: 1) == bytes)
    }

    @Test(
        "cancelling the task stops a parameterized statement on the server; the connection stays usable",
        arguments: [true, false])
    func cancellation(nonBlocking: Bool) async throws {
        let connection = try await connect(nonBlocking: nonBlocking)
        let observer = try await connect()
        defer { Task { await connection.close(); await observer.close() } }
        let sleeper = Task { try await connection.query("SELECT pg_sleep($1::float8)", [.double(30)]) }
        let running = try await eventually {
            let active = try await observer.query(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND query LIKE 'SELECT pg_sleep%'",
                [.int(Int64(connection.backendPID))])
            return try active.first?.decode(Int.self, at: 0) == 1
        }
        try #require(running, "the statement never showed up as running")
        sleeper.cancel()
        let error = try await #require(throws: PoolKitError.self) { try await sleeper.value }
        #expect(error.code == .cancelled)
        #expect(error.engineCode == "57014")
        #expect(try await connection.query("SELECT $1::text", ["still usable"]).first?.decode(String.self, at: 0) == "still usable")
    }

    @Test("a task cancelled before its parameterized statement starts does not run it")
    func cancelledBeforeStart() async throws {
        let connection = try await connect()
        defer { Task { await connection.close() } }
        try await connection.execute(unsafeSQL: "CREATE TEMP TABLE marks (id int)")
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            _ = try await connection.query("INSERT INTO marks VALUES ($1)", [1])
        }
        let error = try await #require(throws: PoolKitError.self) { try await task.value }
        #expect(error.code == .cancelled)
        #expect(try await connection.query("SELECT count(*) FROM marks", []).first?.decode(Int.self, at: 0) == 0)
    }

    @Test("a COPY sent through query(_:_:) is refused and ended; the connection stays usable")
    func copyIsRefused() async throws {
        let connection = try await connect()
        defer { Task { await connection.close() } }
        let out = try await #require(throws: PoolKitError.self) {
            try await connection.query("COPY (SELECT g FROM generate_series(1, 100000) g) TO STDOUT", [])
        }
        #expect(out.code == .unsupported)
        try await connection.execute(unsafeSQL: "CREATE TEMP TABLE target (id int)")
        let into = try await #require(throws: PoolKitError.self) { try await connection.query("COPY target FROM STDIN", []) }
        #expect(into.code == .unsupported)
        #expect(try await connection.query("SELECT count(*) FROM target", []).first?.decode(Int.self, at: 0) == 0)
    }

    @Test(
        "many tasks on one connection, mixing both paths, each get their own answer; a failure does not leak into the next",
        arguments: [true, false])
    func concurrentUseIsSerialized(nonBlocking: Bool) async throws {
        let connection = try await connect(nonBlocking: nonBlocking)
        defer { Task { await connection.close() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<16 {
                group.addTask {
                    for round in 0..<50 {
                        let value = task * 1000 + round
                        if round % 5 == 0 {
                            let text = try await connection.query(unsafeSQL: "SELECT \(value)")
                            #expect(text.scalar == String(value))
                        } else if round % 7 == 0 {
                            await #expect(throws: PoolKitError.self) { try await connection.query("SELECT $1::int / 0", [.int(Int64(value))]) }
                        } else {
                            let rows = try await connection.query("SELECT $1::int + 1", [.int(Int64(value))])
                            #expect(try rows.first?.decode(Int.self, at: 0) == value + 1)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    @Test("a session terminated by the server fails the parameterized statement as a broken connection")
    func terminatedSession() async throws {
        let victim = try await connect()
        let killer = try await connect()
        defer { Task { await victim.close(); await killer.close() } }
        #expect(try await victim.query("SELECT $1::int", [1]).first?.decode(Int.self, at: 0) == 1)
        _ = try await killer.query("SELECT pg_terminate_backend($1::int, 10000)", [.int(Int64(victim.backendPID))])
        let error = try await #require(throws: PoolKitError.self) { try await victim.query("SELECT $1::int", [2]) }
        #expect(error.code == .connectionClosed)
    }
}
