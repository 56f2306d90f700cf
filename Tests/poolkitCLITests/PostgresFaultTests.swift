import Foundation
import Synchronization
import PoolKitConformance
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The conformance kit's fault suite for PostgreSQL's `copy` strategy against the real test server:
/// kill -9 and Ctrl-C of a backup at several points, a damaged archive from a pipe, a reader that
/// quits early. The oracle is `pg_dump` of the whole database (schema and rows).
@Suite(
    "PostgreSQL fault injection", .serialized,
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresFaultTests {
    /// The test server's URL (with its password) without the database name.
    private func serverBase() throws -> (base: String, query: String) {
        let text = try #require(TestServers.url(for: .postgres), "\(TestServers.missingMessage(for: .postgres))")
        let parts = text.split(separator: "?", maxSplits: 1).map(String.init)
        let withoutQuery = parts[0]
        let slash = try #require(withoutQuery.lastIndex(of: "/"))
        return (String(withoutQuery[..<slash]), parts.count > 1 ? "?" + parts[1] : "")
    }

    private func url(_ database: String) throws -> String {
        let (base, query) = try serverBase()
        return "\(base)/\(database)\(query)"
    }

    /// Runs a PostgreSQL client program with the URL as its connection string.
    private static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/\(tool)")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("pk-fault-\(UInt32.random(in: 0...UInt32.max)).err")
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let said = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw CLITestFailure("\(tool) failed (exit \(process.terminationStatus)): \(said.suffix(600))")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The unaligned, tuples-only result of `sql`.
    private static func query(_ url: String, _ sql: String) throws -> String {
        try run("psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
    }

    /// The database name of a URL.
    static func databaseName(of url: String) throws -> String {
        let path = url.split(separator: "?", maxSplits: 1)[0]
        return String(try #require(path.split(separator: "/").last))
    }

    /// Polls `probe` until it returns a non-empty answer (nil after 500 tries, some 20 s).
    static func poll(_ probe: @escaping @Sendable () throws -> String) async throws -> String? {
        for _ in 0..<500 {
            let answer = try await offPool(probe).trimmingCharacters(in: .whitespacesAndNewlines)
            if !answer.isEmpty { return answer }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Waits until a restore into `database` runs a COPY ... FROM STDIN; false if none came.
    static func restoreIsLoading(_ admin: String, _ database: String) async throws -> Bool {
        try await poll {
            try query(admin, "SELECT pid FROM pg_stat_activity WHERE datname = '\(database)' AND state = 'active' AND query ILIKE 'COPY%' LIMIT 1")
        } != nil
    }

    private static func psql(_ url: String, _ sql: String) throws {
        _ = try run("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
    }

    /// Everything a restore must reproduce: `pg_dump`'s output without comments and without the
    /// per-run `\restrict` key lines.
    ///
    /// Tried three times, a second apart: right after a restore that failed on a full disk, pg_dump
    /// of the target failed (exit 1) in 2 of about 35 runs, CI's among them; why is not known yet —
    /// its standard error is now kept in the failure, so the next one says.
    private static func fingerprint(_ url: String) throws -> String {
        var attempt = 0
        while true {
            do {
                return try dump(url)
            } catch {
                attempt += 1
                if attempt == 3 { throw error }
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }

    private static func dump(_ url: String) throws -> String {
        try run("pg_dump", ["--no-owner", "--no-privileges", "-d", url])
            .split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("--") && !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict") }
            .joined(separator: "\n")
    }

    /// A source of about 25 MB of rows in three tables, databases dropped afterwards.
    ///
    /// Every psql runs on a thread of its own (`offPool`), never on the cooperative pool: a
    /// `DROP DATABASE … WITH (FORCE)` waits until every backend of the cluster has absorbed its
    /// signal barrier, and a backend inside `COPY … FROM STDIN` absorbs it only once its client
    /// sends more — a client in this process, which a psql blocking one of the pool's two threads
    /// (another test blocking the other) would starve. CI hung that way.
    func withContext(_ body: (BackupFaultContext) async throws -> Void) async throws {
        let tag = UInt32.random(in: 0...UInt32.max)
        let admin = try url("postgres")
        let created = CreatedDatabases()
        @Sendable func create() async throws -> String {
            let name = "pk_fault_\(tag)_\(created.names.withLock { $0.count })"
            try await offPool { try Self.psql(admin, "CREATE DATABASE \(name)") }
            created.names.withLock { $0.append(name) }
            return name
        }
        func dropAll() async {
            let names = created.names.withLock { $0 }
            _ = try? await offPool { for name in names { try? Self.psql(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") } }
        }
        do {
            try await withSource(try await create(), create: create, body)
        } catch {
            await dropAll()
            throw error
        }
        await dropAll()
    }

    /// Fills the source database and runs `body` with the context around it.
    private func withSource(
        _ source: String, create: @escaping @Sendable () async throws -> String, _ body: (BackupFaultContext) async throws -> Void
    ) async throws {
        let sourceURL = try url(source)
        try await offPool {
            try Self.psql(
                sourceURL,
                #"""
                CREATE TABLE big (id integer PRIMARY KEY, payload text, n numeric);
                INSERT INTO big SELECT g, repeat(md5(g::text), 6), g * 1.5 FROM generate_series(1, 120000) g;
                CREATE TABLE "Other ""one""" (k text PRIMARY KEY, v bytea);
                INSERT INTO "Other ""one""" SELECT 'k' || g, decode(md5(g::text), 'hex') FROM generate_series(1, 20000) g;
                CREATE INDEX big_n ON big (n);
                ANALYZE;
                """#)
        }
        let base = try serverBase()
        var context = BackupFaultContext(
            poolkit: try poolkitBinary().path, source: sourceURL, strategy: "copy", jobs: 2,
            makeTarget: {
                let name = try await create()
                return "\(base.base)/\(name)\(base.query)"
            },
            fingerprint: { url in try await offPool { try Self.fingerprint(url) } })
        context.midDumpBytes = 512 << 10
        try await body(context)
    }

    @Test("a backup killed (SIGKILL) or interrupted (SIGINT) at any point leaves no file, no leftover, the source untouched",
          arguments: [SIGKILL, SIGINT])
    func killedBackup(signal: Int32) async throws {
        try await withContext { context in
            for point in BackupFaultSuite.StopPoint.allCases {
                try await BackupFaultSuite.killedBackup(context, signal: signal, at: point)
            }
        }
    }

    @Test(
        "a truncated or damaged archive from a pipe fails with the damage code; the target is never complete, and untouched with --single-transaction",
        arguments: [false, true], BackupFaultSuite.Damage.allCases)
    func damagedArchive(singleTransaction: Bool, damage: BackupFaultSuite.Damage) async throws {
        try await withContext { context in
            try await BackupFaultSuite.damagedArchiveRestore(
                context, damage: damage, restoreArguments: singleTransaction ? ["--single-transaction"] : [],
                targetUnchanged: singleTransaction)
        }
    }

    @Test("a backup onto a full disk (a 1 MiB tmpfs) fails saying so and leaves nothing")
    func fullDiskBackup() async throws {
        try await withContext { context in
            if let skipped = try await BackupFaultSuite.fullDiskBackup(context) { print("skipped: \(skipped)") }
        }
    }

    @Test(
        "a restore whose spill files fill the disk (TMPDIR on a 1 MiB tmpfs) fails saying so; untouched with --single-transaction",
        arguments: [false, true])
    func fullDiskRestoreSpill(singleTransaction: Bool) async throws {
        try await withContext { context in
            if let skipped = try await BackupFaultSuite.fullDiskRestoreSpill(
                context, restoreArguments: singleTransaction ? ["--single-transaction"] : [], targetUnchanged: singleTransaction)
            {
                print("skipped: \(skipped)")
            }
        }
    }

    @Test(
        "a restore into a database on a full disk (a tablespace on a 16 MiB tmpfs) fails naming it; untouched with --single-transaction",
        arguments: [false, true])
    func fullDiskRestoreTarget(singleTransaction: Bool) async throws {
        try await withContext { context in
            let admin = try url("postgres")
            let base = try serverBase()
            // The server writes the tablespace's files itself: the directory must be its OS user's.
            let dataDirectory = try Self.query(admin, "SHOW data_directory").trimmingCharacters(in: .whitespacesAndNewlines)
            let attributes = try FileManager.default.attributesOfItem(atPath: dataDirectory)
            let owner = try #require((attributes[.ownerAccountID] as? NSNumber)?.uint32Value)
            let group = try #require((attributes[.groupOwnerAccountID] as? NSNumber)?.uint32Value)
            let skipped = try await BackupFaultSuite.fullDiskRestoreTarget(
                context, megabytes: 16, restoreArguments: singleTransaction ? ["--single-transaction"] : [],
                targetUnchanged: singleTransaction, messageContains: ["no space left on device"]
            ) { directory in
                guard chown(directory, uid_t(owner), gid_t(group)) == 0 else {
                    throw CLITestFailure("chown of the tmpfs failed: \(String(cString: strerror(errno)))")
                }
                let name = "pk_full_\(UInt32.random(in: 0...UInt32.max))"
                let quotedDirectory = directory.replacingOccurrences(of: "'", with: "''")
                try await offPool {
                    try Self.psql(admin, "CREATE TABLESPACE \(name) LOCATION '\(quotedDirectory)'")
                    do {
                        try Self.psql(admin, "CREATE DATABASE \(name) TABLESPACE \(name)")
                    } catch {
                        try? Self.psql(admin, "DROP TABLESPACE \(name)")
                        throw error
                    }
                }
                return FullDiskTarget(url: "\(base.base)/\(name)\(base.query)") {
                    try await offPool {
                        try Self.psql(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
                        try Self.psql(admin, "DROP TABLESPACE IF EXISTS \(name)")
                    }
                }
            }
            if let skipped { print("skipped: \(skipped)") }
        }
    }

    @Test("a backup whose worker's backend is terminated (pg_terminate_backend) mid-dump fails naming it and leaves nothing")
    func workerTerminatedMidBackup() async throws {
        try await withContext { context in
            let source = try Self.databaseName(of: context.source)
            let admin = try url("postgres")
            try await BackupFaultSuite.serverFaultDuringBackup(context, messageContains: ["terminat", "connection"]) {
                // One COPY ... TO STDOUT of a worker; the suite called this in the middle of the dump.
                let terminated = try await Self.poll {
                    try Self.query(
                        admin,
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(source)' AND state = 'active' AND query ILIKE 'COPY%\"big\"%' LIMIT 1")
                }
                guard terminated != nil else { throw CLITestFailure("no worker was found running COPY") }
            }
        }
    }

    @Test(
        "the target's backends terminated mid-restore: non-zero exit naming it, what was restored said; untouched with --single-transaction",
        arguments: [false, true])
    func targetTerminatedMidRestore(singleTransaction: Bool) async throws {
        try await withContext { context in
            let admin = try url("postgres")
            try await BackupFaultSuite.serverFaultDuringRestore(
                context, restoreArguments: singleTransaction ? ["--single-transaction"] : [], targetUnchanged: singleTransaction,
                messageContains: ["terminat", "connection"]
            ) { target in
                let database = try Self.databaseName(of: target)
                guard try await Self.restoreIsLoading(admin, database) else { return nil }
                _ = try await offPool {
                    try Self.query(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)' AND pid <> pg_backend_pid()")
                }
                return .terminated
            }
        }
    }

    @Test(
        "the target's backends frozen (SIGSTOP) mid-restore: the restore still ends (Ctrl-C) saying so; untouched with --single-transaction",
        arguments: [false, true])
    func targetFrozenMidRestore(singleTransaction: Bool) async throws {
        try await withContext { context in
            let admin = try url("postgres")
            let ending = try await BackupFaultSuite.serverFaultDuringRestore(
                context, restoreArguments: singleTransaction ? ["--single-transaction"] : [], targetUnchanged: singleTransaction,
                messageContains: []
            ) { target in
                let database = try Self.databaseName(of: target)
                guard try await Self.restoreIsLoading(admin, database) else { return nil }
                let pids = try await offPool {
                    try Self.query(admin, "SELECT pid FROM pg_stat_activity WHERE datname = '\(database)' AND pid <> pg_backend_pid()")
                }.split(separator: "\n").compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
                let pauses = try pids.map { try ProcessPause(pid: $0, failsafe: .seconds(120)) }
                return .frozen(resume: { for pause in pauses { pause.resume() } }, grace: .seconds(3))
            }
            print("a restore whose target backends were frozen \(ending?.rawValue ?? "?")")
        }
    }

    @Test(
        "a restore interrupted while reading the archive exits 130 saying so once; untouched with --single-transaction",
        arguments: [false, true])
    func interruptedRestore(singleTransaction: Bool) async throws {
        try await withContext { context in
            try await BackupFaultSuite.interruptedRestore(
                context, restoreArguments: singleTransaction ? ["--single-transaction"] : [], targetUnchanged: singleTransaction)
        }
    }

    @Test("a backup whose reader quits early fails naming the pipe and leaves nothing")
    func readerQuits() async throws {
        try await withContext { context in
            try await BackupFaultSuite.readerQuitsEarly(context)
        }
    }
}

/// The databases a fault test made, dropped at its end.
private final class CreatedDatabases: Sendable {
    let names = Mutex<[String]>([])
}

