#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension SQLiteDriver {
    /// `url` with `mode=rw` (or `mode=ro` if it says so): backup and ping open an existing file and
    /// never create one (`SQLITE_OPEN_CREATE` is off). Read-write, not read-only, because the logical
    /// strategy takes the write lock for a moment to share one snapshot; nothing is written. An
    /// in-memory URL is returned unchanged.
    public func sourceURL(for url: ConnectionURL) throws -> ConnectionURL {
        let configuration = try SQLiteConfiguration(url: url)
        guard !configuration.isInMemory, configuration.mode == .readWriteCreate else { return url }
        var existing = url
        existing.options = url.options.filter { $0.key != "mode" } + [(key: "mode", value: SQLiteConfiguration.Mode.readWrite.rawValue)]
        return existing
    }

    /// The database file and the `-wal`, `-shm` and `-journal` files SQLite keeps beside it, both as
    /// the URL names them and through symbolic links (SQLite names its companions after the real
    /// file). None for an in-memory database.
    public func localFiles(for url: ConnectionURL) throws -> [String] {
        let configuration = try SQLiteConfiguration(url: url)
        guard !configuration.isInMemory else { return [] }
        var bases = [configuration.path]
        if let pointer = realpath(configuration.path, nil) {
            bases.append(String(cString: pointer))
            free(pointer)
        }
        return bases.flatMap { base in ["", "-wal", "-shm", "-journal"].map { base + $0 } }
    }
}
