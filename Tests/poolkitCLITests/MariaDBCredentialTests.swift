import Foundation
import PoolKitConformance
import Testing

/// The option files mariadb-dump reads, and MYSQL_PWD, against the MariaDB test server (password
/// authentication): the URL carries no password, one source at a time does.
@Suite(
    "poolkit with MariaDB credentials from option files and MYSQL_PWD",
    .enabled(if: TestServers.shouldRun(.mariadb), Comment(rawValue: TestServers.skipReason(.mariadb))))
struct MariaDBCredentialTests {
    private func expectConnected(_ result: CommandResult, _ account: ServerAccount, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 0, "\(result.all)", sourceLocation: sourceLocation)
        #expect(result.standardOutput.contains("MariaDB"), sourceLocation: sourceLocation)
        #expect(!result.all.contains(account.password), sourceLocation: sourceLocation)
    }

    @Test("~/.my.cnf gives the password in [client], [client-mariadb] or [poolkit]; a wrong one is named by file and line")
    func homeOptionFile() async throws {
        let account = try ServerAccount(.mariadb)
        let home = try TemporaryHome()
        for group in ["client", "client-mariadb", "poolkit"] {
            try home.write(".my.cnf", "[mysqldump]\npassword=not-this-one\n\n[\(group)]\npassword=\(account.password)\n")
            expectConnected(try await ping(account.url(), home: home), account)
        }
        let wrong = "wrong-\(UUID().uuidString.prefix(8))"
        let file = try home.write(".my.cnf", "[client]\n# the password\npassword = \"\(wrong)\"\n")
        let result = try await ping(account.url(), home: home)
        #expect(result.status == 3, "\(result.all)")
        #expect(result.standardError.contains("line 3 of \(file) ([client])"), "\(result.standardError)")
        #expect(!result.all.contains(wrong))
    }

    @Test("?defaults_file= reads only that file (user, host and port too); ?defaults_group= picks the extra group")
    func namedOptionFile() async throws {
        let account = try ServerAccount(.mariadb)
        let home = try TemporaryHome()
        try home.write(".my.cnf", "[client]\npassword=wrong-from-home\n")
        let file = try home.write(
            "conf/backup.cnf",
            "[client]\nuser=\(account.user)\nhost=\(account.host)\nport=\(account.port)\n\n[nightly]\npassword=\(account.password)\n")
        let encoded = file.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? file
        expectConnected(
            try await ping("mariadb:///\(account.database)?defaults_file=\(encoded)&defaults_group=nightly", home: home), account)
        // Without the group, the file has no password.
        let refused = try await ping("mariadb:///\(account.database)?defaults_file=\(encoded)", home: home)
        #expect(refused.status == 3, "\(refused.all)")
        #expect(refused.standardError.contains("no password was given"), "\(refused.standardError)")
    }

    @Test("?no_defaults=true reads no option file")
    func noDefaults() async throws {
        let account = try ServerAccount(.mariadb)
        let home = try TemporaryHome()
        try home.write(".my.cnf", "[client]\npassword=\(account.password)\n")
        let result = try await ping(account.url(query: "no_defaults=true"), home: home)
        #expect(result.status == 3, "\(result.all)")
    }

    @Test("MYSQL_PWD gives the password (deprecated, still read) and is named when it is wrong")
    func environmentPassword() async throws {
        let account = try ServerAccount(.mariadb)
        let home = try TemporaryHome()
        expectConnected(try await ping(account.url(), home: home, environment: ["MYSQL_PWD": account.password]), account)
        let wrong = "wrong-\(UUID().uuidString.prefix(8))"
        let result = try await ping(account.url(), home: home, environment: ["MYSQL_PWD": wrong])
        #expect(result.status == 3, "\(result.all)")
        #expect(result.standardError.contains("MYSQL_PWD"), "\(result.standardError)")
        #expect(!result.all.contains(wrong))
    }
}
