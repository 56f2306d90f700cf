#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Blocking file operations for the `pages` strategy, with errors that name the file and the cause.
/// Call them on a connection's thread, never on the cooperative pool.
///
/// Only for files no SQLite connection has open (the strategy's own temporary files): closing a
/// descriptor drops the process's POSIX locks on that file, which would break SQLite's locking of a
/// live database (see ``SQLiteVFSReader``).
enum SQLiteFileIO {
    /// Creates a new, empty file next to `path` named `.<name>.<random><suffix>` (mode 0600) and
    /// returns its descriptor and path.
    static func createTemporary(nextTo path: String, suffix: String) throws -> (fd: Int32, path: String) {
        let (directory, base) = split(path)
        return try createTemporary(in: directory, prefix: "." + base, suffix: suffix)
    }

    /// Creates a new, empty file in `directory` named `<prefix>.<random><suffix>` (mode 0600).
    static func createTemporary(in directory: String, prefix: String, suffix: String) throws -> (fd: Int32, path: String) {
        var lastError: Int32 = 0
        for _ in 0..<8 {
            let random = String(UInt64.random(in: 0...UInt64.max), radix: 16)
            let candidate = "\(directory)/\(prefix).\(random)\(suffix)"
            let fd = open(candidate, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 { return (fd, candidate) }
            lastError = errno
            if lastError != EEXIST { break }
        }
        throw error(lastError, "cannot create a temporary file in '\(directory)'")
    }

    /// Reads exactly `buffer.count` bytes at `offset`.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String) throws {
        var done = 0
        while done < buffer.count {
            let count = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if count > 0 {
                done += count
            } else if count == 0 {
                throw PoolKitError(.io, "'\(path)' ends at byte \(offset + Int64(done)), before the \(buffer.count) bytes expected from byte \(offset)")
            } else if errno != EINTR {
                throw error(errno, "cannot read '\(path)'")
            }
        }
    }

    /// Writes all of `bytes` at `offset`.
    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64, path: String) throws {
        var done = 0
        while done < bytes.count {
            let count = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if count >= 0 {
                done += count
            } else if errno != EINTR {
                throw error(errno, "cannot write '\(path)'")
            }
        }
    }

    static func truncate(_ fd: Int32, to size: Int64, path: String) throws {
        while ftruncate(fd, off_t(size)) != 0 {
            if errno != EINTR { throw error(errno, "cannot set the size of '\(path)'") }
        }
    }

    static func sync(_ fd: Int32, path: String) throws {
        while fsync(fd) != 0 {
            if errno != EINTR { throw error(errno, "cannot flush '\(path)' to disk") }
        }
    }

    /// Makes a rename or removal in `path`'s directory durable.
    static func syncDirectory(of path: String) throws {
        let directory = split(path).directory
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw error(errno, "cannot open the directory '\(directory)'") }
        defer { close(fd) }
        try sync(fd, path: directory)
    }

    static func rename(_ from: String, to: String) throws {
        guard posixRename(from, to) == 0 else { throw error(errno, "cannot rename '\(from)' to '\(to)'") }
    }

    /// Removes `path`; a missing file is not an error.
    static func remove(_ path: String) {
        _ = unlink(path)
    }

    /// The size of `path`, or nil when it does not exist.
    static func size(of path: String) throws -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw error(errno, "cannot look at '\(path)'")
        }
        return Int64(info.st_size)
    }

    /// The permission bits of `path`, or nil when it does not exist.
    static func permissions(of path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    static func setPermissions(_ fd: Int32, _ mode: mode_t, path: String) throws {
        guard fchmod(fd, mode) == 0 else { throw error(errno, "cannot set the permissions of '\(path)'") }
    }

    /// Up to `count` bytes from the start of `path` (fewer if it is shorter); nil when it does not exist.
    static func prefix(of path: String, count: Int) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw error(errno, "cannot open '\(path)'")
        }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let read = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(done)) }
            if read > 0 {
                done += read
            } else if read == 0 {
                break
            } else if errno != EINTR {
                throw error(errno, "cannot read '\(path)'")
            }
        }
        return Array(bytes.prefix(done))
    }

    /// `(directory, base name)` of `path`; the directory of a bare name is `.`.
    static func split(_ path: String) -> (directory: String, base: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    /// The directory for temporary files: `$TMPDIR`, else `/tmp`.
    static var temporaryDirectory: String {
        if let value = getenv("TMPDIR"), value.pointee != 0 {
            let directory = String(cString: value)
            return directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        }
        return "/tmp"
    }

    static func error(_ code: Int32, _ context: String) -> PoolKitError {
        let reason: String =
            switch code {
            case ENOSPC, EDQUOT: "the disk is full"
            case EACCES, EPERM: "permission denied"
            case EROFS: "the file system is read-only"
            default: strerror(code).map { String(cString: $0) } ?? "errno \(code)"
            }
        return PoolKitError(.io, "\(context): \(reason)", engineCode: "errno \(code)")
    }
}

/// `rename(2)`; the name `rename` is taken by ``SQLiteFileIO/rename(_:to:)`` inside the enum.
private func posixRename(_ from: String, _ to: String) -> Int32 {
    rename(from, to)
}
