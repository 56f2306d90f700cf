import Foundation
import PoolKitConformance
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The conformance kit's fault suite for MariaDB's `snapshot` strategy against the shared test
/// server: kill -9 and Ctrl-C of a backup at several points, a worker's connection killed
/// (`KILL`) mid-backup, damaged archives from a pipe, a reader that quits early, full disks for the
/// archive and the restore's spill files, the restore's connections killed mid-restore. The
/// server itself is never stopped: other suites use it. The oracle is `mariadb-dump` of the whole
/// database (schema and rows). Writers keeping an invariant during a `--jobs 4` backup are
/// `SnapshotConsistencyTests.transfersDuringBackup` (PoolKitMariaDBTests).
@Suite(
    "MariaDB fault injection", .serialized,
    .enabled(if: TestServers.shouldRun(.mariadb), Comment(rawValue: TestServers.skipReason(.mariadb))))
struct MariaDBFaultTests {
    /// Host, port, user and password of the test server, from its URL.
    struct Server: Sendable {
        var host: String
        var port: String
        var user: String
        var password: String
        var base: String
        var query: String

        init() throws {
            let text = try #require(TestServers.url(for: .mariadb), "\(TestServers.missingMessage(for: .mariadb))")
            let components = try #require(URLComponents(string: text))
            host = components.host ?? "127.0.0.1"
            port = components.port.map(String.init) ?? "3306"
            user = components.user ?? ""
            password = components.password ?? ""
            let parts = text.split(separator: "?", maxSplits: 1).map(String.init)
            let slash = try #require(parts[0].lastIndex(of: "/"))
            base = String(parts[0][..<slash])
            query = parts.count > 1 ? "?" + parts[1] : ""
        }

        func url(_ database: String) -> String { "\(base)/\(database)\(query)" }

        /// Runs a MariaDB client program on a thread of its own; its standard output. The password
        /// goes in MYSQL_PWD.
        func run(_ tool: String, _ arguments: [String]) async throws -> String {
            try await offPool { try runBlocking(tool, arguments) }
        }

        private func runBlocking(_ tool: String, _ arguments: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/\(tool)")
            process.arguments = ["-h", host, "-P", port, "-u", user] + arguments
            process.environment = ProcessInfo.processInfo.environment.merging(["MYSQL_PWD": password]) { $1 }
            let output = Pipe()
            let errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw CLITestFailure("\(tool) failed (exit \(process.terminationStatus)): \(errorText)")
            }
            return String(decoding: data, as: UTF8.self)
        }

        /// The tab-separated rows of `sql`, without column names.
        @discardableResult
        func sql(_ sql: String, database: String? = nil) async throws -> String {
            try await run("mariadb", ["--batch", "--skip-column-names", "-e", sql] + (database.map { [$0] } ?? []))
        }

        /// Everything a restore must reproduce: `mariadb-dump` of schema and rows, without comments
        /// and without the `AUTO_INCREMENT=n` table option.
        func fingerprint(_ database: String) async throws -> String {
            try await run("mariadb-dump", ["--skip-comments", "--skip-dump-date", "--routines", "--triggers", "--order-by-primary", database])
                .replacingOccurrences(of: #" AUTO_INCREMENT=[0-9]+"#, with: "", options: .regularExpression)
        }
    }

