#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A sink that writes an archive file atomically: into a file that has no name yet (Linux's
/// `O_TMPFILE`, in the destination's directory, mode 0600), which is linked under the archive's name
/// only after the trailer is written and the file is `fsync`ed.
///
/// Nothing is ever left behind: on ``abort()``, when the sink is dropped without ``commit()``, and
/// when the process is killed (`kill -9`), the unnamed file disappears with the process. Where the
/// file system cannot make unnamed files, the bytes go to `.<name>.<random>.poolkit.partial` instead,
/// locked with `flock` while it is written; creating a sink in that directory later removes such
/// files whose writer is gone (``removedStaleFiles`` lists them). Unless `overwrite` is set, an
/// existing file at the destination is an error, both when the sink is created and when it commits.
///
/// ```swift
/// let sink = try FileArchiveSink(path: "/backups/shop.poolkit")
/// let writer = try ArchiveWriter(sink: sink, manifest: manifest)
/// ```
public final class FileArchiveSink: ArchiveSink {
    /// The archive's final path.
    public let path: String
    /// Where the bytes go until ``commit()`` when the file system cannot make an unnamed file; nil
    /// when they go to an unnamed file (the usual case on Linux).
    public let temporaryPath: String?
    /// Partial archives of killed backups removed from the destination's directory when this sink
    /// was created (only on file systems without unnamed files), so a tool can say so.
    public let removedStaleFiles: [String]
    private let overwrite: Bool
    private var fd: Int32
    private var isFinished = false

    /// The archive's final path: the engine refuses to back up a database into its own file.
    public var destinationPath: String? { path }

    /// Opens the file the archive is written to. Throws `.usage` when `path` names a directory, and
    /// `.io` if the directory does not exist or is not writable, or if `path` exists and `overwrite`
    /// is false.
    public init(path: String, overwrite: Bool = false) throws {
        guard !path.isEmpty, !path.hasSuffix("/") else {
            throw PoolKitError(.usage, "'\(path)' is not a file name: give the archive a file name")
        }
        let (directory, base) = FileArchiveSink.split(path)
        if FileArchiveSink.isDirectory(path) {
            throw PoolKitError(.usage, "'\(path)' is a directory: give the archive a file name, e.g. '\(path)/backup.poolkit'")
        }
        if !overwrite && FileArchiveSink.exists(path) {
            throw PoolKitError(
                .io, "'\(path)' already exists: choose another name, remove it, or allow overwriting (--force)")
        }
        do {
            if let unnamed = try ScratchFile.createUnnamed(in: directory) {
                self.fd = unnamed
                self.temporaryPath = nil
                self.removedStaleFiles = []
            } else {
                let prefix = ".\(base).", suffix = ".poolkit.partial"
                self.removedStaleFiles = ScratchFile.removeStale(in: directory, prefix: prefix, suffix: suffix)
                (self.fd, self.temporaryPath) = try ScratchFile.createNamed(in: directory, prefix: prefix, suffix: suffix)
            }
        } catch let error as PoolKitError {
            throw PoolKitError(.io, "cannot create the archive '\(path)': \(error.message)", engineCode: error.engineCode)
        }
        self.path = path
        self.overwrite = overwrite
    }

    deinit { abort() }

    /// Appends `bytes` to the temporary file.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !isFinished else {
            throw PoolKitError(.io, "the archive '\(path)' is already committed or aborted")
        }
        try POSIXIO.writeAll(fd, bytes, target: "'\(path)'")
    }

    /// `fsync`s and closes the temporary file, moves it to ``path`` and syncs the directory.
    /// On failure the temporary file is removed and the error says why.
    public func commit() throws {
        guard !isFinished else {
            throw PoolKitError(.io, "the archive '\(path)' is already committed or aborted")
        }
        do {
            if fsync(fd) != 0 { throw POSIXIO.writeError(errno, target: "'\(path)'") }
            if let temporaryPath {
                try moveIntoPlace(temporaryPath)
            } else {
                try linkIntoPlace()
            }
            isFinished = true
            let closed = close(fd)
            fd = -1
            if closed != 0 { throw POSIXIO.writeError(errno, target: "'\(path)'") }
        } catch {
            abort()
            throw error
        }
        FileArchiveSink.syncDirectory(FileArchiveSink.split(path).directory)
    }

    /// Closes and removes the temporary file (idempotent; nothing happens after a commit).
    public func abort() {
        guard !isFinished else { return }
        isFinished = true
        if let temporaryPath { _ = unlink(temporaryPath) }
        if fd >= 0 {
            _ = close(fd)
            fd = -1
        }
    }

    /// Names the unnamed file: directly when nothing may be replaced (`linkat` never replaces), else
    /// under a temporary name renamed over the destination at once.
    private func linkIntoPlace() throws {
        guard overwrite else {
            let code = ScratchFile.link(fd, to: path)
            if code != 0 { throw moveError(code) }
            return
        }
        let (directory, base) = FileArchiveSink.split(path)
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let named = "\(directory)/.\(base).\(random).poolkit.partial"
        let code = ScratchFile.link(fd, to: named)
        if code != 0 { throw moveError(code) }
        if rename(named, path) != 0 {
            let code = errno
            _ = unlink(named)
            throw moveError(code)
        }
    }

    private func moveIntoPlace(_ temporaryPath: String) throws {
        if overwrite {
            if rename(temporaryPath, path) != 0 { throw moveError(errno) }
            return
        }
        // link() fails if the destination exists, so an existing file is never replaced.
        if link(temporaryPath, path) == 0 {
            _ = unlink(temporaryPath)
            return
        }
        let code = errno
        if code == EEXIST { throw moveError(code) }
        // File systems without hard links: check, then rename.
        if FileArchiveSink.exists(path) { throw moveError(EEXIST) }
        if rename(temporaryPath, path) != 0 { throw moveError(errno) }
    }

    private func moveError(_ code: Int32) -> PoolKitError {
        if code == EEXIST {
            return PoolKitError(
                .io, "'\(path)' appeared while the backup ran; it was left untouched and the new archive discarded: choose another name or allow overwriting",
                engineCode: "errno \(code)")
        }
        return PoolKitError(
            .io, "cannot move the finished archive into place at '\(path)': \(POSIXIO.describe(code))",
            engineCode: "errno \(code)")
    }

    private static func split(_ path: String) -> (directory: String, base: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Makes the rename durable; best effort (some file systems cannot sync a directory).
    private static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        _ = close(fd)
    }
}
