import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A database-sized scratch file of the `pages` strategy (the copy a backup streams, the file a
/// restore assembles) that a killed process never leaves behind.
///
/// On Linux it has no name (``ScratchFile/createUnnamed(in:mode:)``); SQLite, which opens files by
/// name, gets one for the instant of `sqlite3_open_v2` only (``withName(_:)``), and keeps working on
/// the unnamed file afterwards. Elsewhere it is `<prefix><random><suffix>`, locked while open, and
/// creating the next one in the same directory removes those of killed processes (logged at
/// `notice`). The descriptor is closed — and a named file removed — when the value goes away.
final class SQLiteScratchFile: Sendable {
    let fd: Int32
    /// The file's name while it has one (the fallback), for messages and cleanup.
    private let name: Mutex<String?>
    /// How messages refer to the file.
    let label: String
    /// Where the file is: a name for it must be on the same file system.
    private let directory: String

    /// Creates an empty scratch file in `directory`. Connection thread.
    init(in directory: String, prefix: String, suffix: String, label: String, logger: Logger) throws {
        self.label = label
        self.directory = directory
        if let fd = try ScratchFile.createUnnamed(in: directory) {
            self.fd = fd
            self.name = Mutex(nil)
            return
        }
        let removed = ScratchFile.removeStale(in: directory, prefix: prefix, suffix: suffix)
        if !removed.isEmpty {
            logger.notice(
                "removed scratch files a killed poolkit process left behind",
                metadata: ["files": "\(removed.joined(separator: ", "))"])
        }
        let (fd, path) = try ScratchFile.createNamed(in: directory, prefix: prefix, suffix: suffix)
        self.fd = fd
        self.name = Mutex(path)
    }

    deinit {
        if let path = name.withLock({ $0 }) { SQLiteFileIO.remove(path) }
        close(fd)
    }

    /// Runs `body` with a path that names the file (an SQLite open), then removes that name: SQLite
    /// keeps its own descriptor, so the file lives on without one. Connection thread.
    func withName<T>(_ body: (String) throws -> T) throws -> T {
        let path: String
        if let named = name.withLock({ $0 }) {
            path = named
        } else {
            var linked: String?
            var lastError: Int32 = 0
            for _ in 0..<8 where linked == nil {
                let candidate = "\(directory)/.poolkit-open.\(String(UInt64.random(in: 0...UInt64.max), radix: 16)).db"
                lastError = ScratchFile.link(fd, to: candidate)
                if lastError == 0 { linked = candidate } else if lastError != EEXIST { break }
            }
            guard let linked else {
                throw SQLiteFileIO.error(lastError, "cannot give the \(label) a name for SQLite to open")
            }
            path = linked
        }
        defer {
            SQLiteFileIO.remove(path)
            name.withLock { $0 = nil }
        }
        return try body(path)
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        try SQLiteFileIO.write(fd, bytes, at: offset, path: label)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws {
        try SQLiteFileIO.read(fd, into: buffer, at: offset, path: label)
    }

    func truncate(to size: Int64) throws {
        try SQLiteFileIO.truncate(fd, to: size, path: label)
    }
}
