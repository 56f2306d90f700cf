import ArgumentParser
import Foundation
import Logging
import PoolKit

@main
struct PoolKitCommand: AsyncParsableCommand {
    /// Sets up logging (to stderr, level from POOLKIT_LOG_LEVEL, default `error`, so the library's
    /// retry warnings do not clutter a terminal), then parses and runs the subcommand.
    static func main() async {
        // Copied before the passwords in the process's own argv are overwritten.
        let arguments = Array(CommandLine.arguments.dropFirst())
        ArgumentScrubber.scrub()
        let signalSources = InterruptMonitor.shared.install()
        defer { withExtendedLifetime(signalSources) {} }
        let level = ProcessInfo.processInfo.environment["POOLKIT_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .error
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        do {
            var command = try parseAsRoot(arguments)
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            // Argument errors exit with the one usage code the documentation gives (2), not
            // ArgumentParser's EX_USAGE (64).
            if exitCode(for: error) == .validationFailure {
                var message = fullMessage(for: error)
                if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
                writeToStandardError("poolkit: " + message + "\n")
                terminate(ExitStatus.usage)
            }
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if !message.isEmpty {
                if code.isSuccess { print(message) } else { writeToStandardError(message + "\n") }
            }
            terminate(code.rawValue)
        }
        terminate(0)
    }

    /// Ends the process once its output is written, without the C library's exit handlers: a
    /// connection's thread may still be closing its session (a failed restore releases its
    /// workers' connections as it reports), and libssl's or libpq's global clean-up running under
    /// it crashed the process (signal 11) after its message was printed.
    static func terminate(_ status: Int32) -> Never {
        fflush(nil)
        _exit(status)
    }

    static let configuration = CommandConfiguration(
        commandName: "poolkit",
        abstract: "Connection pooling and streamed parallel backup/restore for PostgreSQL, MariaDB/MySQL and SQLite.",
        discussion: """
            Set POOLKIT_LOG_LEVEL=debug (trace, debug, info, notice, warning, error) to see the pool's log on stderr.

            Examples:
              poolkit drivers
              poolkit ping 'postgres://app@127.0.0.1:5432/app'      # password from ~/.pgpass, PGPASSWORD or a service
              poolkit ping env:DATABASE_URL                         # the URL from an environment variable
              poolkit ping sqlite:///var/lib/app/app.db
              poolkit backup sqlite:///var/lib/app/app.db -o app.poolkit
              poolkit backup 'postgres://app@db/app' -o - | poolkit restore - 'postgres://app@db2/app_copy'
              poolkit verify app.poolkit
            """,
        version: BuildInfo.versionLine,
        subcommands: [
            DriversCommand.self, PingCommand.self, BackupCommand.self, RestoreCommand.self, VerifyCommand.self,
            InspectCommand.self,
        ])
}
