import Foundation
import PoolKitConformance
import Testing

/// Every place libpq takes credentials and connection settings from, against the PostgreSQL test
/// server (password authentication): the URL carries no password, one source at a time does.
@Suite(
    "poolkit with PostgreSQL credentials from libpq's own sources",
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresCredentialTests {
    private func expectConnected(_ result: CommandResult, _ account: ServerAccount, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 0, "\(result.all)", sourceLocation: sourceLocation)
        #expect(result.standardOutput.contains("server version: 15"), sourceLocation: sourceLocation)
        #expect(!result.all.contains(account.password), sourceLocation: sourceLocation)
    }

    /// A refused login exits 3, names `source` and never shows `wrongPassword` or the real one.
    private func expectRefused(
        _ result: CommandResult, naming source: String, hiding wrongPassword: String, _ account: ServerAccount,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status == 3, "\(result.all)", sourceLocation: sourceLocation)
        #expect(result.standardError.contains(source), "\(result.standardError)", sourceLocation: sourceLocation)
        #expect(!result.all.contains(wrongPassword), sourceLocation: sourceLocation)
        #expect(!result.all.contains(account.password), sourceLocation: sourceLocation)
    }

    private func passFileLine(_ account: ServerAccount, password: String) -> String {
        "\(account.host):\(account.port):\(account.database):\(account.user):\(password)\n"
    }

    @Test("PGPASSWORD gives the password; a wrong one is named as the source")
    func environmentPassword() async throws {
        let account = try ServerAccount(.postgres)
        let home = try TemporaryHome()
        expectConnected(try await ping(account.url(), home: home, environment: ["PGPASSWORD": account.password]), account)
        let wrong = "wrong-\(UUID().uuidString.prefix(8))"
        expectRefused(
            try await ping(account.url(), home: home, environment: ["PGPASSWORD": wrong]), naming: "PGPASSWORD environment variable",
            hiding: wrong, account)
    }

    @Test("~/.pgpass gives the password; a wrong one is named by its line")
    func homePassFile() async throws {
        let account = try ServerAccount(.postgres)
        let home = try TemporaryHome()
        let file = try home.write(".pgpass", "# a comment\n" + passFileLine(account, password: account.password))
        expectConnected(try await ping(account.url(), home: home), account)
        let wrong = "wrong-\(UUID().uuidString.prefix(8))"
        try home.write(".pgpass", "# a comment\nother.example:5432:*:*:x\n" + passFileLine(account, password: wrong))
        expectRefused(try await ping(account.url(), home: home), naming: "line 3 of \(file)", hiding: wrong, account)
    }

    @Test("a ~/.pgpass that others may read is ignored, as libpq does, and the message says why")
    func openPassFile() async throws {
        let account = try ServerAccount(.postgres)
        let home = try TemporaryHome()
        let file = try home.write(".pgpass", passFileLine(account, password: account.password), mode: 0o644)
        let result = try await ping(account.url(), home: home)
        expectRefused(result, naming: "libpq ignored \(file) because its mode is 0644", hiding: account.password, account)
        #expect(result.standardError.contains("chmod 600"))
        // libpq's own warning is not printed: the library never prints, the message says it.
        #expect(!result.standardError.contains("WARNING"))
    }

    @Test("PGPASSFILE and ?passfile= name the password file")
    func namedPassFile() async throws {
        let account = try ServerAccount(.postgres)
        let home = try TemporaryHome()
        let file = try home.write("secrets/pg.pass", passFileLine(account, password: account.password))
        expectConnected(try await ping(account.url(), home: home, environment: ["PGPASSFILE": file]), account)
        let query = "passfile=" + (file.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? file)
        expectConnected(try await ping(account.url(query: query), home: home), account)
    }

    @Test("PGSERVICE with PGSERVICEFILE, and postgres://?service= with PGSYSCONFDIR, give everything")
    func services() async throws {
        let account = try ServerAccount(.postgres)
        let home = try TemporaryHome()
        let service = """
            # services for the test
            [other]
            host=192.0.2.1

            [shop]
            host=\(account.host)
            port=\(account.port)
            user=\(account.user)
            dbname=\(account.database)
            password=\(account.password)

            """
        let userFile = try home.write("services.conf", service)
        expectConnected(try await ping("postgres://", home: home, environment: ["PGSERVICE": "shop", "PGSERVICEFILE": userFile]), account)
        try home.write("etc/pg_service.conf", service)
        expectConnected(try await ping("postgres://?service=shop", home: home, environment: ["PGSYSCONFDIR": home.path + "/etc"]), account)
        // A wrong password in the service is named with the service and its file.
        let wrong = "wrong-\(UUID().uuidString.prefix(8))"
        try home.write("services.conf", service.replacingOccurrences(of: "password=\(account.password)", with: "password=\(wrong)"))
        expectRefused(
            try await ping("postgres://?service=shop", home: home, environment: ["PGSERVICEFILE": userFile]),
            naming: "service 'shop' in \(userFile)", hiding: wrong, account)
    }

    @Test("PGHOST, PGPORT, PGUSER, PGDATABASE and PGSSLMODE complete postgres:// and postgres:///db")
    func environmentSettings() async throws {
        let account = try ServerAccount(.postgres)
        let home = try TemporaryHome()
        var environment = [
            "PGHOST": account.host, "PGPORT": String(account.port), "PGUSER": account.user, "PGDATABASE": account.database,
            "PGPASSWORD": account.password, "PGSSLMODE": "disable",
        ]
        let plain = try await ping("postgres://", home: home, environment: environment)
        expectConnected(plain, account)
        #expect(plain.standardOutput.contains("encryption: none"), "PGSSLMODE=disable was not applied: \(plain.standardOutput)")
        environment["PGDATABASE"] = nil
        environment["PGSSLMODE"] = "require"
        let encrypted = try await ping("postgres:///\(account.database)", home: home, environment: environment)
        expectConnected(encrypted, account)
        #expect(encrypted.standardOutput.contains("encryption: TLS"), "\(encrypted.standardOutput)")
    }

    @Test("no password anywhere: the message lists where none was found")
    func noPassword() async throws {
        let account = try ServerAccount(.postgres)
        let home = try TemporaryHome()
        let result = try await ping(account.url(), home: home)
        #expect(result.status == 3)
        #expect(result.standardError.contains("no password was given"), "\(result.standardError)")
        #expect(result.standardError.contains("PGPASSWORD"))
    }
}
