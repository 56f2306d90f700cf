/// Where libpq takes the password of a connection from, in libpq's order: the URL, the service
/// file's `password`, `PGPASSWORD`, then the password file. Named in the message of a failed
/// login — never the password itself.
enum PostgresPasswordSource: Sendable, Equatable {
    /// The URL's `user:password@` (or `?password=`).
    case url
    /// The `password` of a service in a `pg_service.conf`.
    case service(name: String, file: String)
    /// The `PGPASSWORD` environment variable.
    case environment
    /// A password file that libpq reads; the line that serves this connection is found after the
    /// attempt, when libpq's host, port, database and user are known.
    case passFile(PostgresPassFile)
    /// A password file that libpq ignores because group or others may read it.
    case ignoredPassFile(PostgresPassFile, mode: UInt16)
    /// A password file that is not a plain file.
    case unusablePassFile(PostgresPassFile)
    /// No password anywhere.
    case none(passFile: String?)

    /// Decides the source before connecting, from the URL's password, its `passfile` option, the
    /// service (URL `service` or `PGSERVICE`) and the environment.
    static func resolve(
        urlPassword: String?, passFileOption: String?, service: PostgresService?, environment: [String: String]
    ) -> PostgresPasswordSource {
        if let urlPassword, !urlPassword.isEmpty { return .url }
        if let service, let password = service.settings["password"], !password.isEmpty {
            return .service(name: service.name, file: service.file)
        }
        if let password = environment["PGPASSWORD"], !password.isEmpty { return .environment }
        guard let file = PostgresPassFile.locate(option: passFileOption ?? service?.settings["passfile"], environment: environment) else {
            return .none(passFile: nil)
        }
        switch file.state {
        case .missing: return .none(passFile: file.path)
        case .notPlainFile: return .unusablePassFile(file)
        case .tooOpen(let mode): return .ignoredPassFile(file, mode: mode)
        case .readable: return .passFile(file)
        }
    }

    /// True when libpq would skip the password file with a warning it prints on stderr itself; the
    /// driver then points libpq at no file at all (the library never prints) and says it in errors.
    var libpqWouldWarn: Bool {
        switch self {
        case .ignoredPassFile, .unusablePassFile: true
        default: false
        }
    }

    /// Where the password came from, for the message of a failed login: `line 3 of /root/.pgpass`,
    /// `the PGPASSWORD environment variable`, …; or why there was none. `target` is what libpq
    /// connected to (host, port, database, user), which picks the password file's line.
    func describe(target: PostgresTarget) -> String {
        switch self {
        case .url:
            return "the password came from the URL"
        case .service(let name, let file):
            return "the password came from service '\(name)' in \(file)"
        case .environment:
            return "the password came from the PGPASSWORD environment variable"
        case .passFile(let file):
            if let line = file.matchingLine(host: target.host, port: target.port, database: target.database, user: target.user) {
                return "the password came from line \(line) of \(file.path)"
            }
            return "no password was given: no line of \(file.path) matches \(target.passFileKey) (and none in the URL or PGPASSWORD)"
        case .ignoredPassFile(let file, let mode):
            return "no password was given: libpq ignored \(file.path) because its mode is \(PostgresPassFile.octal(mode)) "
                + "and libpq reads a password file only when group and others cannot (chmod 600 \(file.path))"
        case .unusablePassFile(let file):
            return "no password was given: libpq ignored \(file.path) because it is not a plain file"
        case .none(let passFile):
            let file = passFile.map { ", no \($0)" } ?? ""
            return "no password was given (none in the URL, no PGPASSWORD\(file), no service password)"
        }
    }
}

/// What libpq connected to (or tried to), as it resolved URL, service, environment and defaults:
/// `PQhost`, `PQport`, `PQdb`, `PQuser`.
struct PostgresTarget: Sendable, Equatable {
    var host: String?
    var port: String?
    var database: String?
    var user: String?

    /// `host:port:database:user`, the key a password file line must match.
    var passFileKey: String {
        "\(host ?? "localhost"):\(port ?? "5432"):\(database ?? ""):\(user ?? "")"
    }

    /// `host:port`, or `socket DIR/.s.PGSQL.PORT`.
    var endpoint: String {
        let port = port ?? "5432"
        guard let host, !host.isEmpty else { return "the default socket (port \(port))" }
        if host.hasPrefix("/") { return "socket \(host)/.s.PGSQL.\(port)" }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
