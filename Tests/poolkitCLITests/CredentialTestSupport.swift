import Foundation
import PoolKitConformance
import Testing

/// A test server's account, taken apart, so that a test can hand its password to poolkit in one
/// way at a time (a password file, an option file, an environment variable) — never on the
/// command line unless that is what it tests.
struct ServerAccount {
    var scheme: String
    var user: String
    var password: String
    var host: String
    var port: Int
    var database: String

    init(_ engine: TestServers.Engine) throws {
        let text = try #require(TestServers.url(for: engine), "\(TestServers.missingMessage(for: engine))")
        let url = try ConnectionURL(text)
        scheme = url.scheme
        user = try #require(url.user)
        password = try #require(url.password)
        host = try #require(url.host)
        port = try #require(url.port)
        database = try #require(url.database)
    }

    /// `scheme://user@host:port/database` plus `query`: everything but the password.
    func url(query: String = "") -> String {
        "\(scheme)://\(user)@\(host):\(port)/\(database)" + (query.isEmpty ? "" : "?" + query)
    }

    /// The URL with the password in it.
    var urlWithPassword: String { "\(scheme)://\(user):\(password)@\(host):\(port)/\(database)" }
}

/// A temporary directory used as `HOME` (and for other files a test writes), removed at the end.
final class TemporaryHome {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("poolkit-home-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `name` in the directory with permissions `mode`; returns the file's path.
    @discardableResult
    func write(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
        let file = path + "/" + name
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
        return file
    }
}

/// The variables through which libpq and Connector/C find credentials and servers: taken out of
/// a test's environment so that only the source under test can supply them.
let credentialVariables = [
    "PGPASSWORD", "PGPASSFILE", "PGSERVICE", "PGSERVICEFILE", "PGSYSCONFDIR", "PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER",
    "PGDATABASE", "PGSSLMODE", "PGCONNECT_TIMEOUT", "MYSQL_PWD", "MARIADB_HOME", "MYSQL_HOME", "MYSQL_HOST", "MYSQL_TCP_PORT",
]

/// Runs `poolkit ping … --count 1` with `HOME` set to `home` and only `environment` supplying credentials.
func ping(_ url: String, home: TemporaryHome, environment: [String: String] = [:], extra: [String] = []) async throws -> CommandResult {
    try await runPoolKit(
        ["ping", url, "--count", "1", "--timeout", "10s"] + extra, environment: environment.merging(["HOME": home.path]) { given, _ in given },
        unsetting: credentialVariables.filter { environment[$0] == nil })
}
