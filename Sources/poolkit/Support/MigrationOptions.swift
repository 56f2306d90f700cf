import ArgumentParser
import Foundation
import PoolKit

/// The restore options that matter only for an archive of another engine than the target's.
struct MigrationOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Another engine's archive: what to do with a value the target column cannot hold (error, null, skip-row).",
            valueName: "policy"))
    var onBadValue: String = CrossEngineOptions.BadValuePolicy.error.rawValue

    @Option(
        name: .customLong("cast"),
        help: ArgumentHelp(
            "Another engine's archive: give a column another type, 'column TABLE.COLUMN to TYPE' or 'type SOURCE-TYPE to TYPE' (repeatable).",
            valueName: "rule"))
    var casts: [String] = []

    @Flag(help: "Another engine's archive: fold table, column and index names to lower case (two names that become one are an error).")
    var foldIdentifiers = false

    @Option(help: ArgumentHelp("Another engine's archive: write the migration report here (JSON; a summary goes to standard error).", valueName: "file"))
    var report: String?

    /// The options, checked: `.usage` naming a bad policy or cast rule.
    func crossEngineOptions() throws -> CrossEngineOptions {
        var options = CrossEngineOptions()
        guard let policy = CrossEngineOptions.BadValuePolicy(rawValue: onBadValue) else {
            throw PoolKitError(
                .usage,
                "--on-bad-value '\(onBadValue)': choose one of \(CrossEngineOptions.BadValuePolicy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        options.onBadValue = policy
        options.casts = try casts.map(CastRule.init(parsing:))
        options.foldIdentifiers = foldIdentifiers
        return options
    }

    /// Writes the report file (when asked) and the readable summary (unless quiet).
    func write(_ migration: MigrationReport?, quiet: Bool) throws {
        guard let migration else {
            if report != nil {
                writeToStandardError("poolkit: note: the archive is of the target's own engine; no migration report was written\n")
            }
            return
        }
        if let report {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            var data = try encoder.encode(migration)
            data.append(0x0A)
            do {
                try data.write(to: URL(fileURLWithPath: report))
            } catch {
                throw PoolKitError(.io, "cannot write the migration report to \(report): \(error.localizedDescription)")
            }
        }
        if !quiet { writeToStandardError(migration.summary + "\n") }
    }
}
