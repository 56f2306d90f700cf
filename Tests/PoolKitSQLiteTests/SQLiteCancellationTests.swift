import Foundation
import PoolKitSQLite
import Testing

@Suite("SQLite threading and cancellation")
struct SQLiteCancellationTests {
    @Test("cancelling the task stops a long query inside SQLite with .cancelled; the connection stays usable")
    func taskCancellationInterrupts() async throws {
        let connection = try await connect(":memory:")
        let task = Task { try await connection.query(unsafeSQL: endlessQuery) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let error = await #expect(throws: PoolKitError.self) { try await task.value }
        #expect(error?.code == .cancelled)
        try await connection.ping()
        await connection.close()
    }

    @Test("a task cancelled before its statement starts does not run it")
    func cancelledBeforeStart() async throws {
        let connection = try await connect(":memory:")
        try await connection.execute(unsafeSQL: "CREATE TABLE t(x)")
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await connection.execute(unsafeSQL: "INSERT INTO t VALUES (1)")
        }
        let error = await #expect(throws: PoolKitError.self) { try await task.value }
        #expect(error?.code == .cancelled)
        #expect(try await connection.query(unsafeSQL: "SELECT count(*) FROM t").scalar == "0")
        await connection.close()
    }

    @Test("cancelRunningStatement from another task stops a long query with .cancelled")
    func cancelRunningStatement() async throws {
        let connection = try await connect(":memory:")
        let query = Task { try await connection.query(unsafeSQL: endlessQuery) }
        // Ask until the query has ended: a request made before the query starts has nothing to stop.
        let canceller = Task {
            while !Task.isCancelled {
                connection.cancelRunningStatement()
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        let result = await query.result
        canceller.cancel()
        let error = #expect(throws: PoolKitError.self) { try result.get() }
        #expect(error?.code == .cancelled)
        #expect(error?.engineCode?.hasPrefix("SQLITE_INTERRUPT") == true)
        #expect(try await connection.query(unsafeSQL: "SELECT 2").scalar == "2")
        await connection.close()
    }

    @Test("SQLite calls run on the connection's own thread, not on the cooperative pool")
    func runsOnConnectionThread() async throws {
        let first = try await connect(":memory:")
        let second = try await connect(":memory:")
        let firstName = try await first.withHandle { _ in Thread.current.name }
        let secondName = try await second.withHandle { _ in Thread.current.name }
        #expect(firstName == first.threadName)
        #expect(secondName == second.threadName)
        #expect(first.threadName != second.threadName)
        await first.close()
        await second.close()
    }
}
