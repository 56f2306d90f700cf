import Foundation
import PoolKitConformance
import Testing

/// A password never has to be on the command line: URLs from the environment or a file, the
/// password from the terminal; and one given on the command line anyway is overwritten in the
/// process's own argv.
@Suite("poolkit takes URLs and passwords off the command line")
struct URLInputCommandTests {
    @Test("backup --source-url-file and restore env:NAME carry the URLs (SQLite)")
    func sqliteURLsOffTheCommandLine() async throws {
        let home = try TemporaryHome()
        let source = home.path + "/source.db"
        let target = home.path + "/target.db"
        let archive = home.path + "/a.poolkit"
        try sqlite(source, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'one'), (2, 'two');")
        let urlFile = try home.write("source.url", "sqlite://\(source)\n")
        let backup = try await runPoolKit(["backup", "--source-url-file", urlFile, "-o", archive, "--quiet"])
        #expect(backup.status == 0, "\(backup.all)")
        let restore = try await runPoolKit(["restore", archive, "env:POOLKIT_TARGET", "--quiet"], environment: ["POOLKIT_TARGET": "sqlite://\(target)"])
        #expect(restore.status == 0, "\(restore.all)")
        #expect(try sqlite(target, "SELECT group_concat(v) FROM t;") == "one,two")
    }

    @Test("a missing environment variable, an unreadable URL file, or a URL given twice exit 2 naming the problem")
    func badURLInputs() async throws {
        let missing = try await runPoolKit(["ping", "env:POOLKIT_NO_SUCH_VARIABLE"], unsetting: ["POOLKIT_NO_SUCH_VARIABLE"])
        #expect(missing.status == 2)
        #expect(missing.standardError.contains("POOLKIT_NO_SUCH_VARIABLE"))
        let unreadable = try await runPoolKit(["ping", "--url-file", "/nonexistent/url"])
        #expect(unreadable.status == 2)
        #expect(unreadable.standardError.contains("/nonexistent/url"))
        let twice = try await runPoolKit(["ping", "sqlite::memory:", "--url-file", "/nonexistent/url"])
        #expect(twice.status == 2)
        #expect(twice.standardError.contains("given twice"))
        let none = try await runPoolKit(["backup", "-o", "/dev/null"])
        #expect(none.status == 2)
        #expect(none.standardError.contains("--source-url-file"))
    }

    @Test("a refused login with a URL from env:NAME names the variable, never the password", .enabled(if: TestServers.shouldRun(.postgres)))
    func refusedURLFromEnvironment() async throws {
        let account = try ServerAccount(.postgres)
        let wrong = "wrong-\(UUID().uuidString.prefix(8))"
        let url = "postgres://\(account.user):\(wrong)@\(account.host):\(account.port)/\(account.database)"
        let result = try await runPoolKit(["ping", "env:POOLKIT_TEST_WRONG_URL"], environment: ["POOLKIT_TEST_WRONG_URL": url])
        #expect(result.status == 3)
        #expect(result.standardError.contains("the password came from the URL"), "\(result.standardError)")
        #expect(result.standardError.contains("the environment variable POOLKIT_TEST_WRONG_URL"), "\(result.standardError)")
        #expect(!result.all.contains(wrong))
    }

    @Test(
        "--password-prompt reads the password from the terminal, not from the command line or the environment",
        .enabled(if: TestServers.shouldRun(.postgres) && FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func passwordPrompt() async throws {
        let account = try ServerAccount(.postgres)
        let home = try TemporaryHome()
        // script(1) gives poolkit a terminal; what the test writes to it is what a user types.
        let command = "'\(try poolkitBinary().path)' ping '\(account.url())' --count 1 --password-prompt"
        let result = try await runProcess(
            "/usr/bin/script", ["-qec", command, "/dev/null"], input: account.password + "\n",
            environment: ["HOME": home.path], unsetting: credentialVariables)
        #expect(result.status == 0, "exit \(result.status)")
        #expect(result.standardOutput.contains("Password for \(account.user)"))
        #expect(result.standardOutput.contains("server version: 15"))
    }

    @Test(
        "a password given on the command line is overwritten in /proc/PID/cmdline of the running backup",
        .enabled(if: TestServers.shouldRun(.postgres)))
    func commandLineScrubbed() async throws {
        let account = try ServerAccount(.postgres)
        let table = "pk_cmdline_\(UInt32.random(in: 0...UInt32.max))"
        // Enough data that the archive outgrows the pipe, so the backup waits for the test to read.
        try psql(account, "CREATE TABLE \(table) AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS v FROM generate_series(1, 200000) g")
        defer { _ = try? psql(account, "DROP TABLE IF EXISTS \(table)") }
        let process = Process()
        process.executableURL = try poolkitBinary()
        process.arguments = ["backup", account.urlWithPassword, "--table", "public.\(table)", "-o", "-", "--quiet", "--jobs", "1"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first bytes of the archive: poolkit has started (and scrubbed its argv) and is now
        // blocked on the full pipe.
        let first = try await offPool { output.fileHandleForReading.readData(ofLength: 1) }
        #expect(first.count == 1)
        let commandLine = try String(decoding: Data(contentsOf: URL(fileURLWithPath: "/proc/\(process.processIdentifier)/cmdline")), as: UTF8.self)
        #expect(commandLine.contains("backup"))
        #expect(commandLine.contains("@\(account.host)"))
        #expect(!commandLine.contains(account.password), "the password is visible in /proc/PID/cmdline")
        _ = try await offPool { output.fileHandleForReading.readDataToEndOfFile() }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @discardableResult
    private func sqlite(_ path: String, _ sql: String) throws -> String {
        let result = try runProcessBlocking("/usr/bin/sqlite3", [path, sql])
        guard result.status == 0 else { throw CLITestFailure("sqlite3 failed: \(result.standardError)") }
        return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func psql(_ account: ServerAccount, _ sql: String) throws {
        let result = try runProcessBlocking(
            "/usr/bin/psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", account.url(), "-c", sql], environment: ["PGPASSWORD": account.password])
        guard result.status == 0 else { throw CLITestFailure("psql failed: \(result.standardError)") }
    }
}

/// Runs a program (no shell) with `input` on its standard input, off Swift's cooperative pool.
func runProcess(
    _ path: String, _ arguments: [String], input: String = "", environment: [String: String] = [:], unsetting: [String] = []
) async throws -> CommandResult {
    try await offPool { try runProcessBlocking(path, arguments, input: input, environment: environment, unsetting: unsetting) }
}

func runProcessBlocking(
    _ path: String, _ arguments: [String], input: String = "", environment: [String: String] = [:], unsetting: [String] = []
) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }.filter { !unsetting.contains($0.key) }
    let (inputPipe, output, error) = (Pipe(), Pipe(), Pipe())
    process.standardInput = inputPipe
    process.standardOutput = output
    process.standardError = error
    try process.run()
    inputPipe.fileHandleForWriting.write(Data(input.utf8))
    try inputPipe.fileHandleForWriting.close()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
        standardError: String(decoding: errorData, as: UTF8.self))
}
