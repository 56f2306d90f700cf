import Foundation
import PoolKitSQLite
import Testing

@Suite("SQLite connect and options")
struct SQLiteConnectTests {
    @Test("connecting to a new file creates it (mode=rwc is the default)")
    func createsFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/app db é.sqlite"
            let connection = try await connect(path)
            #expect(FileManager.default.fileExists(atPath: path))
            #expect(connection.serverVersion.hasPrefix("3."))
            try await connection.ping()
            await connection.close()
        }
    }

    @Test("sqlite::memory: and mode=memory open private in-memory databases without files")
    func inMemory() async throws {
        try await withTemporaryDirectory { directory in
            let memory = try await connect(":memory:")
            try await memory.execute(unsafeSQL: "CREATE TABLE t(x); INSERT INTO t VALUES (1)")
            #expect(try await memory.query(unsafeSQL: "SELECT count(*) FROM t").scalar == "1")

            let named = try await connect(directory + "/named.db", "mode=memory")
            #expect(try await named.query(unsafeSQL: "SELECT count(*) FROM sqlite_schema").scalar == "0")
            #expect(!FileManager.default.fileExists(atPath: directory + "/named.db"))
            await memory.close()
            await named.close()
        }
    }

    @Test("a missing file with mode=ro or mode=rw is .databaseNotFound naming the path", arguments: ["ro", "rw"])
    func missingFile(mode: String) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/missing.db"
            let error = await #expect(throws: PoolKitError.self) { try await connect(path, "mode=\(mode)") }
            #expect(error?.code == .databaseNotFound)
            #expect(error?.message.contains("'\(path)' does not exist") == true)
            // The same message serves a backup's source, which must never be created: no advice to create it.
            #expect(error?.message.contains("check the path") == true)
            #expect(error?.message.contains("mode=rwc") == false)
            #expect(error.map { SQLiteDriver().classify($0) } == .permanent)
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test("a file that is not a database fails at connect, permanently")
    func notADatabase() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/notes.txt"
            try String(repeating: "not an SQLite database\n", count: 200).write(toFile: path, atomically: true, encoding: .utf8)
            let error = await #expect(throws: PoolKitError.self) { try await connect(path) }
            #expect(error?.code == .connectionFailed)
            #expect(error?.engineCode?.hasPrefix("SQLITE_NOTADB") == true)
            #expect(error?.message.contains(path) == true)
            #expect(error.map { SQLiteDriver().classify($0) } == .permanent)
        }
    }

    @Test("an unknown option is rejected by the registry, naming the accepted options")
    func unknownOption() throws {
        let url = try ConnectionURL("sqlite:///tmp/x.db?cache=shared")
        let error = #expect(throws: PoolKitError.self) { try DriverRegistry([SQLiteDriver()]).driver(for: url) }
        #expect(error?.code == .unknownOption)
        #expect(error?.message.contains("'cache'") == true)
        #expect(error?.message.contains("mode, busy_timeout, journal_mode, foreign_keys") == true)
    }

    @Test(
        "a bad option value is .invalidOption naming the option and what it accepts",
        arguments: [
            ("mode=bogus", "mode='bogus'", "ro, rw, rwc, memory"),
            ("busy_timeout=soon", "busy_timeout='soon'", "500ms"),
            ("journal_mode=fast", "journal_mode='fast'", "delete, truncate, persist, memory, wal, off"),
            ("foreign_keys=maybe", "foreign_keys='maybe'", "on, off"),
        ])
    func badOptionValue(option: String, named: String, accepted: String) async throws {
        let error = await #expect(throws: PoolKitError.self) { try await connect(":memory:", option) }
        #expect(error?.code == .invalidOption)
        #expect(error?.message.contains(named) == true)
        #expect(error?.message.contains(accepted) == true)
    }

    @Test("foreign_keys=on enforces foreign keys")
    func foreignKeys() async throws {
        let connection = try await connect(":memory:", "foreign_keys=on")
        #expect(try await connection.query(unsafeSQL: "PRAGMA foreign_keys").scalar == "1")
        try await connection.execute(unsafeSQL: "CREATE TABLE parent(id INTEGER PRIMARY KEY); CREATE TABLE child(p REFERENCES parent(id))")
        let error = await #expect(throws: PoolKitError.self) { try await connection.execute(unsafeSQL: "INSERT INTO child VALUES (7)") }
        #expect(error?.engineCode?.hasPrefix("SQLITE_CONSTRAINT") == true)
        await connection.close()
    }

    @Test("journal_mode=wal switches a file database to WAL")
    func walMode() async throws {
        try await withTemporaryDirectory { directory in
            let connection = try await connect(directory + "/wal.db", "journal_mode=wal")
            #expect(try await connection.query(unsafeSQL: "PRAGMA journal_mode").scalar == "wal")
            await connection.close()
        }
    }

    @Test("journal_mode=wal on a read-only database that is not in WAL mode fails with a clear error")
    func walOnReadOnlyRollbackDatabase() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/rollback.db"
            let writer = try await connect(path)
            try await writer.execute(unsafeSQL: "CREATE TABLE t(x)")
            await writer.close()
            let error = await #expect(throws: PoolKitError.self) { try await connect(path, "mode=ro&journal_mode=wal") }
            #expect(error?.code == .invalidOption)
            #expect(error?.message.contains("journal_mode=wal could not be applied") == true)
        }
    }
}
