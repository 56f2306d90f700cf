#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What the fault suite needs from a driver's tests: the `poolkit` binary, a filled source database
/// and a way to make empty targets and to compare databases. Nothing in it is engine-specific, so
/// every driver's tests run the same cases.
///
/// ```swift
/// let context = BackupFaultContext(
///     poolkit: poolkitPath, source: "sqlite:///tmp/faults/source.db", strategy: "pages",
///     makeTarget: { "sqlite:///tmp/faults/\(UUID()).db" },
///     fingerprint: { url in try await digestOfEveryRow(url) })
/// try await BackupFaultSuite.killedBackup(context, signal: SIGKILL, at: .midDump)
/// ```
public struct BackupFaultContext: Sendable {
    /// Path of the `poolkit` executable under test.
    public var poolkit: String
    /// The URL of the source database, as given to `poolkit` (it may hold a password: it is never
    /// put into a failure message). Big enough that a backup writes several MB, so that it can be
    /// caught in the middle.
    public var source: String
    /// The backup strategy (nil: the driver's default).
    public var strategy: String?
    /// Connections dumping or loading at once.
    public var jobs: Int
    /// A new, empty target database URL for a restore.
    public var makeTarget: @Sendable () async throws -> String
    /// A digest of everything a restore must reproduce in the database at a URL (schema and rows):
    /// equal for two databases only if one is a complete restore of the other.
    public var fingerprint: @Sendable (String) async throws -> String
    /// Archive bytes to wait for before a kill "in the middle of the dump".
    public var midDumpBytes: Int64 = 1 << 20

    public init(
        poolkit: String, source: String, strategy: String? = nil, jobs: Int = 2, makeTarget: @escaping @Sendable () async throws -> String,
        fingerprint: @escaping @Sendable (String) async throws -> String
    ) {
        self.poolkit = poolkit
        self.source = source
        self.strategy = strategy
        self.jobs = jobs
        self.makeTarget = makeTarget
        self.fingerprint = fingerprint
    }

    var strategyArguments: [String] { strategy.map { ["--strategy", $0] } ?? [] }
}

/// Fault injection for `poolkit backup` and `poolkit restore`, run by every driver's tests against
/// real servers. Each function throws a ``ConformanceFailure`` naming the broken guarantee
/// (docs/reliability.md lists them).
public enum BackupFaultSuite {
    /// When a backup is stopped.
    public enum StopPoint: String, Sendable, CaseIterable {
        /// As soon as the program runs and handles SIGINT (before it connects, as far as timing goes).
        case atStart
        /// Once the archive file is open in the output directory.
        case archiveOpened
        /// Once the archive holds ``BackupFaultContext/midDumpBytes`` bytes.
        case midDump
    }

    /// The exit code `poolkit` documents for a damaged or truncated archive.
    public static let damagedExitCode: Int32 = 4
    /// The exit code for an interrupted command (SIGINT, SIGTERM).
    public static let interruptedExitCode: Int32 = 130

    /// Backs up into a fresh directory (with `TMPDIR` pointing at another fresh directory) and sends
    /// `signal` at `point`. Guarantees: the process does not succeed; no file at the output name,
    /// nothing left in the output directory or in `TMPDIR`; the source unchanged; after SIGINT the
    /// exit code is 130 and the messages say "interrupted", never "complete".
    public static func killedBackup(_ context: BackupFaultContext, signal: Int32, at point: StopPoint) async throws {
        try await withScratchDirectories { output, temporary in
            let before = try await context.fingerprint(context.source)
            let archive = output + "/backup.poolkit"
            let child = try ChildProcess(
                context.poolkit,
                ["backup", context.source, "-o", archive, "--jobs", "\(context.jobs)", "--progress", "none"] + context.strategyArguments,
                environment: ["TMPDIR": temporary])
            let reached = await signalAt(
                point, signal: signal, child: child, executable: context.poolkit, outputDirectory: output, bytes: context.midDumpBytes)
            guard reached else {
                let ending = await child.wait()
                throw ConformanceFailure(
                    check: "killed backup",
                    message: "the backup ended (\(ending)) before reaching \(point.rawValue): give the suite a larger source database")
            }
            let ending = await child.wait()
            let check = "backup stopped by signal \(signal) at \(point.rawValue)"
            if !ending.bySignal && ending.status == 0 {
                throw ConformanceFailure(check: check, message: "the backup reported success: \(ending)")
            }
            if signal == SIGINT && !ending.bySignal {
                guard ending.status == interruptedExitCode, ending.standardError.contains("interrupted") else {
                    throw ConformanceFailure(check: check, message: "expected exit \(interruptedExitCode) saying 'interrupted', got \(ending)")
                }
                if ending.standardError.contains("complete") {
                    throw ConformanceFailure(check: check, message: "the messages say both interrupted and complete: \(ending)")
                }
            }
            try expectEmpty(output, check: check, what: "the output directory")
            try expectEmpty(temporary, check: check, what: "TMPDIR")
            guard try await context.fingerprint(context.source) == before else {
                throw ConformanceFailure(check: check, message: "the source database changed")
            }
        }
    }

