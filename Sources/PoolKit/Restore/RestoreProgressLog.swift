import Synchronization

/// Remembers how far a restore got, so that its failure says so.
final class RestoreProgressLog: Sendable {
    /// When the restore started (the timeline's zero).
    let started = ContinuousClock.now
    private let state = Mutex((steps: [String](), chunks: 0, lastChunk: "", objects: 0))

    func note(_ step: String) { state.withLock { $0.steps.append(step) } }

    func objectApplied() { state.withLock { $0.objects += 1 } }

    func chunkLoaded(_ table: String, _ chunk: UInt32) {
        state.withLock { state in
            state.chunks += 1
            state.lastChunk = "\(table)#\(chunk)"
        }
    }

    /// Whether the session promised that a failure leaves the target as it was.
    var targetUnchangedOnFailure: Bool {
        get { unchanged.withLock { $0 } }
        set { unchanged.withLock { $0 = newValue } }
    }
    private let unchanged = Mutex(false)

    func describeFailure(_ error: any Error) -> PoolKitError {
        let (steps, chunks, last, objects) = state.withLock { ($0.steps, $0.chunks, $0.lastChunk, $0.objects) }
        var base = error as? PoolKitError ?? PoolKitError.wrap(error, as: .io, "error")
        if error is CancellationError { base = PoolKitError(.cancelled, "cancelled", underlying: error) }
        var failure = base
        var cause = base.message
        while cause.hasPrefix("restore failed: ") { cause.removeFirst("restore failed: ".count) }
        guard !steps.isEmpty || chunks > 0 || objects > 0 else {
            failure.message = "restore failed before anything was restored: \(cause)"
            return failure
        }
        var progress = steps.isEmpty ? "\(objects) objects created" : steps.joined(separator: "; ")
        if chunks > 0, !steps.contains(where: { $0.hasPrefix("data:") }) {
            progress += "; \(chunks) data chunks were \(targetUnchangedOnFailure ? "loaded" : "committed") (last: \(last)) before the failure"
        }
        failure.message =
            targetUnchangedOnFailure
            ? "restore failed: \(cause) — progress: \(progress). Nothing of it was kept: the target is as it was before the restore"
            : "restore failed: \(cause) — progress: \(progress). The target is partly restored: run again with --clean"
        return failure
    }
}
