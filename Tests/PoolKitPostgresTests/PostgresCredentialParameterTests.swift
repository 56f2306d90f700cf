import Foundation
import Testing

@testable import PoolKitPostgres

/// What the driver hands libpq for credentials and timeouts, from a URL and an environment
/// (passed in, so nothing here depends on the test process's own).
@Suite("PostgreSQL connect parameters: timeouts, services and password files")
struct PostgresCredentialParameterTests {
    private func value(_ keyword: String, _ parameters: PostgresConnectParameters) -> String? {
        parameters.keywords.lastIndex(of: keyword).map { parameters.values[$0] }
    }

    @Test("connect_timeout: the URL's, else libpq's own (PGCONNECT_TIMEOUT or the service's), else 10")
    func connectTimeout() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("pk-pg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let base = ["HOME": home]
        #expect(value("connect_timeout", try PostgresConnectParameters(ConnectionURL("postgres:///db"), environment: base)) == "10")
        let fromEnvironment = try PostgresConnectParameters(ConnectionURL("postgres:///db"), environment: base.merging(["PGCONNECT_TIMEOUT": "3"]) { $1 })
        #expect(value("connect_timeout", fromEnvironment) == nil, "libpq must be left to read PGCONNECT_TIMEOUT")
        let urlWins = try PostgresConnectParameters(
            ConnectionURL("postgres:///db?connect_timeout=7"), environment: base.merging(["PGCONNECT_TIMEOUT": "3"]) { $1 })
        #expect(value("connect_timeout", urlWins) == "7")
        try "[slow]\nconnect_timeout=30\n".write(toFile: home + "/.pg_service.conf", atomically: false, encoding: .utf8)
        let fromService = try PostgresConnectParameters(ConnectionURL("postgres://?service=slow"), environment: base)
        #expect(value("connect_timeout", fromService) == nil, "libpq must be left to take the service's connect_timeout")
        #expect(value("service", fromService) == "slow")
    }

    @Test("a password file others may read is replaced by no file, so libpq does not print its warning")
    func openPassFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pk-pgpass-\(UUID().uuidString)").path
        try "*:*:*:*:x\n".write(toFile: file, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: file)
        let open = try PostgresConnectParameters(ConnectionURL("postgres:///db"), environment: ["PGPASSFILE": file])
        #expect(open.passwordSource == .ignoredPassFile(PostgresPassFile(path: file), mode: 0o640))
        #expect(value("passfile", open) == PostgresConnectParameters.noPassFile)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        let closed = try PostgresConnectParameters(ConnectionURL("postgres:///db?passfile=\(file)"), environment: [:])
        #expect(closed.passwordSource == .passFile(PostgresPassFile(path: file)))
        #expect(value("passfile", closed) == file)
    }

    @Test("the password's source follows libpq's order: URL, service, PGPASSWORD, password file")
    func passwordOrder() throws {
        let environment = ["PGPASSWORD": "p", "HOME": "/nonexistent"]
        #expect(try PostgresConnectParameters(ConnectionURL("postgres://u:p@h/db"), environment: environment).passwordSource == .url)
        #expect(try PostgresConnectParameters(ConnectionURL("postgres://u@h/db"), environment: environment).passwordSource == .environment)
        #expect(
            try PostgresConnectParameters(ConnectionURL("postgres://u@h/db"), environment: ["HOME": "/nonexistent"]).passwordSource
                == .none(passFile: "/nonexistent/.pgpass"))
    }

    @Test("password file lines match as libpq matches them: wildcards, escapes, localhost for the default socket")
    func passFileMatching() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pk-pgpass-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "# comment\ndb1:5432:shop:app:x\n*:5433:*:app:y\nlocalhost:5432:a\\:b:app:z\n".write(toFile: file, atomically: false, encoding: .utf8)
        let passFile = PostgresPassFile(path: file)
        #expect(passFile.matchingLine(host: "db1", port: "5432", database: "shop", user: "app") == 2)
        #expect(passFile.matchingLine(host: "db2", port: "5433", database: "any", user: "app") == 3)
        #expect(passFile.matchingLine(host: "/var/run/postgresql", port: nil, database: "a:b", user: "app") == 4)
        #expect(passFile.matchingLine(host: "db2", port: "5432", database: "shop", user: "app") == nil)
    }
}
