#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Refuses an archive output that is one of the files the database lives in, before anything is
/// dumped: `backup -o app.db --force` of `sqlite:app.db` would otherwise replace the live database
/// with its own archive.
///
/// Two names are the same file when, resolved through symbolic links (of the file and of its
/// directory), they are the same path, or when both exist and have the same device and inode
/// (hard links). Files that do not exist yet (a `-wal` a connection may create) are compared by
/// their resolved path.
enum OutputOverlap {
    /// Throws `.usage` when `output` is one of `databaseFiles`.
    static func check(output: String, databaseFiles: [String]) throws {
        guard !databaseFiles.isEmpty else { return }
        let outputFile = FileName(output)
        for file in databaseFiles where FileName(file).isSame(as: outputFile) {
            throw PoolKitError(
                .usage,
                "the output '\(output)' is the database's own file '\(file)': writing the archive there would destroy the database; give the archive another name")
        }
    }

    /// A path with what identifies the file it names.
    private struct FileName {
        var resolved: String
        var identity: (device: UInt64, inode: UInt64)?

        init(_ path: String) {
            var info = stat()
            identity = stat(path, &info) == 0 ? (UInt64(info.st_dev), UInt64(info.st_ino)) : nil
            resolved = Self.resolve(path)
        }

        func isSame(as other: FileName) -> Bool {
            if resolved == other.resolved { return true }
            guard let mine = identity, let theirs = other.identity else { return false }
            return mine.device == theirs.device && mine.inode == theirs.inode
        }

        /// The path through every symbolic link; for a missing file, its resolved directory plus its name.
        private static func resolve(_ path: String) -> String {
            if let real = realPath(path) { return real }
            let slash = path.lastIndex(of: "/")
            let directory = slash.map { String(path[..<$0]) } ?? "."
            let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
            let resolvedDirectory = realPath(directory.isEmpty ? "/" : directory) ?? directory
            return (resolvedDirectory == "/" ? "" : resolvedDirectory) + "/" + base
        }

        private static func realPath(_ path: String) -> String? {
            guard let pointer = realpath(path, nil) else { return nil }
            defer { free(pointer) }
            return String(cString: pointer)
        }
    }
}
