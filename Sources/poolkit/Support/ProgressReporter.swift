import ArgumentParser
import Foundation
import PoolKit

/// How progress is shown: a bar on a terminal, a plain line every 10 s for logs, JSON lines for
/// programs, or nothing.
enum ProgressMode: String, ExpressibleByArgument, CaseIterable {
    case auto, bar, plain, json, none
}

/// Samples a ``TransferProgress`` and draws it on stderr (the library itself never prints).
final class ProgressReporter: Sendable {
    private let progress: TransferProgress
    private let mode: ProgressMode
    private let task: Task<Void, Never>?
    private let verb: String
    private let finalLine: Bool

    init(progress: TransferProgress, mode: ProgressMode, quiet: Bool, verb: String) {
        // Not on a terminal (a log, a cron mail, CI), auto means a plain line every 10 s.
        let resolved: ProgressMode =
            quiet ? .none : mode == .auto ? (isTerminal(2) ? .bar : .plain) : mode
        let finalLine = mode == .plain || resolved == .json
        self.progress = progress
        self.mode = resolved
        self.verb = verb
        self.finalLine = finalLine
        switch resolved {
        case .none, .auto:
            task = nil
        case .bar, .json, .plain:
            let interval: Duration = resolved == .json ? .seconds(1) : resolved == .plain ? Self.plainInterval : .milliseconds(200)
            task = Task { [progress] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    if Task.isCancelled { break }
                    ProgressReporter.draw(progress.snapshot(), mode: resolved, verb: verb)
                }
            }
        }
    }

    /// How often a plain line is written.
    static let plainInterval: Duration = .seconds(10)

    /// Stops drawing and leaves the terminal line clean; `json` and an explicit `plain` end with a last line.
    func stop() {
        task?.cancel()
        if mode == .bar { writeToStandardError("\r\u{1B}[2K") }
        if finalLine { Self.draw(progress.snapshot(), mode: mode, verb: verb) }
    }

    private static func draw(_ snapshot: TransferProgress.Snapshot, mode: ProgressMode, verb: String) {
        switch mode {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(snapshot) {
                writeToStandardError(String(decoding: data, as: UTF8.self) + "\n")
            }
        case .plain:
            // One quiet line for logs, like pg_dump --verbose but without a line per object.
            var line = "poolkit \(verb): \(snapshot.phase.rawValue), tables \(snapshot.tablesDone)/\(snapshot.tablesTotal), rows \(snapshot.rows)"
            line += ", \(formatBytes(snapshot.bytes)), \(formatBytes(UInt64(snapshot.throughput)))/s, elapsed \(formatSeconds(snapshot.elapsed))"
            writeToStandardError(line + "\n")
        case .bar:
            // Bytes against the strategy's estimate track progress best; chunk counts are the fallback.
            let fraction =
                snapshot.bytesEstimated > 0 ? min(1, Double(snapshot.bytes) / Double(snapshot.bytesEstimated))
                : snapshot.chunksTotal > 0 ? Double(snapshot.chunksDone) / Double(snapshot.chunksTotal) : 0
            let width = 24
            let filled = Int((fraction * Double(width)).rounded(.down))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            var line = "\(verb) [\(bar)] \(snapshot.phase.rawValue) tables \(snapshot.tablesDone)/\(snapshot.tablesTotal)"
            line += "  rows \(snapshot.rows)  \(formatBytes(snapshot.bytes))  \(formatBytes(UInt64(snapshot.throughput)))/s"
            if fraction > 0.01, fraction < 1 {
                let remaining = snapshot.elapsed * (1 - fraction) / fraction
                line += "  ETA \(formatSeconds(remaining))"
            }
            if !snapshot.activeChunks.isEmpty {
                line += "  [" + snapshot.activeChunks.prefix(4).joined(separator: ", ") + "]"
            }
            writeToStandardError("\r\u{1B}[2K" + line)
        case .none, .auto:
            break
        }
    }
}

func formatBytes(_ bytes: UInt64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000, unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}

func formatSeconds(_ seconds: Double) -> String {
    let total = Int(seconds.rounded())
    return total >= 3600
        ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
        : String(format: "%d:%02d", total / 60, total % 60)
}

/// The progress options of long-running commands, and the run that shows progress while it works.
struct ProgressOptions: ParsableArguments {
    @Option(
        help: "Progress display: auto (a bar on a terminal, else a plain line every 10 s), bar, plain, json (JSON lines on stderr) or none.")
    var progress: ProgressMode = .auto

    @Flag(name: .shortAndLong, help: "No progress and no summary.")
    var quiet = false

    @Flag(
        help: "Print the summary as one JSON object (schema in docs/cli.md) on standard output — on standard error when the archive goes to standard output.")
    var json = false

    /// Runs `body` interruptibly (Ctrl-C cancels it) while its progress is drawn on stderr.
    func run<T: Sendable>(verb: String, _ body: @escaping @Sendable (TransferProgress) async throws -> T) async throws -> T {
        let tracker = TransferProgress()
        let reporter = ProgressReporter(progress: tracker, mode: progress, quiet: quiet, verb: verb)
        defer { reporter.stop() }
        return try await runInterruptibly(verb: verb) { try await body(tracker) }
    }
}
