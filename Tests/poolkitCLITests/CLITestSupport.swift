import Foundation
import PoolKitConformance
import Testing

/// The result of running the built `poolkit` binary.
struct CommandResult {
    var status: Int32
    var standardOutput: String
    var standardError: String
    var all: String { standardOutput + standardError }
}

/// Runs `.build/<config>/poolkit` (built with the tests) with `arguments`, no shell involved, and
/// waits for it on a thread of its own (``offPool(_:)``): a whole backup or restore would otherwise
/// hold one of the cooperative pool's few threads for seconds and stall every other suite.
/// `environment` is added to the test's own; the variables in `unsetting` are taken out of it.
func runPoolKit(_ arguments: [String], environment: [String: String] = [:], unsetting: [String] = []) async throws -> CommandResult {
    try await offPool { try runPoolKitBlocking(arguments, environment: environment, unsetting: unsetting) }
}

private func runPoolKitBlocking(_ arguments: [String], environment: [String: String], unsetting: [String]) throws -> CommandResult {
    let process = Process()
    process.executableURL = try poolkitBinary()
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }.filter { !unsetting.contains($0.key) }
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus,
        standardOutput: String(decoding: outputData, as: UTF8.self),
        standardError: String(decoding: errorData, as: UTF8.self))
}

/// The `poolkit` executable beside the test bundle.
func poolkitBinary() throws -> URL {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("poolkit")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    throw CLITestFailure("poolkit binary not found near \(CommandLine.arguments[0]); build it with swift build --build-tests")
}

struct CLITestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
