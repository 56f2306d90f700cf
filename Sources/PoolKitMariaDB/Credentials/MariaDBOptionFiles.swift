import Foundation

/// The option files Connector/C reads for a connection, as mariadb-dump reads them: the groups
/// `[client]`, `[client-server]`, `[client-mariadb]` and one more (`[poolkit]` by default) of
/// `/etc/my.cnf`, `/etc/mysql/my.cnf`, `$MARIADB_HOME/my.cnf` (or `$MYSQL_HOME`) and `~/.my.cnf`
/// — or of one given file only (`defaults_file`, like `--defaults-file`), with `!include` and
/// `!includedir`. Connector/C applies them itself (`MYSQL_READ_DEFAULT_FILE`,
/// `MYSQL_READ_DEFAULT_GROUP`); PoolKit reads them only to say where a password came from.
struct MariaDBOptionFiles: Sendable, Equatable {
    /// The one file to read, or nil for the usual ones.
    var file: String?
    /// The extra group read after the client groups.
    var group: String

    /// The group read besides the client groups when the URL names none.
    static let defaultGroup = "poolkit"

    /// The groups Connector/C reads, in its order.
    var groups: [String] { ["client", "client-server", "client-mariadb", group] }

    /// The files read, in order (later ones override earlier ones); only those that exist.
    func files(environment: [String: String]) -> [String] {
        if let file { return [file] }
        var directories = ["/etc", "/etc/mysql"]
        if let home = environment["MARIADB_HOME"] ?? environment["MYSQL_HOME"], !home.isEmpty { directories.append(home) }
        var files = directories.map { $0 + "/my.cnf" }
        if let home = environment["HOME"], !home.isEmpty { files.append(home + "/.my.cnf") }
        return files.filter { FileManager.default.isReadableFile(atPath: $0) }
    }

    /// Where an option was set last (the value that counts).
    struct Origin: Sendable, Equatable, CustomStringConvertible {
        var file: String
        var line: Int
        var group: String
        var description: String { "line \(line) of \(file) ([\(group)])" }
    }

    /// The file, line and group that set `option` last, or nil when none does.
    func origin(of option: String, environment: [String: String]) -> Origin? {
        var found: Origin?
        for file in files(environment: environment) { scan(file, for: option, depth: 0, into: &found) }
        return found
    }

    private func scan(_ path: String, for option: String, depth: Int, into found: inout Origin?) {
        guard depth < 8, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        let wanted = Self.normalized(option)
        var group: String?
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("!includedir") {
                let directory = line.dropFirst("!includedir".count).trimmingCharacters(in: .whitespaces)
                let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
                for name in names.sorted() where name.hasSuffix(".cnf") {
                    scan(directory + "/" + name, for: option, depth: depth + 1, into: &found)
                }
            } else if line.hasPrefix("!include") {
                scan(line.dropFirst("!include".count).trimmingCharacters(in: .whitespaces), for: option, depth: depth + 1, into: &found)
            } else if line.hasPrefix("[") {
                group = line.dropFirst().prefix(while: { $0 != "]" }).trimmingCharacters(in: .whitespaces)
            } else if let group, groups.contains(group) {
                let key = line.prefix(while: { $0 != "=" }).trimmingCharacters(in: .whitespaces)
                if Self.normalized(key) == wanted { found = Origin(file: path, line: index + 1, group: group) }
            }
        }
    }

    /// Option names compare with `-` and `_` alike, as the MariaDB tools do.
    private static func normalized(_ name: String) -> String { name.replacingOccurrences(of: "-", with: "_") }
}

/// Where Connector/C takes the password of a connection from: the URL, else the option files,
/// else `MYSQL_PWD` (deprecated by MariaDB and MySQL: other users may see a process's
/// environment on some systems). Named in the message of a failed login — never the password.
enum MariaDBPasswordSource: Sendable, Equatable, CustomStringConvertible {
    case url
    case optionFile(MariaDBOptionFiles.Origin)
    case environment
    case none(files: [String])

    static func resolve(urlPassword: String?, optionFiles: MariaDBOptionFiles?, environment: [String: String]) -> MariaDBPasswordSource {
        if let urlPassword, !urlPassword.isEmpty { return .url }
        if let optionFiles, let origin = optionFiles.origin(of: "password", environment: environment) { return .optionFile(origin) }
        if let password = environment["MYSQL_PWD"], !password.isEmpty { return .environment }
        return .none(files: optionFiles?.files(environment: environment) ?? [])
    }

    /// What to say after a refused login.
    var advice: String {
        if case .none = self { return "the server asks for a password, but \(self)" }
        return "\(self); check it and the user name"
    }

    /// `the password came from line 3 of /root/.my.cnf ([client])`, or why there was none.
    var description: String {
        switch self {
        case .url: "the password came from the URL"
        case .optionFile(let origin): "the password came from \(origin)"
        case .environment: "the password came from the MYSQL_PWD environment variable"
        case .none(let files):
            "no password was given (none in the URL, in the option files read (\(files.isEmpty ? "none found" : files.joined(separator: ", "))) or MYSQL_PWD)"
        }
    }
}
