#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A database server of one test's own, for faults that would disturb every other suite on the
/// shared test server (freezing the whole server with `SIGSTOP`), or for a setup the shared one
/// does not have (a server without TLS).
///
/// It is started by `scripts/test-servers.sh start-one`, the same code that starts the shared
/// servers, in a temporary directory of its own on a free loopback port, with the same user,
/// database and settings. A watchdog of the script stops it if the test process dies first.
///
/// ```swift
/// let server = try await PrivateTestServer.start(.mariadb)
/// defer { server.stopInBackground() }   // or: await server.stop()
/// let url = try ConnectionURL(server.url)
/// ```
public final class PrivateTestServer: Sendable {
    /// The engine it runs.
    public let engine: TestServers.Engine
    /// Its URL, with the password of its test user.
    public let url: String
    /// The server's process id (the postmaster, or mariadbd): the target of `ProcessPause`.
    public let pid: Int32
    /// The TCP port it listens on, on 127.0.0.1.
    public let port: Int
    /// Its temporary directory (data, socket, logs).
    public let directory: String

    private init(engine: TestServers.Engine, url: String, pid: Int32, port: Int, directory: String) {
        self.engine = engine
        self.url = url
        self.pid = pid
        self.port = port
        self.directory = directory
    }

    /// `scripts/test-servers.sh` of this checkout (or `POOLKIT_TEST_SERVERS_SCRIPT`).
    public static var script: String {
        if let path = getenv("POOLKIT_TEST_SERVERS_SCRIPT").map({ String(cString: $0) }), !path.isEmpty { return path }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/test-servers.sh").path
    }

    /// Starts a server of `engine`; with `tls`, it accepts TLS with a certificate of its own (by
    /// default it has no TLS at all). `serverOptions` (MariaDB only) are given to the server from
    /// the making of its data directory on, e.g. `--lower-case-table-names=1`. Takes seconds (it
    /// initialises a data directory).
    public static func start(_ engine: TestServers.Engine, tls: Bool = false, serverOptions: [String] = [])
        async throws -> PrivateTestServer
    {
        var arguments = [script, "start-one", engine == .postgres ? "postgres" : "mariadb", "--owner", String(getpid())]
        if tls { arguments.append("--tls") }
        for option in serverOptions { arguments += ["--server-option", option] }
        let result = try await runScript(arguments)
        guard result.status == 0 else {
            throw Failure(message: "scripts/test-servers.sh start-one \(engine.rawValue) failed (exit \(result.status)): \(result.standardError)")
        }
        var fields: [String: String] = [:]
        for line in result.standardOutput.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        guard let directory = fields["DIR"], let url = fields["URL"], let pid = fields["PID"].flatMap(Int32.init),
            let port = fields["PORT"].flatMap(Int.init)
        else {
            throw Failure(message: "scripts/test-servers.sh start-one printed no DIR/URL/PID/PORT lines: \(result.standardOutput)")
        }
        return PrivateTestServer(engine: engine, url: url, pid: pid, port: port, directory: directory)
    }

    /// Stops the server and deletes its directory; waits until it is gone.
    public func stop() async {
        _ = try? await Self.runScript([Self.script, "stop-one", directory])
    }

    private struct ScriptResult: Sendable {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Runs the script with its output in temporary files, spawned and awaited (`posix_spawn`,
    /// `waitpid`) on a thread of its own, never on the cooperative pool. (Foundation's `Process`
    /// did not see this script end in the test process: the script starts a detached watchdog.)
    private static func runScript(_ arguments: [String]) async throws -> ScriptResult {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("poolkit-start-one-\(UUID().uuidString)").path
        let outputPath = base + ".out"
        let errorPath = base + ".err"
        defer {
            unlink(outputPath)
            unlink(errorPath)
        }
        let status = await onOwnThread { () -> Int32 in
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            // The script leaves a server and a watchdog running: they must not inherit the test
            // process's other descriptors. A pipe's write end kept open by a daemon never reads
            // as closed, and a test waiting for its end hung a whole CI run. Glibc's
            // posix_spawn_file_actions_addclosefrom_np is not visible to Swift, so a first shell
            // closes every descriptor above 2 and then runs the script.
            let closeInherited = #"for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done 2>/dev/null; exec /bin/bash "$@""#
            let argv = (["/bin/bash", "-c", closeInherited, "bash"] + arguments).map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            var pid: pid_t = 0
            guard posix_spawn(&pid, "/bin/bash", &actions, nil, argv, environ) == 0 else { return -1 }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            // WIFEXITED / WEXITSTATUS.
            return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        }
        func contents(_ path: String) -> String {
            (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        }
        return ScriptResult(status: status, standardOutput: contents(outputPath), standardError: contents(errorPath))
    }

    struct Failure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
