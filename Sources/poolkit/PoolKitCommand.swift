import ArgumentParser

@main
struct PoolKitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "poolkit",
        abstract: "Connection pooling and streamed parallel backup/restore for PostgreSQL, MariaDB/MySQL and SQLite.",
        discussion: """
            Examples:
              poolkit drivers
              poolkit ping 'postgres://app:secret@127.0.0.1:5432/app'
              poolkit ping sqlite:///var/lib/app/app.db
            """,
        version: PoolKitVersion.current,
        subcommands: [DriversCommand.self, PingCommand.self])
}

enum PoolKitVersion {
    static let current = "0.1.0"
}
