#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A restore target whose storage lives on a small file system the fault suite mounted: the URL to
/// restore into, what the driver's test checks of it after the failed restore, and how to remove
/// it again (so that the file system can be unmounted).
public struct FullDiskTarget: Sendable {
    /// The target database's URL, as given to `poolkit restore`.
    public var url: String
    /// Checks of the driver's own after the suite's (say, that no rows were kept); throws if one fails.
    public var check: @Sendable () async throws -> Void
    /// Drops the target and whatever placed it on the small file system (a tablespace, a link).
    public var remove: @Sendable () async throws -> Void

    public init(
        url: String, check: @escaping @Sendable () async throws -> Void = {}, remove: @escaping @Sendable () async throws -> Void
    ) {
        self.url = url
        self.check = check
        self.remove = remove
    }
}

extension BackupFaultSuite {
    /// Backs up the source completely, mounts a tmpfs of `megabytes` MiB (root only; otherwise
    /// returns why it was skipped), lets `makeTarget` place an empty target database's storage on
    /// it — the server writes there, so the full disk is the server's own — and restores the archive
    /// (whose data must be larger than the file system) into it. Guarantees: non-zero exit, not 130;
    /// a message naming the cause (`messageContains`, lowercased — the server's "no space left on
    /// device") and how far the restore got: "partly restored", or with `targetUnchanged` that the
    /// target is as it was (and it is); never "complete"; the target never a complete copy.
    /// The target is removed and the file system unmounted afterwards.
    public static func fullDiskRestoreTarget(
        _ context: BackupFaultContext, megabytes: Int = 16, restoreArguments: [String] = [], targetUnchanged: Bool,
        messageContains: [String], makeTarget: @Sendable (_ directory: String) async throws -> FullDiskTarget
    ) async throws -> String? {
        guard getuid() == 0 else { return "mounting a small tmpfs needs root; the full-target-disk case was skipped" }
        return try await withScratchDirectories { output, disk in
            let archive = output + "/backup.poolkit"
            let check = "a restore whose target's disk fills up"
            try await completeBackup(context, to: archive, check: check)
            guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "poolkit-faults", disk]) == 0 else {
                return "mount -t tmpfs failed; the full-target-disk case was skipped"
            }
            defer { _ = run("/bin/umount", [disk]) }
            let target = try await makeTarget(disk)
            do {
                try await restoreOntoFullDisk(
                    context, archive: archive, target: target.url, restoreArguments: restoreArguments,
                    targetUnchanged: targetUnchanged, messageContains: messageContains, check: check)
                try await target.check()
            } catch {
                try? await target.remove()
                throw error
            }
            try await target.remove()
            return nil
        }
    }

    private static func restoreOntoFullDisk(
        _ context: BackupFaultContext, archive: String, target: String, restoreArguments: [String], targetUnchanged: Bool,
        messageContains: [String], check: String
    ) async throws {
        let empty = try await context.fingerprint(target)
        let restore = try ChildProcess(
            context.poolkit, ["restore", archive, target, "--jobs", "\(context.jobs)", "--progress", "none"] + restoreArguments)
        let ending = await restore.wait()
        let message = try checkOwnFailure(
            ending, check: check, expected: "a failure (the data is larger than the target's disk)", messageContains: messageContains,
            targetUnchanged: targetUnchanged)
        if message.contains("complete") {
            throw ConformanceFailure(check: check, message: "the messages say 'complete': \(ending)")
        }
        let after = try await context.fingerprint(target)
        if after == (try await context.fingerprint(context.source)) {
            throw ConformanceFailure(check: check, message: "the target looks like a complete restore")
        }
        if targetUnchanged && after != empty {
            throw ConformanceFailure(check: check, message: "the target was changed, though this restore promises to leave it as it was (\(ending))")
        }
    }
}

extension BackupFaultSuite {
    /// Whether a failed restore's (lowercased) message tells the user the target was left as it
    /// was: "… left as it was" after a rollback, or "failed before anything was restored".
    static func saysTargetUnchanged(_ message: String) -> Bool {
        message.contains("as it was") || message.contains("before anything was restored")
    }

    /// Checks that a restore failed on its own (a non-zero exit, not a signal nor an interrupt),
    /// that its message names one of `messageContains` and says what was restored (the target left
    /// as it was when `targetUnchanged`, else "partly restored"); returns the lowercased message.
    static func checkOwnFailure(
        _ ending: ChildProcess.Ending, check: String, expected: String, messageContains: [String], targetUnchanged: Bool
    ) throws -> String {
        guard !ending.bySignal, ending.status != 0, ending.status != interruptedExitCode else {
            throw ConformanceFailure(check: check, message: "expected \(expected), got \(ending)")
        }
        let message = ending.standardError.lowercased()
        guard messageContains.contains(where: { message.contains($0) }) else {
            throw ConformanceFailure(check: check, message: "the message names none of \(messageContains): \(ending)")
        }
        let saysHowFar = targetUnchanged ? saysTargetUnchanged(message) : message.contains("partly restored")
        guard saysHowFar else {
            throw ConformanceFailure(check: check, message: "the message does not say what was restored: \(ending)")
        }
        return message
    }
}
