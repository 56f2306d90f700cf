#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A sink that writes an archive file atomically: into a hidden temporary file in the same
/// directory (`.<name>.<random>.poolkit.partial`, mode 0600), which becomes the archive only
/// after the trailer is written and the file is `fsync`ed.
///
/// On ``abort()`` — and if the sink is dropped without ``commit()`` — the temporary file is
/// removed, so a failed or cancelled backup leaves nothing behind and never damages an
/// existing file. Unless `overwrite` is set, an existing file at the destination is an error,
/// both when the sink is created and when it commits.
///
/// ```swift
/// let sink = try FileArchiveSink(path: "/backups/shop.poolkit")
/// let writer = try ArchiveWriter(sink: sink, manifest: manifest)
/// ```
public final class FileArchiveSink: ArchiveSink {
    /// The archive's final path.
    public let path: String
    /// Where the bytes go until ``commit()``.
    public let temporaryPath: String
    private let overwrite: Bool
    private var fd: Int32
    private var isFinished = false

    /// Creates the temporary file next to `path`. Throws `.io` if the directory does not exist
    /// or is not writable, or if `path` exists and `overwrite` is false.
    public init(path: String, overwrite: Bool = false) throws {
        guard !path.isEmpty, !path.hasSuffix("/") else {
            throw PoolKitError(.usage, "'\(path)' is not a file name: give the archive a file name")
        }
        let (directory, base) = FileArchiveSink.split(path)
        if !overwrite && FileArchiveSink.exists(path) {
            throw PoolKitError(
                .io, "'\(path)' already exists: choose another name, remove it, or allow overwriting (--force)")
        }
        var fd: Int32 = -1
        var temporaryPath = ""
        for _ in 0..<8 {
            let random = String(UInt64.random(in: 0...UInt64.max), radix: 16)
            temporaryPath = "\(directory)/.\(base).\(random).poolkit.partial"
            fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else {
            let code = errno
            let reason =
                switch code {
                case ENOENT: "the directory '\(directory)' does not exist"
                case EACCES, EPERM: "permission denied in '\(directory)'"
                case EROFS: "'\(directory)' is on a read-only file system"
                case ENOSPC, EDQUOT: "the disk is full"
                default: POSIXIO.describe(code)
                }
            throw PoolKitError(.io, "cannot create the archive '\(path)': \(reason)", engineCode: "errno \(code)")
        }
        self.path = path
        self.temporaryPath = temporaryPath
        self.overwrite = overwrite
        self.fd = fd
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
            let closed = close(fd)
            fd = -1
            if closed != 0 { throw POSIXIO.writeError(errno, target: "'\(path)'") }
            try moveIntoPlace()
            isFinished = true
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
        if fd >= 0 {
            _ = close(fd)
            fd = -1
        }
        _ = unlink(temporaryPath)
    }

    private func moveIntoPlace() throws {
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
