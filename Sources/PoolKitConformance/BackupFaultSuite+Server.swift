#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What a test did to the database server while a `poolkit` process used it.
public enum ServerFault: Sendable {
    /// The process's server connections were terminated (`pg_terminate_backend`, `KILL`): it must
    /// fail by itself.
    case terminated
    /// The process's server backends were frozen (`SIGSTOP`) and are thawed by `resume`: the
    /// process may wait on them forever, so the suite gives it `grace`, then presses Ctrl-C.
    case frozen(resume: @Sendable () -> Void, grace: Duration)
}

/// How a restore whose server was frozen ended.
public enum FrozenServerEnding: String, Sendable {
    /// It failed by itself (a timeout of its own).
    case byItself = "ended by itself"
    /// It waited until the suite pressed Ctrl-C, then ended with exit 130.
    case byInterrupt = "ended on Ctrl-C"
}

extension BackupFaultSuite {
    /// Backs up to standard output into a pipe the suite does not read yet, so the workers wait
    /// inside their statements (the dump is far larger than the pipe and the archive's buffers);
    /// runs `fault`, which finds a worker's statement on the server and terminates its connection;
    /// then reads the archive stream to its end. Guarantees: non-zero exit; a message naming the
    /// lost connection (`messageContains`, lowercased), never "complete"; the bytes written are not
    /// an archive that verifies (`poolkit verify` exits 4); nothing left in `TMPDIR`; the source
    /// unchanged.
    public static func serverFaultDuringBackup(
        _ context: BackupFaultContext, messageContains: [String], fault: @escaping @Sendable () async throws -> Void
    ) async throws {
        try await withScratchDirectories { _, temporary in
            let before = try await context.fingerprint(context.source)
            let pipe = Pipe()
            let child = try ChildProcess(
                context.poolkit,
                ["backup", context.source, "-o", "-", "--jobs", "\(context.jobs)", "--progress", "none"] + context.strategyArguments,
                environment: ["TMPDIR": temporary], standardOutput: pipe.fileHandleForWriting)
            try? pipe.fileHandleForWriting.close()
            let check = "a worker's server connection terminated mid-backup"
            do {
                try await fault()
            } catch {
                child.send(SIGKILL)
                _ = await child.wait()
                throw error
            }
            let reader = pipe.fileHandleForReading
            let written = await onOwnThread { reader.readDataToEndOfFile() }
            let ending = await child.wait()
            guard !ending.bySignal, ending.status != 0 else {
                throw ConformanceFailure(check: check, message: "expected a failure, got \(ending)")
            }
            let message = ending.standardError.lowercased()
            guard messageContains.contains(where: { message.contains($0) }) else {
                throw ConformanceFailure(check: check, message: "the message names none of \(messageContains): \(ending)")
            }
            if message.contains("complete") {
                throw ConformanceFailure(check: check, message: "the messages say 'complete': \(ending)")
            }
            let input = Pipe()
            let verify = try ChildProcess(context.poolkit, ["verify", "-", "--quiet"], standardInput: input.fileHandleForReading)
            try? input.fileHandleForReading.close()
            let writer = input.fileHandleForWriting
            await onOwnThread {
                signal(SIGPIPE, SIG_IGN)
                try? writer.write(contentsOf: written)
                try? writer.close()
            }
            let verified = await verify.wait()
            guard !verified.bySignal, verified.status == damagedExitCode else {
                throw ConformanceFailure(
                    check: check, message: "the \(written.count) bytes the failed backup wrote should not verify (exit \(damagedExitCode)), got \(verified)")
            }
            try expectEmpty(temporary, check: check, what: "TMPDIR")
            guard try await context.fingerprint(context.source) == before else {
                throw ConformanceFailure(check: check, message: "the source database changed")
            }
        }
    }

