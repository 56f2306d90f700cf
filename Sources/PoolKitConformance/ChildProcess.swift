#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A `poolkit` process started by the fault suite: arguments without a shell, standard error
/// collected, its end awaited without blocking Swift's cooperative pool.
final class ChildProcess: Sendable {
    /// How the process ended.
    struct Ending: Sendable, CustomStringConvertible {
        /// The exit status, or the signal number when ``bySignal``.
        var status: Int32
        var bySignal: Bool
        var standardError: String

        var description: String {
            (bySignal ? "killed by signal \(status)" : "exit \(status)") + (standardError.isEmpty ? "" : ": \(standardError)")
        }
    }

    private let process: Process
    private let errorPipe: Pipe
    private let ended: Task<Ending, Never>

    var pid: Int32 { process.processIdentifier }

    /// Starts `executable` with `arguments`; standard input and output as given (nil: /dev/null).
    init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], standardInput: FileHandle? = nil,
        standardOutput: FileHandle? = nil
    ) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = standardInput ?? FileHandle.nullDevice
        process.standardOutput = standardOutput ?? FileHandle.nullDevice
        let errorPipe = Pipe()
        process.standardError = errorPipe
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in continuation.finish() }
        try process.run()
        self.process = process
        self.errorPipe = errorPipe
        let reader = errorPipe.fileHandleForReading
        let errorText = Task { await onOwnThread { String(decoding: reader.readDataToEndOfFile(), as: UTF8.self) } }
        ended = Task {
            for await _ in stream {}
            let text = await errorText.value
            return Ending(
                status: process.terminationStatus, bySignal: process.terminationReason == .uncaughtSignal, standardError: text)
        }
    }

    /// Sends `signalNumber` to the process.
    func send(_ signalNumber: Int32) {
        kill(process.processIdentifier, signalNumber)
    }

    var isRunning: Bool { process.isRunning }

    /// Waits for the process to end.
    func wait() async -> Ending { await ended.value }

    /// True once the process runs `executable` (it has been exec'd) and has a handler for `signal`
    /// (Linux: `/proc/<pid>/exe` and the `SigCgt` mask of `/proc/<pid>/status`). A signal sent
    /// earlier would reach the forked test runner, or a program that could not handle it yet.
    func isReady(running executable: String, handling signal: Int32) -> Bool {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) ?? ""
        guard URL(fileURLWithPath: exe).resolvingSymlinksInPath().path == URL(fileURLWithPath: executable).resolvingSymlinksInPath().path,
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
            let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        return mask & (1 << UInt64(signal - 1)) != 0
    }

    /// The files the process has open, through `/proc/<pid>/fd` (Linux): the target of each link
    /// (`/dir/#123 (deleted)` for an unnamed file) and its size.
    func openFiles() -> [(target: String, size: Int64)] {
        let directory = "/proc/\(pid)/fd"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.compactMap { name in
            let link = "\(directory)/\(name)"
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: link) else { return nil }
            var info = stat()
            guard stat(link, &info) == 0 else { return nil }
            return (target, Int64(info.st_size))
        }
    }
}
