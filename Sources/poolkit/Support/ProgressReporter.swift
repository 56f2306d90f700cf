import ArgumentParser
import Foundation
import PoolKit

/// How progress is shown: a bar on a terminal, JSON lines for programs, or nothing.
enum ProgressMode: String, ExpressibleByArgument, CaseIterable {
    case auto, bar, json, none
}

/// Samples a ``TransferProgress`` and draws it on stderr (the library itself never prints).
final class ProgressReporter: Sendable {
    private let progress: TransferProgress
    private let mode: ProgressMode
    private let task: Task<Void, Never>?
    private let verb: String

    init(progress: TransferProgress, mode: ProgressMode, quiet: Bool, verb: String) {
        let resolved: ProgressMode =
            quiet ? .none : mode == .auto ? (isTerminal(2) ? .bar : .none) : mode
        self.progress = progress
        self.mode = resolved
        self.verb = verb
        switch resolved {
        case .none, .auto:
            task = nil
        case .bar, .json:
            task = Task { [progress] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(resolved == .json ? 1000 : 200))
                    if Task.isCancelled { break }
                    ProgressReporter.draw(progress.snapshot(), mode: resolved, verb: verb)
                }
            }
        }
    }

    /// Stops drawing and leaves the terminal line clean.
    func stop() {
        task?.cancel()
        if mode == .bar { writeToStandardError("\r\u{1B}[2K") }
        if mode == .json { Self.draw(progress.snapshot(), mode: .json, verb: verb) }
    }

    private static func draw(_ snapshot: TransferProgress.Snapshot, mode: ProgressMode, verb: String) {
        switch mode {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(snapshot) {
                writeToStandardError(String(decoding: data, as: UTF8.self) + "\n")
            }
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
    @Option(help: "Progress display: auto (a bar on a terminal), bar, json (JSON lines on stderr) or none.")
    var progress: ProgressMode = .auto

    @Flag(name: .shortAndLong, help: "No progress and no summary.")
    var quiet = false

    /// Runs `body` interruptibly (Ctrl-C cancels it) while its progress is drawn on stderr.
    func run<T: Sendable>(verb: String, _ body: @escaping @Sendable (TransferProgress) async throws -> T) async throws -> T {
        let tracker = TransferProgress()
        let reporter = ProgressReporter(progress: tracker, mode: progress, quiet: quiet, verb: verb)
        defer { reporter.stop() }
        return try await runInterruptibly(verb: verb) { try await body(tracker) }
    }
}