    static func databaseName(of url: String) throws -> String {
        let path = url.split(separator: "?", maxSplits: 1)[0]
        return String(try #require(path.split(separator: "/").last))
    }

    /// A source of about 25 MB of rows in two tables (one with an odd name), databases dropped
    /// afterwards. `body` also gets the names of the databases made so far (the last is the
    /// newest target).
    func withContext(_ body: (BackupFaultContext, Server, @Sendable () -> [String]) async throws -> Void) async throws {
        let server = try Server()
        let tag = UInt32.random(in: 0...UInt32.max)
        let created = CreatedMariaDBDatabases()
        let source = "pk_mfault_\(tag)_src"
        try await server.sql("CREATE DATABASE `\(source)`")
        created.names.withLock { $0.append(source) }
        do {
            try await fill(server, source: source, tag: tag, created: created, body)
        } catch {
            for name in created.names.withLock({ $0 }) { _ = try? await server.sql("DROP DATABASE IF EXISTS `\(name)`") }
            throw error
        }
        for name in created.names.withLock({ $0 }) { _ = try? await server.sql("DROP DATABASE IF EXISTS `\(name)`") }
    }

    private func fill(
        _ server: Server, source: String, tag: UInt32, created: CreatedMariaDBDatabases,
        _ body: (BackupFaultContext, Server, @Sendable () -> [String]) async throws -> Void
    ) async throws {
        try await server.sql(
            """
            CREATE TABLE big (id INT PRIMARY KEY, payload TEXT, n DECIMAL(12,2), KEY big_n (n)) ENGINE = InnoDB;
            INSERT INTO big SELECT seq, REPEAT(MD5(seq), 6), seq * 1.5 FROM seq_1_to_120000;
            CREATE TABLE `Other ``one``` (k VARCHAR(20) PRIMARY KEY, v VARBINARY(16)) ENGINE = InnoDB;
            INSERT INTO `Other ``one``` SELECT CONCAT('k', seq), UNHEX(MD5(seq)) FROM seq_1_to_20000;
            ANALYZE TABLE big;
            """, database: source)
        var context = BackupFaultContext(
            poolkit: try poolkitBinary().path, source: server.url(source), strategy: "snapshot", jobs: 2,
            makeTarget: { [created] in
                let name = "pk_mfault_\(tag)_\(created.names.withLock { $0.count })"
                try await server.sql("CREATE DATABASE `\(name)`")
                created.names.withLock { $0.append(name) }
                return server.url(name)
            },
            fingerprint: { url in try await server.fingerprint(try Self.databaseName(of: url)) })
        context.midDumpBytes = 512 << 10
        try await body(context, server, { created.names.withLock { $0 } })
    }

    /// Polls `probe` until it returns a non-empty answer (nil after 500 tries, some 20 s).
    static func poll(_ probe: () async throws -> String) async throws -> String? {
        for _ in 0..<500 {
            let answer = try await probe().trimmingCharacters(in: .whitespacesAndNewlines)
            if !answer.isEmpty { return answer }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Every table of `database` with its row count, `name count` per line.
    static func rowCounts(_ server: Server, _ database: String) async throws -> [String: Int] {
        let tables = try await server.sql(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '\(database)' AND TABLE_TYPE = 'BASE TABLE'")
            .split(separator: "\n").map(String.init)
        var counts: [String: Int] = [:]
        for table in tables {
            let quoted = "`" + table.replacingOccurrences(of: "`", with: "``") + "`"
            counts[table] = Int(try await server.sql("SELECT COUNT(*) FROM \(quoted)", database: database).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return counts
    }

    @Test("a backup killed (SIGKILL) or interrupted (SIGINT) at any point leaves no file, no leftover, the source untouched",
          arguments: [SIGKILL, SIGINT])
    func killedBackup(signal: Int32) async throws {
        try await withContext { context, _, _ in
            for point in BackupFaultSuite.StopPoint.allCases {
                try await BackupFaultSuite.killedBackup(context, signal: signal, at: point)
            }
        }
    }

    @Test("a backup whose worker's connection is killed (KILL) mid-dump fails naming it and leaves nothing")
    func workerKilledMidBackup() async throws {
        try await withContext { context, server, _ in
            let source = try Self.databaseName(of: context.source)
            try await BackupFaultSuite.serverFaultDuringBackup(
                context, messageContains: ["lost connection", "connection was killed", "gone away", "killed"]
            ) {
                // A dump SELECT of `big` (25 MB): it cannot have been sent whole into the socket
                // buffers while the archive's pipe is unread, so the KILL lands mid-statement. Not
                // the coordinator's chunk planning (`SELECT MIN(…)`, a key sample `… ORDER BY …`):
                // those end at once, and a KILL of an idle coordinator that asks nothing more of
                // the server lets the backup succeed, rightly.
                let id = try await Self.poll {
                    try await server.sql(
                        "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '\(source)' AND COMMAND = 'Query' AND INFO LIKE 'SELECT%FROM `big`%' AND INFO NOT LIKE 'SELECT MIN(%' AND INFO NOT LIKE '%ORDER BY%' AND ID <> CONNECTION_ID() LIMIT 1")
                }
                guard let id else { throw CLITestFailure("no worker was found running a SELECT") }
                try await server.sql("KILL \(id)")
            }
        }
    }

    @Test(
        "a truncated or damaged archive from a pipe fails with the damage code; the target is never complete, and has no rows with --single-transaction",
        arguments: [false, true], BackupFaultSuite.Damage.allCases)
    func damagedArchive(singleTransaction: Bool, damage: BackupFaultSuite.Damage) async throws {
        try await withContext { context, server, created in
            // MariaDB commits DDL at once: --single-transaction keeps the rows all-or-nothing, not the tables.
            try await BackupFaultSuite.damagedArchiveRestore(
                context, damage: damage, restoreArguments: singleTransaction ? ["--single-transaction"] : [], targetUnchanged: false)
            if singleTransaction {
                let target = try #require(created().last)
                #expect(try await Self.rowCounts(server, target).values.allSatisfy { $0 == 0 }, "rows of a failed --single-transaction restore were kept")
            }
        }
    }

    @Test("a restore interrupted while reading the archive exits 130 saying so once")
    func interruptedRestore() async throws {
        try await withContext { context, _, _ in
            try await BackupFaultSuite.interruptedRestore(context, targetUnchanged: false)
        }
    }

    @Test("a backup whose reader quits early fails naming the pipe and leaves nothing")
    func readerQuits() async throws {
        try await withContext { context, _, _ in
            try await BackupFaultSuite.readerQuitsEarly(context)
        }
    }

    @Test("a backup onto a full disk (a 1 MiB tmpfs) fails saying so and leaves nothing")
    func fullDiskBackup() async throws {
        try await withContext { context, _, _ in
            if let skipped = try await BackupFaultSuite.fullDiskBackup(context) { print("skipped: \(skipped)") }
        }
    }

    @Test(
        "a restore whose spill files fill the disk (TMPDIR on a 1 MiB tmpfs) fails saying so; no rows kept with --single-transaction",
        arguments: [false, true])
    func fullDiskRestoreSpill(singleTransaction: Bool) async throws {
        try await withContext { context, server, created in
            if let skipped = try await BackupFaultSuite.fullDiskRestoreSpill(
                context, restoreArguments: singleTransaction ? ["--single-transaction"] : [], targetUnchanged: false)
            {
                print("skipped: \(skipped)")
            } else if singleTransaction {
                let target = try #require(created().last)
                #expect(try await Self.rowCounts(server, target).values.allSatisfy { $0 == 0 }, "rows of a failed --single-transaction restore were kept")
            }
        }
    }

    @Test(
        "a restore into a database on a full disk (its directory a link to a 16 MiB tmpfs) fails naming it; no rows kept with --single-transaction",
        arguments: [false, true])
    func fullDiskRestoreTarget(singleTransaction: Bool) async throws {
        try await withContext { context, server, _ in
            // The server writes the database's files itself: the directory must be its OS user's.
            let dataDirectory = try await server.sql("SELECT @@datadir").trimmingCharacters(in: .whitespacesAndNewlines)
            let attributes = try FileManager.default.attributesOfItem(atPath: dataDirectory)
            let owner = try #require((attributes[.ownerAccountID] as? NSNumber)?.uint32Value)
            let group = try #require((attributes[.groupOwnerAccountID] as? NSNumber)?.uint32Value)
            let name = "pk_mfull_\(UInt32.random(in: 0...UInt32.max))"
            let link = URL(fileURLWithPath: dataDirectory).appendingPathComponent(name).path
            let skipped = try await BackupFaultSuite.fullDiskRestoreTarget(
                context, megabytes: 16, restoreArguments: singleTransaction ? ["--single-transaction"] : [], targetUnchanged: false,
                messageContains: ["disk is full"]
            ) { directory in
                // MariaDB finds a database by its directory in the data directory; a symbolic link
                // there to a directory on the small disk puts the database's tables on that disk.
                let databaseDirectory = directory + "/" + name
                guard mkdir(databaseDirectory, 0o700) == 0, chown(databaseDirectory, uid_t(owner), gid_t(group)) == 0,
                    symlink(databaseDirectory, link) == 0
                else {
                    throw CLITestFailure("placing the database on the tmpfs failed: \(String(cString: strerror(errno)))")
                }
                return FullDiskTarget(
                    url: server.url(name),
                    check: {
                        if singleTransaction {
                            let counts = try await Self.rowCounts(server, name)
                            guard counts.values.allSatisfy({ $0 == 0 }) else {
                                throw CLITestFailure("rows of a failed --single-transaction restore were kept: \(counts)")
                            }
                        }
                    },
                    remove: {
                        try await server.sql("DROP DATABASE IF EXISTS `\(name)`")
                        unlink(link)
                    })
            }
            if let skipped { print("skipped: \(skipped)") }
        }
    }

    @Test(
        "the restore's connections killed (KILL) mid-restore: non-zero exit naming it, what was restored said; no rows kept with --single-transaction",
        arguments: [false, true])
    func targetKilledMidRestore(singleTransaction: Bool) async throws {
        try await withContext { context, server, created in
            try await BackupFaultSuite.serverFaultDuringRestore(
                context, restoreArguments: singleTransaction ? ["--single-transaction"] : [], targetUnchanged: false,
                messageContains: ["lost connection", "connection was killed", "gone away", "killed"]
            ) { target in
                let database = try Self.databaseName(of: target)
                let loading = try await Self.poll {
                    try await server.sql(
                        "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '\(database)' AND COMMAND = 'Query' AND INFO LIKE 'LOAD DATA%' LIMIT 1")
                }
                guard loading != nil else { return nil }
                let ids = try await server.sql(
                    "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '\(database)' AND ID <> CONNECTION_ID()"
                ).split(separator: "\n")
                for id in ids { _ = try? await server.sql("KILL \(id)") }
                return .terminated
            }
            if singleTransaction {
                let target = try #require(created().last)
                #expect(try await Self.rowCounts(server, target).values.allSatisfy { $0 == 0 }, "rows of a failed --single-transaction restore were kept")
            }
        }
    }
}

extension MariaDBFaultTests {
    @Test(
        "the restore's server frozen mid-load (a proxy that stops moving bytes): the restore still ends (Ctrl-C) saying so; no rows kept with --single-transaction",
        arguments: [false, true])
    func targetFrozenMidRestore(singleTransaction: Bool) async throws {
        let proxy = try FreezableProxy(upstreamPort: try #require(UInt16(try Server().port)))
        defer { proxy.stop() }
        try await withContext { context, server, created in
            var context = context
            let direct = context.makeTarget
            // The restore goes through the proxy; the test's own queries and dumps go direct.
            context.makeTarget = { try await direct().replacingOccurrences(of: ":\(server.port)/", with: ":\(proxy.port)/") }
            let ending = try await BackupFaultSuite.serverFaultDuringRestore(
                context, restoreArguments: singleTransaction ? ["--single-transaction"] : [], targetUnchanged: false, messageContains: []
            ) { target in
                let database = try Self.databaseName(of: target)
                let loading = try await Self.poll {
                    try await server.sql(
                        "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '\(database)' AND COMMAND = 'Query' AND INFO LIKE 'LOAD DATA%' LIMIT 1")
                }
                guard loading != nil else { return nil }
                proxy.freeze()
                return .frozen(resume: { proxy.thaw() }, grace: .seconds(3))
            }
            print("a restore whose MariaDB server froze \(ending?.rawValue ?? "?")")
            if singleTransaction {
                let target = try #require(created().last)
                #expect(try await Self.rowCounts(server, target).values.allSatisfy { $0 == 0 }, "rows of a failed --single-transaction restore were kept")
            }
        }
    }
}

/// The databases a fault test made, dropped at its end.
private final class CreatedMariaDBDatabases: Sendable {
    let names = Mutex<[String]>([])
}
