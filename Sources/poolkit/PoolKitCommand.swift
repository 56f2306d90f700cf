import ArgumentParser

@main
struct PoolKitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "poolkit",
        abstract: "Connection pooling and streamed parallel backup/restore for PostgreSQL, MariaDB/MySQL and SQLite.",
        version: "0.1.0",
        subcommands: [])
}
