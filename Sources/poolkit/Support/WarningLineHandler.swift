import Logging

/// A log handler that writes each warning (and worse) as one line `poolkit: warning: <message>` on
/// stderr, clearing a progress bar's line first when stderr is a terminal. The backup command gives
/// it to the engine's omission log, so what a backup leaves out is said while it runs, whatever
/// POOLKIT_LOG_LEVEL hides of the rest.
struct WarningLineHandler: LogHandler {
    var logLevel: Logger.Level = .warning
    var metadata: Logger.Metadata = [:]
    private let clearLine: Bool

    init(clearLine: Bool = isTerminal(2)) { self.clearLine = clearLine }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let prefix = event.level >= .error ? "error" : "warning"
        writeToStandardError((clearLine ? "\r\u{1B}[2K" : "") + "poolkit: \(prefix): \(event.message)\n")
    }
}
