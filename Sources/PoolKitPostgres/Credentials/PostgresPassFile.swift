import Foundation

/// A libpq password file (`~/.pgpass`, `PGPASSFILE`, `passfile=`): where it is, whether libpq
/// will read it, and which line serves a connection — read by PoolKit only to say where a
/// password came from (libpq reads the password itself).
struct PostgresPassFile: Sendable, Equatable {
    /// The file's path.
    let path: String

    /// What libpq makes of the file.
    enum State: Sendable, Equatable {
        /// It does not exist (or cannot be examined).
        case missing
        /// It is not a plain file: libpq ignores it.
        case notPlainFile
        /// Group or others may access it: libpq ignores it (and would print a warning).
        case tooOpen(mode: UInt16)
        /// libpq reads it.
        case readable
    }

    /// The file libpq reads when nothing else gives a password: the `passfile` option (from the
    /// URL or the service), else `PGPASSFILE`, else `~/.pgpass`.
    static func locate(option: String?, environment: [String: String]) -> PostgresPassFile? {
        if let option, !option.isEmpty { return PostgresPassFile(path: option) }
        if let file = environment["PGPASSFILE"], !file.isEmpty { return PostgresPassFile(path: file) }
        return PostgresHome.directory(environment).map { PostgresPassFile(path: $0 + "/.pgpass") }
    }

    /// What libpq makes of the file now.
    var state: State {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        guard info.st_mode & S_IFMT == S_IFREG else { return .notPlainFile }
        let mode = UInt16(info.st_mode & 0o7777)
        return mode & 0o077 != 0 ? .tooOpen(mode: mode) : .readable
    }

    /// The 1-based number of the first line that serves the connection, as libpq matches it:
    /// `hostname:port:database:username:password`, `*` matching anything, `\` escaping `:` and `\`.
    /// A unix socket in the default directory (or no host) matches `localhost`.
    func matchingLine(host: String?, port: String?, database: String?, user: String?) -> Int? {
        guard let database, !database.isEmpty, let user, !user.isEmpty,
            let text = try? String(contentsOfFile: path, encoding: .utf8)
        else { return nil }
        var hostName = host ?? ""
        if hostName.isEmpty || hostName.hasPrefix("/") && hostName == Self.defaultSocketDirectory { hostName = "localhost" }
        let wanted = [hostName, port.flatMap { $0.isEmpty ? nil : $0 } ?? "5432", database, user]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("#") { continue }
            let fields = Self.fields(line)
            guard fields.count >= 5 else { continue }
            if zip(fields.prefix(4), wanted).allSatisfy({ $0.0 == "*" || $0.0 == $0.1 }) { return index + 1 }
        }
        return nil
    }

    /// Debian's libpq default socket directory.
    static let defaultSocketDirectory = "/var/run/postgresql"

    /// A line split at unescaped `:`, with `\` escapes removed.
    static func fields(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }

    /// `0644` for messages.
    static func octal(_ mode: UInt16) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
