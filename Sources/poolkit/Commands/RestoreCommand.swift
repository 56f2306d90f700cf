import ArgumentParser
import Foundation
import PoolKit

/// `poolkit restore <archive|-> <url>`: read the archive once and load it with several connections.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore an archive (a file or standard input) into a database, loading tables in parallel.",
        discussion: """
            By default the restore refuses a target that already holds any of the archive's tables, naming them; --clean drops them first. Every chunk's row count and SHA-256 are checked, and success is reported only after the archive's trailer was verified.

            Examples:
              poolkit restore app.poolkit sqlite:///tmp/app-copy.db
              poolkit restore app.poolkit 'postgres://app@db2/app' --jobs 4 --clean
              poolkit backup 'postgres://app@db/app' -o - | poolkit restore - 'postgres://app@db2/app'
              poolkit restore app.poolkit env:TARGET_URL
              poolkit restore app-sqlite.poolkit 'postgres://app@db/app' --report migration.json
            """)

    @Argument(help: "The archive file, or - for standard input.")
    var archive: String

    @Argument(help: "The target database URL, or env:NAME for the URL in an environment variable.")
    var url: String?

    @Option(help: "Read the target URL from this file (instead of the argument).")
    var targetUrlFile: String?

    @Flag(help: "Ask for the target's password on the terminal.")
    var passwordPrompt = false

    @Option(name: .shortAndLong, parsing: .unconditional, help: "Connections loading at once (default: the cores, at most 4).")
    var jobs: Int = Jobs.defaultCount

    @Flag(help: "Drop the archive's objects that exist in the target first.")
    var clean = false

    @Flag(help: "Load everything in one transaction on one connection.")
    var singleTransaction = false

    @Option(name: .customLong("table"), help: "Only this table (repeatable).")
    var tables: [String] = []

    @Flag(help: "Definitions only, no rows.")
    var schemaOnly = false

    @Flag(help: "Rows only, into tables that exist.")
    var dataOnly = false

    @Flag(help: "Do not set objects' owners as in the source (objects belong to the restoring user).")
    var noOwner = false

    @Flag(help: "Do not restore privileges (GRANT/REVOKE).")
    var noPrivileges = false

    @Flag(
        help: "SQLite pages: write the backed-up database byte for byte even though it fails SQLite's quick_check (the source was damaged), with a warning.")
    var allowDamaged = false

    @OptionGroup(title: "Restoring another engine's archive (docs/migrating.md)") var migration: MigrationOptions

    @OptionGroup var display: ProgressOptions

    func run() async throws {
        do {
            try await restore()
        } catch {
            throw reportFailure(error)
        }
    }

    private func restore() async throws {
        let url = try await URLInput(
            argument: self.url, file: targetUrlFile, fileOption: "--target-url-file", promptPassword: passwordPrompt, role: "target"
        ).resolve().url
        var options = RestoreOptions()
        options.jobs = Jobs.capped(jobs)
        options.clean = clean
        options.singleTransaction = singleTransaction
        options.includeTables = tables
        options.schemaOnly = schemaOnly
        options.dataOnly = dataOnly
        options.noOwner = noOwner
        options.noPrivileges = noPrivileges
        options.allowDamaged = allowDamaged
        options.crossEngine = try migration.crossEngineOptions()
        try options.validate()  // before the archive is opened: a usage mistake is named first
        await Jobs.warnIfOverServerLimit(url, connections: singleTransaction ? 1 : options.jobs + 1, jobs: options.jobs)
        let source: any ArchiveSource = try openArchive(archive)
        let engine = RestoreEngine(registry: Drivers.registry)
        let sourceBox = TransferBox(source)
        let chosen = options
        let summary = try await display.run(verb: "restore") { tracker in
            try await engine.restore(from: sourceBox.take()!, into: url, options: chosen, progress: tracker)
        }
        for warning in summary.warnings {  // also with --quiet
            writeToStandardError("poolkit: warning: \(warning)\n")
        }
        try migration.write(summary.migration, quiet: display.quiet || display.json)
        if display.json { return try emitJSON(RestoreReport(summary, target: url)) }
        guard !display.quiet else { return }
        var lines = [
            "restore into \(url) complete (\(summary.manifest.strategy) strategy from \(summary.manifest.engine) \(summary.manifest.serverVersion))",
            "  objects \(summary.objects), chunks \(summary.chunks), rows \(summary.rows), data \(formatBytes(summary.bytes)), deadlocks retried \(summary.deadlockRetries)",
            "  time \(String(format: "%.2f", summary.elapsed)) s, \(formatBytes(UInt64(Double(summary.bytes) / max(summary.elapsed, 0.001))))/s",
        ]
        if !summary.manifest.omitted.isEmpty {
            lines.append("  the archive does not carry \(summary.manifest.omitted.count) object(s) of its source: `poolkit inspect` lists them")
        }
        writeToStandardError(lines.joined(separator: "\n") + "\n")
    }
}

/// Opens an archive argument: a path, or `-` for standard input (refused when it is a terminal).
func openArchive(_ argument: String) throws -> any ArchiveSource {
    if argument == "-" {
        guard !isTerminal(0) else {
            throw PoolKitError(.usage, "refusing to read an archive from a terminal: give a file, or pipe the archive in")
        }
        return FileArchiveSource.standardInput()
    }
    return try FileArchiveSource(path: argument)
}
