import Foundation
import PoolKitConformance
@testable import PoolKitPostgres
import Testing

/// libpq's COPY calls on a connection's handle: buffers, row counts, and what a failure on either
/// side leaves behind.
@Suite(
    "Postgres COPY primitives", .serialized,
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresCopyPrimitiveTests {
    struct Stop: Error {}

    private func withTable(_ body: (PostgresConnection) async throws -> Void) async throws {
        let database = try await ScratchDatabase.create("prim")
        let connection = try #require(try await PostgresDriver().connect(to: database.url, logger: quietLogger) as? PostgresConnection)
        do {
            try await connection.execute(unsafeSQL:
                """
                CREATE TABLE source (id integer, note text, data bytea);
                INSERT INTO source SELECT g, E'line\\t' || g || E'\\n', decode(md5(g::text), 'hex') FROM generate_series(1, 10000) g;
                CREATE TABLE target (LIKE source);
                """)
            try await body(connection)
        } catch {
            await connection.close()
            await database.drop()
            throw error
        }
        await connection.close()
        await database.drop()
    }

    private func digest(_ table: String, on connection: PostgresConnection) async throws -> String? {
        try await connection.query(unsafeSQL: "SELECT count(*) || ':' || md5(string_agg(t::text, ',' ORDER BY id)) FROM \(table) t").rows.first?[0]
    }

    @Test("rows go out in buffers of the asked size and come back in payloads cut anywhere", arguments: ["", " (FORMAT binary)"])
    func roundTrip(format: String) async throws {
        try await withTable { connection in
            let (buffers, rows) = try await connection.withHandle { handle in
                var buffers: [[UInt8]] = []
                let rows = try handle.copyOut("COPY source TO STDOUT\(format)", bufferSize: 4096) { buffers.append($0) }
                return (buffers, rows)
            }
            #expect(rows == 10000)
            #expect(buffers.count > 10)
            #expect(buffers.dropLast().allSatisfy { $0.count >= 4096 })
            let bytes = buffers.flatMap { $0 }
            let loaded = try await connection.withHandle { handle in
                var offset = 0
                var size = 1
                return try handle.copyIn("COPY target FROM STDIN\(format)") {
                    guard offset < bytes.count else { return nil }
                    let end = min(bytes.count, offset + size)
                    defer {
                        offset = end
                        size = size * 3 % 5003 + 1
                    }
                    return Array(bytes[offset..<end])
                }
            }
            #expect(loaded == 10000)
            let (copied, original) = (try await digest("target", on: connection), try await digest("source", on: connection))
            #expect(copied == original)
        }
    }

    @Test("a chunk that cannot be read to its end is rejected by the server and the connection stays usable")
    func readerFailureAbortsTheCopy() async throws {
        try await withTable { connection in
            let bytes = try await connection.withHandle { handle in
                var all: [UInt8] = []
                _ = try handle.copyOut("COPY source TO STDOUT", bufferSize: 1 << 20) { all += $0 }
                return all
            }
            await #expect(throws: Stop.self) {
                try await connection.withHandle { handle in
                    var sent = false
                    return try handle.copyIn("COPY target FROM STDIN") {
                        if sent { throw Stop() }
                        sent = true
                        return Array(bytes.prefix(bytes.count / 2))
                    }
                }
            }
            let count = try await connection.query(unsafeSQL: "SELECT count(*) FROM target").rows.first?[0]
            #expect(count == "0")
        }
    }

    @Test("a row the server rejects fails the COPY with its SQLSTATE, and the connection stays usable")
    func serverRejectsARow() async throws {
        try await withTable { connection in
            let error = await #expect(throws: PoolKitError.self) {
                try await connection.withHandle { handle in
                    var payloads = [Array("1\tok\t\\\\x00\n".utf8), Array("not a number\tx\t\\\\x00\n".utf8)]
                    return try handle.copyIn("COPY target FROM STDIN") { payloads.isEmpty ? nil : payloads.removeFirst() }
                }
            }
            #expect(error?.engineCode == "22P02")
            let count = try await connection.query(unsafeSQL: "SELECT count(*) FROM target").rows.first?[0]
            #expect(count == "0")
        }
    }

    @Test("when the archive side gives up, the COPY OUT is cancelled and the connection stays usable")
    func sinkFailureStopsTheCopyOut() async throws {
        try await withTable { connection in
            await #expect(throws: Stop.self) {
                try await connection.withHandle { handle in
                    try handle.copyOut("COPY (SELECT g, repeat('x', 100) FROM generate_series(1, 10000000) g) TO STDOUT", bufferSize: 4096) { _ in
                        throw Stop()
                    }
                }
            }
            let one = try await connection.query(unsafeSQL: "SELECT 1").rows.first?[0]
            #expect(one == "1")
        }
    }
}
