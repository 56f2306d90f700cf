import Foundation
import Logging
import PoolKitConformance
import Testing

@testable import PoolKitMariaDB

/// Which option file and line set the password, as Connector/C reads the files; and `?socket=`.
@Suite("MariaDB option files and the unix socket")
struct MariaDBOptionFileTests {
    @Test("the last password in the groups read counts, through !include and !includedir; other groups are skipped")
    func passwordOrigin() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pk-mycnf-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/conf.d", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "[client]\npassword=a\n!includedir \(directory)/conf.d\n[mysqldump]\npassword=b\n".write(
            toFile: directory + "/main.cnf", atomically: false, encoding: .utf8)
        try "# extra\n[client-mariadb]\nuser=u\npassword = c\n".write(toFile: directory + "/conf.d/50-x.cnf", atomically: false, encoding: .utf8)
        let files = MariaDBOptionFiles(file: directory + "/main.cnf", group: "poolkit")
        #expect(files.origin(of: "password", environment: [:]) == .init(file: directory + "/conf.d/50-x.cnf", line: 4, group: "client-mariadb"))
        let source = MariaDBPasswordSource.resolve(urlPassword: nil, optionFiles: files, environment: ["MYSQL_PWD": "p"])
        #expect("\(source)".contains("line 4 of \(directory)/conf.d/50-x.cnf ([client-mariadb])"))
        #expect(MariaDBPasswordSource.resolve(urlPassword: "x", optionFiles: files, environment: [:]) == .url)
        #expect(MariaDBPasswordSource.resolve(urlPassword: nil, optionFiles: nil, environment: ["MYSQL_PWD": "p"]) == .environment)
    }

    @Test("?socket= connects through the server's unix socket", .enabled(if: TestServers.shouldRun(.mariadb)))
    func socket() async throws {
        let text = try #require(TestServers.url(for: .mariadb), "\(TestServers.missingMessage(for: .mariadb))")
        let url = try ConnectionURL(text)
        let driver = MariaDBDriver()
        let first = try await driver.connect(to: url, logger: Logger(label: "test"))
        let path = try await first.query(unsafeSQL: "SELECT @@socket").scalar ?? ""
        await first.close()
        // The test servers keep their socket in a directory only their OS user may enter (root may).
        try #require(access(path, R_OK | W_OK) == 0, "the server's socket \(path) is not accessible to this user")
        let encoded = path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? path
        let viaSocket = try ConnectionURL("mariadb://\(url.user ?? ""):\(url.password ?? "")@/\(url.database ?? "")?socket=\(encoded)")
        let connection = try await driver.connect(to: viaSocket, logger: Logger(label: "test"))
        #expect(try await connection.query(unsafeSQL: "SELECT 1").scalar == "1")
        await connection.close()
    }
}
