#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where an ``ArchiveWriter`` puts the archive's bytes: a file, standard output, a pipe.
///
/// The writer calls a sink from one dedicated thread only, in order: ``write(_:)`` for every
/// frame, then ``commit()`` once after the trailer — or ``abort()`` if the backup failed or was
/// cancelled. Calls may block; they never run on Swift's cooperative thread pool.
public protocol ArchiveSink: AnyObject {
    /// Writes all of `bytes`, or throws a ``PoolKitError`` (`.io`) saying why not.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Makes the complete archive durable and visible (flush, `fsync`, rename into place).
    func commit() throws
    /// Discards what was written, as far as the destination allows (a temporary file is removed;
    /// bytes already sent into a pipe cannot be taken back, and the reader will find no trailer).
    func abort()
    /// The file the archive becomes on ``commit()``, when the sink writes one (nil for a pipe): the
    /// engine refuses to start when it is one of the database's own files.
    var destinationPath: String? { get }
}

extension ArchiveSink {
    /// nil: the sink writes no named file.
    public var destinationPath: String? { nil }
}

/// A sink that writes to an open file descriptor: standard output, a pipe, a socket, a file.
///
/// Handles partial writes, `EINTR` and non-blocking descriptors. On ``commit()`` a regular file
/// is `fsync`ed. Writing into a pipe whose reader has gone raises `SIGPIPE`, which ends the
/// process unless it is ignored (`signal(SIGPIPE, SIG_IGN)`; the `poolkit` tool does so); with
/// it ignored, the write fails with a "broken pipe" error.
///
/// ```swift
/// let writer = try ArchiveWriter(sink: FileDescriptorArchiveSink.standardOutput(), manifest: manifest)
/// ```
public final class FileDescriptorArchiveSink: ArchiveSink {
    private let fd: Int32
    private let name: String
    private let closeWhenDone: Bool
    private var isClosed = false

    /// A sink writing to `fileDescriptor`. `name` is how errors refer to it. The descriptor is
    /// closed after commit or abort only if `closeWhenDone`.
    public init(fileDescriptor: Int32, name: String, closeWhenDone: Bool = false) {
        self.fd = fileDescriptor
        self.name = name
        self.closeWhenDone = closeWhenDone
    }

    /// A sink writing to the process's standard output.
    public static func standardOutput() -> FileDescriptorArchiveSink {
        FileDescriptorArchiveSink(fileDescriptor: STDOUT_FILENO, name: "standard output")
    }

    deinit { closeIfOwned() }

    /// Writes all of `bytes`; `ENOSPC`, `EPIPE` and other failures become `.io` errors with advice.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try POSIXIO.writeAll(fd, bytes, target: name)
    }

    /// `fsync`s a regular file (pipes and terminals need nothing) and closes the descriptor if owned.
    public func commit() throws {
        defer { closeIfOwned() }
        if fsync(fd) != 0 {
            let code = errno
            // Pipes, sockets and terminals cannot be synced; that is not a failure.
            if code != EINVAL && code != EROFS && code != ENOTSUP && code != EBADF {
                throw POSIXIO.writeError(code, target: name)
            }
        }
    }

    /// Closes the descriptor if owned; bytes already written cannot be taken back.
    public func abort() { closeIfOwned() }

    private func closeIfOwned() {
        guard closeWhenDone, !isClosed else { return }
        isClosed = true
        _ = close(fd)
    }
}
