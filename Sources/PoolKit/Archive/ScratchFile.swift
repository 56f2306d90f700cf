#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Files that only this process needs while it runs, made so that a killed process (`kill -9`)
/// leaves nothing behind.
///
/// Where Linux allows it, the file has no name at all (`O_TMPFILE`): it vanishes with the last
/// descriptor, and ``link(_:to:)`` gives it a name only when it is complete. Where it does not (other
/// systems, file systems without `O_TMPFILE`), the file gets a name of the caller's pattern and an
/// exclusive `flock` held for as long as the descriptor is open; ``removeStale(in:prefix:suffix:)``
/// then removes files of that pattern whose lock nobody holds, i.e. those of killed processes.
package enum ScratchFile {
    /// A new unnamed file in `directory` (mode `mode`, read-write), or nil when the system or the
    /// file system cannot make one (the caller then falls back to a named, locked file).
    /// Throws `.io` for other failures (a missing directory, no permission, a full disk).
    package static func createUnnamed(in directory: String, mode: mode_t = 0o600) throws -> Int32? {
        #if os(Linux) && (arch(x86_64) || arch(arm64))
        // O_TMPFILE is __O_TMPFILE | O_DIRECTORY; Swift does not import the macro.
        let unnamed: Int32 = 0o20000000 | O_DIRECTORY
        let fd = open(directory, unnamed | O_RDWR | O_CLOEXEC, mode)
        if fd >= 0 { return fd }
        switch errno {
        case EOPNOTSUPP, EISDIR, EINVAL: return nil
        case let code: throw error(code, "cannot create a file in '\(directory)'")
        }
        #else
        return nil
        #endif
    }

    /// Gives the unnamed file `fd` the name `path`; fails with `EEXIST` (as `errno`) when `path`
    /// exists. Returns 0 on success or the `errno` value.
    package static func link(_ fd: Int32, to path: String) -> Int32 {
        #if os(Linux)
        let followLinks: Int32 = 0x400  // AT_SYMLINK_FOLLOW
        if linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, path, followLinks) == 0 { return 0 }
        return errno
        #else
        return ENOTSUP
        #endif
    }

    /// Creates `<directory>/<prefix><random><suffix>` (mode 0600), locked with an exclusive `flock`
    /// that lasts until the descriptor is closed, and returns its descriptor and path.
    package static func createNamed(in directory: String, prefix: String, suffix: String) throws -> (fd: Int32, path: String) {
        var lastError: Int32 = 0
        for _ in 0..<8 {
            let random = String(UInt64.random(in: 0...UInt64.max), radix: 16)
            let candidate = "\(directory)/\(prefix)\(random)\(suffix)"
            let fd = open(candidate, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 {
                _ = flock(fd, LOCK_EX | LOCK_NB)  // new and unseen by others: cannot be contended
                return (fd, candidate)
            }
            lastError = errno
            if lastError != EEXIST { break }
        }
        throw error(lastError, "cannot create a temporary file in '\(directory)'")
    }

    /// Removes the files `<directory>/<prefix>*<suffix>` that no live process holds locked (made by
    /// ``createNamed(in:prefix:suffix:)`` in a process that was killed) and returns their paths.
    package static func removeStale(in directory: String, prefix: String, suffix: String) -> [String] {
        guard let stream = opendir(directory) else { return [] }
        defer { closedir(stream) }
        var removed: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else { continue }
            let path = "\(directory)/\(name)"
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { continue }
            // A file a running process writes is locked; a killed process's lock went with it.
            if flock(fd, LOCK_EX | LOCK_NB) == 0, unlink(path) == 0 { removed.append(path) }
            close(fd)
        }
        return removed
    }

    private static func error(_ code: Int32, _ context: String) -> PoolKitError {
        let reason: String =
            switch code {
            case ENOENT: "the directory does not exist"
            case ENOSPC, EDQUOT: "the disk is full"
            case EACCES, EPERM: "permission denied"
            case EROFS: "the file system is read-only"
            default: POSIXIO.describe(code)
            }
        return PoolKitError(.io, "\(context): \(reason)", engineCode: "errno \(code)")
    }
}