    /// Backs up the source completely, pipes the first half of the archive into a restore into a new
    /// target — whose loaders then wait inside their statements for the rest — and runs `fault` on
    /// the target's server (`fault` finds the restore's connections itself and returns nil if it
    /// found none); then pipes the rest. Guarantees:
    /// - terminated connections: non-zero exit (not 130), a message saying what happened
    ///   (`messageContains`) and how far the restore got — "partly restored", or, with
    ///   `targetUnchanged`, that the target is as it was (and it is); it ends by itself (within a
    ///   minute, a wide margin: a wait on a dead connection would take TCP's minutes);
    /// - frozen backends: the restore ends, by itself or on Ctrl-C (exit 130, "interrupted", never
    ///   "complete"); with `targetUnchanged` the target is as it was once the server runs again.
    /// The target is never a complete copy. Returns how a frozen restore ended (nil: terminated).
    @discardableResult
    public static func serverFaultDuringRestore(
        _ context: BackupFaultContext, restoreArguments: [String] = [], targetUnchanged: Bool, messageContains: [String],
        fault: @escaping @Sendable (_ target: String) async throws -> ServerFault?
    ) async throws -> FrozenServerEnding? {
        try await withScratchDirectories { output, _ in
            let archive = output + "/backup.poolkit"
            let check = "the target server failing mid-restore"
            try await completeBackup(context, to: archive, check: check)
            let target = try await context.makeTarget()
            let empty = try await context.fingerprint(target)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
            let input = Pipe()
            let restore = try ChildProcess(
                context.poolkit, ["restore", "-", target, "--jobs", "\(context.jobs)", "--progress", "none"] + restoreArguments,
                standardInput: input.fileHandleForReading)
            try? input.fileHandleForReading.close()
            let writer = input.fileHandleForWriting
            // Feed half of the archive, then try the fault; when no loader is inside a statement at
            // that point (the chunks that span the boundary were spilled because the loaders were
            // busy when they began, so they wait for their ends, which an archive whose chunks were
            // dumped side by side may hold back to its last part), feed another sixteenth and try
            // again, up to the whole archive (its spilled chunks then load after the trailer).
            var written = bytes.startIndex
            var injected: ServerFault?
            for sixteenths in 8...16 {
                let upTo = bytes.startIndex + bytes.count * sixteenths / 16
                let slice = bytes[written..<upTo]
                written = upTo
                // Returns once the restore has read all but a pipe buffer of the slice.
                await onOwnThread {
                    signal(SIGPIPE, SIG_IGN)
                    try? writer.write(contentsOf: slice)
                }
                injected = try await fault(target)
                if injected != nil { break }
            }
            let rest = bytes.suffix(from: written)
            guard let fault = injected else {
                try? writer.close()
                let ending = await restore.wait()
                throw ConformanceFailure(check: check, message: "the restore ended (\(ending)) before the fault: give the suite a larger source")
            }
            // The rest on a thread of its own: it blocks while a frozen server holds the loaders,
            // and ends when the restore does (EPIPE at the latest).
            let feeding = Task {
                await onOwnThread {
                    try? writer.write(contentsOf: rest)
                    try? writer.close()
                }
            }
            var frozenEnding: FrozenServerEnding?
            let ending: ChildProcess.Ending
            switch fault {
            case .terminated:
                // Liveness, with a wide margin (it ends within a second or two when it works): a
                // client blocked on a server that hung up half-way waits for TCP to give up, minutes.
                guard await endsWithin(.seconds(60), restore) else {
                    restore.send(SIGKILL)
                    _ = await restore.wait()
                    throw ConformanceFailure(
                        check: check, message: "the restore still ran a minute after its connections were terminated: it waits on a dead connection")
                }
                ending = await restore.wait()
                _ = try checkOwnFailure(
                    ending, check: check, expected: "a failure of its own", messageContains: messageContains,
                    targetUnchanged: targetUnchanged)
            case .frozen(let resume, let grace):
                defer { resume() }
                if await endsWithin(grace, restore) {
                    frozenEnding = .byItself
                    ending = await restore.wait()
                    guard !ending.bySignal, ending.status != 0 else {
                        throw ConformanceFailure(check: check, message: "expected a failure, got \(ending)")
                    }
                } else {
                    frozenEnding = .byInterrupt
                    restore.send(SIGINT)
                    ending = await restore.wait()
                    guard !ending.bySignal, ending.status == interruptedExitCode, ending.standardError.contains("interrupted") else {
                        throw ConformanceFailure(
                            check: check, message: "Ctrl-C of a restore whose server froze: expected exit \(interruptedExitCode) saying 'interrupted', got \(ending)")
                    }
                }
                resume()
            }
            await feeding.value  // the restore is gone: the write has failed or finished
            if ending.standardError.contains("complete") && !ending.standardError.contains("too late") {
                throw ConformanceFailure(check: check, message: "the messages say 'complete': \(ending)")
            }
            let after = try await context.fingerprint(target)
            if after == (try await context.fingerprint(context.source)) {
                throw ConformanceFailure(check: check, message: "the target looks like a complete restore")
            }
            if targetUnchanged && after != empty {
                throw ConformanceFailure(check: check, message: "the target was changed, though this restore promises to leave it as it was (\(ending))")
            }
            return frozenEnding
        }
    }

    /// Backs up the source completely, then restores it with `TMPDIR` on a 1 MiB tmpfs the test
    /// mounts (root only; otherwise returns why it was skipped) and one loader, so that chunks
    /// arriving while it is busy spill there. Guarantees: non-zero exit; a message saying the disk
    /// is full; nothing left on that file system; the target never complete, and as it was with
    /// `targetUnchanged`.
    public static func fullDiskRestoreSpill(
        _ context: BackupFaultContext, restoreArguments: [String] = [], targetUnchanged: Bool
    ) async throws -> String? {
        guard getuid() == 0 else { return "mounting a small tmpfs needs root; the full-disk case was skipped" }
        return try await withScratchDirectories { output, temporary in
            let archive = output + "/backup.poolkit"
            let check = "a restore whose spill files fill the disk"
            try await completeBackup(context, to: archive, jobs: max(context.jobs, 2), check: check)
            guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "poolkit-faults", temporary]) == 0 else {
                return "mount -t tmpfs failed; the full-disk case was skipped"
            }
            defer { _ = run("/bin/umount", [temporary]) }
            let target = try await context.makeTarget()
            let empty = try await context.fingerprint(target)
            let restore = try ChildProcess(
                context.poolkit, ["restore", archive, target, "--jobs", "1", "--quiet"] + restoreArguments,
                environment: ["TMPDIR": temporary])
            let ending = await restore.wait()
            guard !ending.bySignal, ending.status != 0 else {
                throw ConformanceFailure(
                    check: check, message: "expected a failure (the archive's chunks interleave, so one loader must spill), got \(ending)")
            }
            guard ending.standardError.contains("disk is full") else {
                throw ConformanceFailure(check: check, message: "the message does not say the disk is full: \(ending)")
            }
            try expectEmpty(temporary, check: check, what: "the full file system")
            let after = try await context.fingerprint(target)
            if after == (try await context.fingerprint(context.source)) {
                throw ConformanceFailure(check: check, message: "the target looks like a complete restore")
            }
            if targetUnchanged && after != empty {
                throw ConformanceFailure(check: check, message: "the target was changed, though this restore promises to leave it as it was")
            }
            return nil
        }
    }

    /// Whether the child ends within `duration` (polled; the child is not touched).
    private static func endsWithin(_ duration: Duration, _ child: ChildProcess) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + duration
        while clock.now < deadline {
            if !child.isRunning { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return !child.isRunning
    }
}
