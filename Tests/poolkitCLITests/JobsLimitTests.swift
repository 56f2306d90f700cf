import Foundation
import PoolKitConformance
import Testing

/// `--jobs` beyond what the server accepts from the user is a warning before anything is opened,
/// read from the server's own limits (a role's CONNECTION LIMIT, MariaDB's MAX_USER_CONNECTIONS).
@Suite("poolkit warns when --jobs exceeds the server's connection limit")
struct JobsLimitTests {
    private func client(_ path: String, _ arguments: [String], environment: [String: String]) throws {
        let result = try runProcessBlocking(path, arguments, environment: environment)
        guard result.status == 0 else { throw CLITestFailure("\(path) failed: \(result.standardError)") }
    }

    /// Runs a backup as `url` with 4 jobs into a new file and checks the warning came first, naming `limit`.
    private func expectWarning(_ url: String, password: (String, String), limit: String) async throws {
        let home = try TemporaryHome()
        let output = home.path + "/x.poolkit"
        let result = try await runPoolKit(
            ["backup", url, "--jobs", "4", "--schema-only", "-o", output], environment: [password.0: password.1, "HOME": home.path])
        let lines = result.standardError.split(separator: "\n")
        let warning = try #require(lines.firstIndex { $0.contains("--jobs 4 opens 5 connections") }, "no warning in: \(result.standardError)")
        #expect(lines[warning].contains(limit), "\(lines[warning])")
        #expect(lines[warning].contains("accepts 2 more"), "\(lines[warning])")
        #expect(warning == 0, "the warning is not the first thing said: \(result.standardError)")
        #expect(!result.all.contains(password.1))
    }

    @Test("PostgreSQL: a role with CONNECTION LIMIT 2", .enabled(if: TestServers.shouldRun(.postgres)))
    func postgresRoleLimit() async throws {
        let account = try ServerAccount(.postgres)
        let role = "pk_limited_\(UInt32.random(in: 0...UInt32.max))"
        let password = "pw-\(UUID().uuidString.prefix(8))"
        let psql = { (sql: String) in
            try self.client("/usr/bin/psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", account.url(), "-c", sql], environment: ["PGPASSWORD": account.password])
        }
        try psql("CREATE ROLE \(role) LOGIN PASSWORD '\(password)' CONNECTION LIMIT 2")
        defer { _ = try? psql("DROP ROLE IF EXISTS \(role)") }
        try await expectWarning(
            "postgres://\(role)@\(account.host):\(account.port)/\(account.database)?acquire_timeout=2s", password: ("PGPASSWORD", password),
            limit: "CONNECTION LIMIT 2")
    }

    @Test("MariaDB: an account WITH MAX_USER_CONNECTIONS 2", .enabled(if: TestServers.shouldRun(.mariadb)))
    func mariadbUserLimit() async throws {
        let account = try ServerAccount(.mariadb)
        let user = "pk_lim_\(UInt32.random(in: 0...UInt32.max))"
        let password = "pw-\(UUID().uuidString.prefix(8))"
        let mariadb = { (sql: String) in
            try self.client(
                "/usr/bin/mariadb", ["--no-defaults", "-h", account.host, "-P", "\(account.port)", "-u", account.user, "-e", sql],
                environment: ["MYSQL_PWD": account.password])
        }
        try mariadb("CREATE USER '\(user)'@'%' IDENTIFIED BY '\(password)' WITH MAX_USER_CONNECTIONS 2; GRANT SELECT ON \(account.database).* TO '\(user)'@'%'")
        defer { _ = try? mariadb("DROP USER IF EXISTS '\(user)'@'%'") }
        try await expectWarning(
            "mariadb://\(user)@\(account.host):\(account.port)/\(account.database)?acquire_timeout=2s", password: ("MYSQL_PWD", password),
            limit: "max_user_connections 2")
    }
}
