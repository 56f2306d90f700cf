import Foundation

/// One service's settings from a `pg_service.conf`, looked up where libpq looks: the user's file
/// (`PGSERVICEFILE`, else `~/.pg_service.conf`) first, then the system's
/// (`$PGSYSCONFDIR/pg_service.conf`, else libpq's compiled-in directory). libpq itself applies the
/// settings; PoolKit reads them only to know what they set (a password, a password file, a connect
/// timeout), so that it can say where a password came from and leave libpq's timeouts alone.
struct PostgresService: Sendable, Equatable {
    /// The service name.
    let name: String
    /// The file that defines it.
    let file: String
    /// Its `key=value` settings.
    let settings: [String: String]

    /// Debian's libpq looks for the system service file here when `PGSYSCONFDIR` is not set.
    static let compiledSystemDirectory = "/etc/postgresql-common"

    /// The definition of `name`, or nil when no service file defines it (libpq then refuses the
    /// connection with its own message).
    static func find(_ name: String, environment: [String: String]) -> PostgresService? {
        var files: [String] = []
        if let file = environment["PGSERVICEFILE"], !file.isEmpty {
            files.append(file)
        } else if let home = PostgresHome.directory(environment) {
            files.append(home + "/.pg_service.conf")
        }
        let systemDirectory = environment["PGSYSCONFDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? compiledSystemDirectory
        files.append(systemDirectory + "/pg_service.conf")
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            if let settings = section(name, in: text) { return PostgresService(name: name, file: file, settings: settings) }
        }
        return nil
    }

    /// The `key=value` lines of section `[name]` in a service file's text, or nil when it has none.
    static func section(_ name: String, in text: String) -> [String: String]? {
        var settings: [String: String]?
        var inSection = false
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                if inSection { break }
                inSection = line.dropFirst().prefix(while: { $0 != "]" }) == name
                if inSection { settings = [:] }
                continue
            }
            guard inSection, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            settings?[key] = String(line[line.index(after: equals)...])
        }
        return settings
    }
}

/// The home directory libpq uses for `~/.pgpass` and `~/.pg_service.conf`: `$HOME`, else the
/// user's entry in the password database.
enum PostgresHome {
    static func directory(_ environment: [String: String]) -> String? {
        if let home = environment["HOME"], !home.isEmpty { return home }
        guard let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir else { return nil }
        return String(cString: directory)
    }
}
