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
    /// default it has no TLS at all). Takes seconds (it initialises a data directory).
    public static func start(_ engine: TestServers.Engine, tls: Bool = false) async throws -> PrivateTestServer {
        var arguments = [script, "start-one", engine == .postgres ? "postgres" : "mariadb", "--owner", String(getpid())]
        if tls { arguments.append("--tls") }
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

    /// Runs the script and reads its output on threads of their own (never on the cooperative pool).
    private static func runScript(_ arguments: [String]) async throws -> ScriptResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputReader = output.fileHandleForReading
        let errorReader = error.fileHandleForReading
        async let outputText = onOwnThread { String(decoding: outputReader.readDataToEndOfFile(), as: UTF8.self) }
        async let errorText = onOwnThread { String(decoding: errorReader.readDataToEndOfFile(), as: UTF8.self) }
        let (standardOutput, standardError) = await (outputText, errorText)
        let status = await onOwnThread {
            process.waitUntilExit()
            return process.terminationStatus
        }
        return ScriptResult(status: status, standardOutput: standardOutput, standardError: standardError)
    }

    struct Failure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
