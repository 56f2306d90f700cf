import Foundation

/// How an archive whose strategy keeps a whole database rather than rows (SQLite's `pages`) reaches
/// another engine: it is restored into a scratch database of its own engine on this machine, backed
/// up from there with ``strategy`` (one the driver's ``PortableArchiveReader`` reads), and that
/// archive is restored into the target. The scratch database and archive live in ``directory``,
/// which ``remove()`` deletes; they need about the database's size on disk, in `$TMPDIR`.
public struct PortableStaging: Sendable {
    /// The scratch database.
    public var url: ConnectionURL
    /// The backup strategy that reads the scratch database back as rows.
    public var strategy: String
    /// A directory of its own, made for this restore, holding the scratch files.
    public var directory: String

    public init(url: ConnectionURL, strategy: String, directory: String) {
        self.url = url
        self.strategy = strategy
        self.directory = directory
    }

    /// A new, empty, private directory under `$TMPDIR`, for ``directory``, named after this process
    /// (`poolkit-staging-<pid>-XXXXXX`). Directories a killed process left there (its pid no longer
    /// runs) are removed first, since nothing else would ever remove them.
    public static func makeDirectory() throws -> String {
        removeAbandoned(in: NSTemporaryDirectory())
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("\(prefix)\(getpid())-XXXXXX").utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw PoolKitError(
                .io,
                "cannot create a scratch directory in \(NSTemporaryDirectory()): \(String(cString: strerror(errno))); set TMPDIR to a writable directory with room for the database")
        }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static let prefix = "poolkit-staging-"

    /// Removes the staging directories in `parent` whose process has ended (killed before its own
    /// cleanup ran). One whose process still runs, or whose name has no pid, is left alone.
    static func removeAbandoned(in parent: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count).prefix { $0 != "-" }), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) == -1 && errno == ESRCH {
                try? FileManager.default.removeItem(atPath: (parent as NSString).appendingPathComponent(name))
            }
        }
    }

    /// `error` from a staging step, saying so: where the scratch copy is, and what to do when the
    /// disk under it is full.
    func explaining(_ error: any Error) -> any Error {
        guard let error = error as? PoolKitError, error.code != .cancelled else { return error }
        let lower = error.message.lowercased()
        let full = error.code == .io || ["disk", "no space", "too large"].contains { lower.contains($0) }
        var explained = error
        explained.message =
            "staging the archive in a scratch database in \(directory), to read it back as rows: \(error.message)"
            + (full ? "; the scratch copy needs about the database's size free in $TMPDIR: set TMPDIR to a directory with room for it" : "")
        return explained
    }

    /// Deletes the scratch directory and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Where the archive read back from the scratch database is written.
    var archivePath: String { directory + "/staged.poolkit" }
}

extension PortableArchiveReader {
    /// nil: the driver's archives hold rows, which are read directly.
    public func staging(for manifest: ArchiveManifest) throws -> PortableStaging? { nil }
}

extension CrossEnginePlan {
    /// The staging an archive of another driver needs before it can go into `target`, if any.
    static func staging(for manifest: ArchiveManifest, registry: DriverRegistry) throws -> PortableStaging? {
        guard let source = registry.drivers.first(where: { $0.name == manifest.driver }),
            let reader = (source as? any CrossEngineDriver)?.portableReader
        else { return nil }
        return try reader.staging(for: manifest)
    }
}
