import Foundation
import PoolKitConformance
import Testing

@Suite("poolkit drivers and ping")
struct PingCommandTests {
    @Test("drivers lists every scheme")
    func drivers() async throws {
        let result = try await runPoolKit(["drivers"])
        #expect(result.status == 0)
        for scheme in ["postgres://", "postgresql://", "mariadb://", "mysql://", "sqlite://"] {
            #expect(result.standardOutput.contains(scheme))
        }
    }

    @Test("--version prints the version")
    func version() async throws {
        let result = try await runPoolKit(["--version"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("."))
    }

    @Test("ping a SQLite file prints the version and round trip")
    func pingSQLite() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("poolkit-cli-\(UUID().uuidString).db").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let result = try await runPoolKit(["ping", "sqlite://\(path)"])
        #expect(result.status == 0, "\(result.all)")
        #expect(result.standardOutput.contains("server version: 3."))
        #expect(result.standardOutput.contains("round trip"))
    }

    @Test("a malformed URL exits 2 with one line naming the problem", arguments: ["not a url", "postgres://u:s3cr3t@h:99999/db"])
    func badURL(url: String) async throws {
        let result = try await runPoolKit(["ping", url])
        #expect(result.status == 2)
        #expect(result.standardError.hasPrefix("poolkit: "))
        #expect(result.standardError.split(separator: "\n").count == 1)
        #expect(!result.all.contains("s3cr3t"))
    }

    @Test("an unknown scheme exits 2 and lists the known ones")
    func unknownScheme() async throws {
        let result = try await runPoolKit(["ping", "oracle://u:s3cr3t@h/db"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("postgres://"))
        #expect(!result.all.contains("s3cr3t"))
    }

    @Test("an unknown option exits 2 and names the accepted ones")
    func unknownOption() async throws {
        let result = try await runPoolKit(["ping", "sqlite:///tmp/x.db?colour=blue"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("colour"))
        #expect(result.standardError.contains("busy_timeout"))
    }

    @Test("a refused connection exits 3 without echoing the password")
    func refused() async throws {
        let port = TestServers.closedPort()
        let result = try await runPoolKit(["ping", "postgres://u:s3cr3t@127.0.0.1:\(port)/db", "--timeout", "3s"])
        #expect(result.status == 3)
        #expect(result.standardError.contains("127.0.0.1:\(port)"))
        #expect(!result.all.contains("s3cr3t"))
    }

    @Test(
        "ping the test servers; a wrong password exits 3 naming the cause, never the password",
        .enabled(if: TestServers.shouldRun(.postgres) || TestServers.shouldRun(.mariadb)),
        arguments: TestServers.Engine.allCases)
    func servers(engine: TestServers.Engine) async throws {
        let url = try #require(TestServers.url(for: engine), "\(TestServers.missingMessage(for: engine))")
        let good = try await runPoolKit(["ping", url])
        #expect(good.status == 0, "\(good.all)")
        #expect(good.standardOutput.contains("server version"))
        let password = "wr0ng-\(UUID().uuidString.prefix(8))"
        let bad = url.replacingOccurrences(of: #":[^:@/]*@"#, with: ":\(password)@", options: .regularExpression)
        let result = try await runPoolKit(["ping", bad])
        #expect(result.status == 3)
        #expect(result.standardError.contains("password") || result.standardError.contains("Access denied"))
        #expect(!result.all.contains(password))
    }
}
