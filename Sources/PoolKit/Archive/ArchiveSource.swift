#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where an ``ArchiveReader`` gets the archive's bytes: a file, standard input, a pipe.
///
/// The reader calls it from one thread at a time, sequentially; it never seeks.
public protocol ArchiveSource: AnyObject {
    /// Reads up to `buffer.count` bytes into `buffer` and returns how many; 0 means the end of
    /// the stream. Throws a ``PoolKitError`` (`.io`) when reading fails.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// What wakes a ``read(into:)`` that waits for input, when the source can wait indefinitely (a
    /// pipe); nil when reads never wait long (a regular file).
    var readInterruption: ReadInterruption? { get }
}

extension ArchiveSource {
    /// nil: reads never wait long.
    public var readInterruption: ReadInterruption? { nil }
}

/// A source reading a file or an open file descriptor (standard input, a pipe).
///
/// ```swift
/// let reader = try ArchiveReader(source: FileArchiveSource(path: "shop.poolkit"))
/// let fromPipe = try ArchiveReader(source: FileArchiveSource.standardInput())
/// ```
public final class FileArchiveSource: ArchiveSource {
    private let fd: Int32
    private let name: String
    private let closeWhenDone: Bool
    /// Set for pipes and terminals, whose reads may wait indefinitely.
    public let readInterruption: ReadInterruption?

    /// Opens the file at `path` for reading. Throws `.io` if it cannot be opened.
    public init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            let reason = code == ENOENT ? "no such file" : POSIXIO.describe(code)
            throw PoolKitError(.io, "cannot open the archive '\(path)': \(reason)", engineCode: "errno \(code)")
        }
        #if os(Linux)
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        #endif
        self.fd = fd
        self.name = "'\(path)'"
        self.closeWhenDone = true
        self.readInterruption = nil
    }

    /// A source reading `fileDescriptor`; `name` is how errors refer to it. The descriptor is
    /// closed when the source is released only if `closeWhenDone`.
    public init(fileDescriptor: Int32, name: String, closeWhenDone: Bool = false) {
        self.fd = fileDescriptor
        self.name = name
        self.closeWhenDone = closeWhenDone
        var info = stat()
        let isRegular = fstat(fileDescriptor, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        self.readInterruption = isRegular ? nil : ReadInterruption()
    }

    /// A source reading the process's standard input.
    public static func standardInput() -> FileArchiveSource {
        FileArchiveSource(fileDescriptor: STDIN_FILENO, name: "standard input")
    }

    deinit {
        if closeWhenDone { _ = close(fd) }
    }

    /// Reads what is available (retrying on `EINTR`, waiting on non-blocking descriptors); 0 at the end.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try readInterruption?.waitForInput(fd, source: name)
        return try POSIXIO.readSome(fd, into: buffer, source: name)
    }
}
