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
                Foundation.exit(ExitStatus.usage)
            }
            exit(withError: error)
        }
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
