import ArgumentParser
import Foundation
import Logging
import PoolKit

/// `poolkit backup <url>`: one consistent snapshot, dumped by several pooled connections into one archive stream.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up a database into one archive (a file or standard output), with several connections at once.",
        discussion: """
            The archive is written to a temporary name and renamed only when complete; on error or Ctrl-C nothing is left behind and the exit code is non-zero. The archive digest printed at the end is the one `poolkit verify` prints.

            Examples:
              poolkit backup sqlite:///var/lib/app/app.db -o app.poolkit
              poolkit backup sqlite:///var/lib/app/app.db -o app.poolkit --strategy logical --table orders
              poolkit backup 'postgres://app@db/app' --jobs 4 -o - | aws s3 cp - s3://bucket/app.poolkit
              poolkit backup env:SOURCE_URL -o app.poolkit                 # the URL (with its password) from the environment
              poolkit backup --source-url-file /run/secrets/source-url -o app.poolkit
              poolkit backup 'postgres://app@db/app' -o app.poolkit --strict

            Whatever the source has that the backup cannot carry is named on stderr, one warning per object with the reason, and listed in the archive's manifest (`poolkit inspect`); --strict makes it an error instead.
            """)

    @Argument(help: "The database URL (postgres://, mariadb://, mysql://, sqlite:), or env:NAME for the URL in an environment variable.")
    var url: String?

    @Option(help: "Read the source URL from this file (instead of the argument).")
    var sourceUrlFile: String?

    @Flag(help: "Ask for the source's password on the terminal.")
    var passwordPrompt = false

    @Option(name: .shortAndLong, help: "Where to write the archive: a file name, or - for standard output.")
    var output: String = "-"

    @Flag(help: "Replace the output file if it exists.")
    var force = false

    @Option(name: .shortAndLong, parsing: .unconditional, help: "Connections dumping at once (default: the cores, at most 4).")
    var jobs: Int = Jobs.defaultCount

    @Option(help: "The driver's backup strategy (see `poolkit drivers`); default: the driver's first.")
    var strategy: String?

    @Option(help: "zstd or none.")
    var compression: String = "zstd"

    @Option(parsing: .unconditional, help: "zstd level (1 is fast; up to 19 is smaller).")
    var compressionLevel: Int = 1

    @Option(name: .customLong("table"), help: "Only this table (repeatable; schema.table where the engine has schemas).")
    var tables: [String] = []

    @Option(name: .customLong("exclude-table"), help: "Not this table (repeatable).")
    var excludedTables: [String] = []

    @Flag(help: "Definitions only, no rows.")
    var schemaOnly = false

    @Flag(
        help: "Run the engine's thorough consistency check on the source first (SQLite: PRAGMA integrity_check instead of quick_check); exit 5 if it fails (the archive is still written).")
    var check = false

    @Flag(help: "Rows only, no definitions.")
    var dataOnly = false

    @Flag(
        help: "Fail (exit 1, no archive written) if the source has objects the backup cannot carry; without it each is named in a warning and listed in the manifest (`poolkit inspect`).")
    var strict = false

    @OptionGroup var display: ProgressOptions

    func run() async throws {
        let sourceDamaged: Bool
        do {
            sourceDamaged = try await backup()
        } catch {
            throw reportFailure(error)
        }
        if sourceDamaged && check { throw ExitCode(ExitStatus.sourceDamaged) }
    }

    /// Returns whether the source failed the check the strategy ran on it.
    private func backup() async throws -> Bool {
        let url = try await URLInput(
            argument: self.url, file: sourceUrlFile, fileOption: "--source-url-file", promptPassword: passwordPrompt, role: "source"
        ).resolve().url
        var options = BackupOptions()
        options.jobs = Jobs.capped(jobs)
        options.includeTables = tables
        options.excludeTables = excludedTables
        options.schemaOnly = schemaOnly
        options.dataOnly = dataOnly
        options.integrityCheck = check
        options.strict = strict
        try options.validate()  // before the output file is made
        let source = try Drivers.registry.driver(for: url).sourceURL(for: url)
        await Jobs.warnIfOverServerLimit(source, connections: options.jobs + 1, jobs: options.jobs)
        let compression: ArchiveCompression
        switch self.compression.lowercased() {
        case "none": compression = .none
        case "zstd": compression = .zstd(level: compressionLevel)
        default: throw PoolKitError(.usage, "--compression '\(self.compression)' is not known: use zstd or none")
        }
        let archive = ArchiveWriter.Configuration(compression: compression)
        let sink: any ArchiveSink
        if output == "-" {
            guard !isTerminal(1) else {
                throw PoolKitError(
                    .usage, "refusing to write an archive to a terminal: give a file with -o FILE, or pipe standard output")
            }
            sink = FileDescriptorArchiveSink.standardOutput()
        } else {
            let file = try FileArchiveSink(path: output, overwrite: force)
            if !file.removedStaleFiles.isEmpty {
                writeToStandardError(
                    "poolkit: removed \(file.removedStaleFiles.count) partial archive(s) a killed backup left behind: \(file.removedStaleFiles.joined(separator: ", "))\n")
            }
            sink = file
        }
        // What the backup leaves out is said while it runs, also with --quiet.
        let engine = BackupEngine(
            registry: Drivers.registry, omissionLogger: Logger(label: "poolkit.backup.omitted") { _ in WarningLineHandler() })
        let strategy = self.strategy
        let sinkBox = TransferBox(sink)
        let chosen = options
        let summary = try await display.run(verb: "backup") { tracker in
            try await engine.backup(
                url: url, to: sinkBox.take()!, strategy: strategy, options: chosen, archive: archive, progress: tracker)
        }
        // A damaged source is said even with --quiet: the archive holds it as it is.
        let damaged = SourceCheck(summary.manifest.options)?.failure
        if let damaged {
            let holds =
                summary.manifest.strategy == "pages"
                ? "the archive holds it exactly as it is, and a pages restore refuses it unless given --allow-damaged"
                : "the archive holds what could be read from it"
            writeToStandardError(
                "poolkit: warning: the source database fails \(damaged): \(holds); repair the source (or recover its data) and keep this archive\n")
        } else if check && SourceCheck(summary.manifest.options) == nil {
            writeToStandardError("poolkit: warning: --check: the \(summary.manifest.driver) driver has no source check; nothing was checked\n")
        }
        if display.json {
            try emitJSON(
                BackupReport(summary, source: url, jobs: chosen.jobs, archive: output), to: output == "-" ? .standardError : .standardOutput)
            return damaged != nil
        }
        guard !display.quiet else { return damaged != nil }
        let trailer = summary.archive.trailer
        let ratio = summary.archive.totalBytes > 0 ? Double(trailer.dataBytes) / Double(summary.archive.totalBytes) : 0
        var lines = [
            "backup of \(url) complete (\(summary.manifest.strategy) strategy, \(chosen.jobs) jobs)",
            "  objects \(summary.manifest.objects.count), tables \(summary.manifest.tables.count), blobs \(summary.manifest.blobs.count), chunks \(trailer.tableChunks + trailer.blobChunks), rows \(trailer.rows)",
            "  data \(formatBytes(trailer.dataBytes)) → archive \(formatBytes(summary.archive.totalBytes)) (\(String(format: "%.2f", ratio))× compression, \(compression))",
            "  time \(String(format: "%.2f", summary.elapsed)) s, \(formatBytes(UInt64(Double(trailer.dataBytes) / max(summary.elapsed, 0.001))))/s",
            "  archive \(output == "-" ? "(standard output)" : output)",
            "  digest sha256:\(trailer.digest)",
        ]
        // What a strategy records about its snapshot: how long writers waited, what it could not cover.
        if let blocked = summary.manifest.options["lock_ms"] {
            lines.append("  writers blocked \(blocked) ms while the workers joined the snapshot")
        }
        if !summary.manifest.omitted.isEmpty {
            lines.append("  not carried \(summary.manifest.omitted.count) object(s), named in the warnings above and listed by `poolkit inspect`")
        }
        if let tables = summary.manifest.options["non_transactional_tables"] {
            lines.append("  not in the snapshot (non-transactional, read after the lock): \(tables)")
        }
        if let source = SourceCheck(summary.manifest.options) {
            lines.append("  source check \(source.description)")
        }
        writeToStandardError(lines.joined(separator: "\n") + "\n")
        return damaged != nil
    }
}
