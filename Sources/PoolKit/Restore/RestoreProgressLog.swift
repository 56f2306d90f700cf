import Synchronization

/// Remembers how far a restore got, so that its failure says so.
final class RestoreProgressLog: Sendable {
    private let state = Mutex((steps: [String](), chunks: 0, lastChunk: "", objects: 0))

    func note(_ step: String) { state.withLock { $0.steps.append(step) } }

    func objectApplied() { state.withLock { $0.objects += 1 } }

    func chunkLoaded(_ table: String, _ chunk: UInt32) {
        state.withLock { state in
            state.chunks += 1
            state.lastChunk = "\(table)#\(chunk)"
        }
    }

    func describeFailure(_ error: any Error) -> PoolKitError {
        let (steps, chunks, last, objects) = state.withLock { ($0.steps, $0.chunks, $0.lastChunk, $0.objects) }
        let base = error as? PoolKitError ?? PoolKitError.wrap(error, as: .io, "restore failed")
        var failure = base
        guard !steps.isEmpty || chunks > 0 || objects > 0 else {
            failure.message = "restore failed before anything was restored: \(base.message)"
            return failure
        }
        var progress = steps.isEmpty ? "\(objects) objects created" : steps.joined(separator: "; ")
        if chunks > 0, !steps.contains(where: { $0.hasPrefix("data:") }) {
            progress += "; \(chunks) data chunks were committed (last: \(last)) before the failure"
        }
        failure.message = "restore failed: \(base.message) — progress: \(progress). The target is partly restored: run again with --clean"
        return failure
    }
}