    /// Backs up into a directory on a 1 MiB tmpfs the test mounts (root only; otherwise returns
    /// the reason it was skipped). Guarantees: non-zero exit, a message saying the disk is full,
    /// nothing left on the file system.
    public static func fullDiskBackup(_ context: BackupFaultContext) async throws -> String? {
        guard getuid() == 0 else { return "mounting a small tmpfs needs root; the full-disk case was skipped" }
        return try await withScratchDirectories { output, temporary in
            guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "poolkit-faults", output]) == 0 else {
                return "mount -t tmpfs failed; the full-disk case was skipped"
            }
            defer { _ = run("/bin/umount", [output]) }
            let child = try ChildProcess(
                context.poolkit,
                ["backup", context.source, "-o", output + "/backup.poolkit", "--jobs", "\(context.jobs)", "--compression", "none", "--quiet"]
                    + context.strategyArguments,
                environment: ["TMPDIR": temporary])
            let ending = await child.wait()
            let check = "backup onto a full disk"
            guard !ending.bySignal, ending.status != 0 else {
                throw ConformanceFailure(check: check, message: "expected a failure, got \(ending)")
            }
            guard ending.standardError.contains("disk is full") || ending.standardError.contains("disk full") else {
                throw ConformanceFailure(check: check, message: "the message does not say the disk is full: \(ending)")
            }
            try expectEmpty(output, check: check, what: "the full file system")
            try expectEmpty(temporary, check: check, what: "TMPDIR")
            return nil
        }
    }

    /// How an archive is damaged before it is piped into `poolkit restore -`.
    public enum Damage: String, Sendable, CaseIterable {
        /// Cut in the middle.
        case truncated
        /// One byte flipped in the middle.
        case flippedByte
    }

    /// Backs up the source completely, damages the archive, and pipes it into a restore.
    /// Guarantees: exit code 4; the target is not a complete copy of the source — and, when
    /// `targetUnchanged` (`--single-transaction`, or a strategy that installs all at once), the
    /// target is exactly as it was.
    public static func damagedArchiveRestore(
        _ context: BackupFaultContext, damage: Damage, restoreArguments: [String] = [], targetUnchanged: Bool
    ) async throws {
        try await withScratchDirectories { output, _ in
            let archive = output + "/backup.poolkit"
            try await completeBackup(context, to: archive, check: "damaged archive")
            var bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
            switch damage {
            case .truncated: bytes = bytes.prefix(bytes.count / 2)
            case .flippedByte: bytes[bytes.startIndex + bytes.count / 2] ^= 0x55
            }
            let target = try await context.makeTarget()
            let empty = try await context.fingerprint(target)
            let input = Pipe()
            let restore = try ChildProcess(
                context.poolkit, ["restore", "-", target, "--jobs", "\(context.jobs)", "--quiet"] + restoreArguments,
                standardInput: input.fileHandleForReading)
            try? input.fileHandleForReading.close()
            let writer = input.fileHandleForWriting
            let damaged = bytes
            // The restore may stop reading at the damage: a write error then is expected.
            await onOwnThread {
                signal(SIGPIPE, SIG_IGN)
                try? writer.write(contentsOf: damaged)
                try? writer.close()
            }
            let ending = await restore.wait()
            let check = "restore of a \(damage.rawValue) archive from a pipe"
            guard !ending.bySignal, ending.status == damagedExitCode else {
                throw ConformanceFailure(check: check, message: "expected exit \(damagedExitCode), got \(ending)")
            }
            let after = try await context.fingerprint(target)
            if after == (try await context.fingerprint(context.source)) {
                throw ConformanceFailure(check: check, message: "the target looks like a complete restore")
            }
            if targetUnchanged && after != empty {
                throw ConformanceFailure(check: check, message: "the target was changed, though this restore promises to leave it as it was")
            }
            if targetUnchanged && ending.standardError.contains("partly restored") {
                throw ConformanceFailure(check: check, message: "the message says the target is partly restored, though it was left as it was: \(ending)")
            }
        }
    }

    /// Backs up the source completely, pipes the first half of the archive into a restore, sends it
    /// SIGINT while it waits for the rest, then closes the pipe. Guarantees: exit 130; the message
    /// says "interrupted", never "complete", and names the cause once (no "restore failed: restore
    /// failed"); with `targetUnchanged`, the target is exactly as it was.
    public static func interruptedRestore(_ context: BackupFaultContext, restoreArguments: [String] = [], targetUnchanged: Bool) async throws {
        try await withScratchDirectories { output, _ in
            let archive = output + "/backup.poolkit"
            try await completeBackup(context, to: archive, check: "interrupted restore")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
            let target = try await context.makeTarget()
            let empty = try await context.fingerprint(target)
            let input = Pipe()
            let restore = try ChildProcess(
                context.poolkit, ["restore", "-", target, "--jobs", "\(context.jobs)", "--progress", "none"] + restoreArguments,
                standardInput: input.fileHandleForReading)
            try? input.fileHandleForReading.close()
            let writer = input.fileHandleForWriting
            let half = bytes.prefix(bytes.count / 2)
            // Returns once the restore has read all but a pipe buffer of the first half.
            await onOwnThread {
                signal(SIGPIPE, SIG_IGN)
                try? writer.write(contentsOf: half)
            }
            restore.send(SIGINT)
            let ending = await restore.wait()
            try? writer.close()
            let check = "restore interrupted (SIGINT) while reading the archive"
            guard !ending.bySignal, ending.status == interruptedExitCode, ending.standardError.contains("interrupted") else {
                throw ConformanceFailure(check: check, message: "expected exit \(interruptedExitCode) saying 'interrupted', got \(ending)")
            }
            if ending.standardError.contains("complete") || ending.standardError.contains("restore failed: restore failed") {
                throw ConformanceFailure(check: check, message: "misleading message: \(ending)")
            }
            if targetUnchanged, try await context.fingerprint(target) != empty {
                throw ConformanceFailure(check: check, message: "the target was changed, though this restore promises to leave it as it was")
            }
        }
    }

    /// Backs up to standard output into a reader that takes 64 KiB and quits. Guarantees: the
    /// backup fails with a message about the closed pipe, and leaves nothing in `TMPDIR`.
    public static func readerQuitsEarly(_ context: BackupFaultContext) async throws {
        try await withScratchDirectories { _, temporary in
            let pipe = Pipe()
            let child = try ChildProcess(
                context.poolkit, ["backup", context.source, "-o", "-", "--jobs", "\(context.jobs)", "--quiet"] + context.strategyArguments,
                environment: ["TMPDIR": temporary], standardOutput: pipe.fileHandleForWriting)
            try? pipe.fileHandleForWriting.close()
            let reader = pipe.fileHandleForReading
            _ = try? reader.read(upToCount: 64 << 10)
            try? reader.close()
            let ending = await child.wait()
            let check = "backup into a reader that quits early"
            guard !ending.bySignal, ending.status != 0 else {
                throw ConformanceFailure(check: check, message: "expected a failure with a message, got \(ending)")
            }
            guard ending.standardError.lowercased().contains("pipe") else {
                throw ConformanceFailure(check: check, message: "the message does not say the reader went away: \(ending)")
            }
            try expectEmpty(temporary, check: check, what: "TMPDIR")
        }
    }

    // MARK: Helpers

    /// Sends `signal` to the child once `point` is reached; false if the child ended first. Polls on
    /// a thread of its own, so a cooperative pool busy with other tests cannot make it miss the point.
    private static func signalAt(
        _ point: StopPoint, signal: Int32, child: ChildProcess, executable: String, outputDirectory: String, bytes: Int64
    ) async -> Bool {
        let resolved = URL(fileURLWithPath: outputDirectory).resolvingSymlinksInPath().path + "/"
        return await withCheckedContinuation { continuation in
            let thread = Thread {
                while child.isRunning {
                    let archive = child.openFiles().filter { $0.target.hasPrefix(resolved) }
                    let reached: Bool =
                        switch point {
                        case .atStart: child.isReady(running: executable, handling: SIGINT)
                        case .archiveOpened: !archive.isEmpty
                        case .midDump: archive.contains(where: { $0.size >= bytes })
                        }
                    if reached {
                        child.send(signal)
                        continuation.resume(returning: true)
                        return
                    }
                    usleep(500)
                }
                continuation.resume(returning: false)
            }
            thread.start()
        }
    }

    /// Backs the context's source up completely into `archive` (with `jobs`, by default the
    /// context's), the starting point of the restore cases; throws, naming `check`, if it fails.
    static func completeBackup(_ context: BackupFaultContext, to archive: String, jobs: Int? = nil, check: String) async throws {
        let backup = try ChildProcess(
            context.poolkit,
            ["backup", context.source, "-o", archive, "--jobs", "\(jobs ?? context.jobs)", "--quiet"] + context.strategyArguments)
        let backedUp = await backup.wait()
        guard !backedUp.bySignal, backedUp.status == 0 else {
            throw ConformanceFailure(check: check, message: "the backup failed: \(backedUp)")
        }
    }

    static func expectEmpty(_ directory: String, check: String, what: String) throws {
        let left = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0 != "lost+found" }
        guard left.isEmpty else {
            throw ConformanceFailure(check: check, message: "\(what) holds \(left.sorted().joined(separator: ", ")) afterwards")
        }
    }

    static func withScratchDirectories<T>(_ body: (String, String) async throws -> T) async throws -> T {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("poolkit-faults-\(UUID().uuidString)")
        let output = base.appendingPathComponent("output").path
        let temporary = base.appendingPathComponent("tmp").path
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }
        return try await body(output, temporary)
    }

    /// Runs a system tool to its end; its exit status.
    static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
