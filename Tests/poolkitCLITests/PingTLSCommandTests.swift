import Foundation
import PoolKitConformance
import Testing

/// `poolkit ping` over TLS against the test servers, which `scripts/test-servers.sh` starts with
/// a certificate of its own CA: it says how the connection is encrypted, or that it is not, and a
/// failed certificate check exits 3 naming the cause.
@Suite("poolkit ping over TLS")
struct PingTLSCommandTests {
    /// The engine's URL with the options that make it a verified TLS connection to the test server.
    func verifiedURL(_ engine: TestServers.Engine, ca: String) throws -> String {
        let url = try #require(TestServers.url(for: engine), "\(TestServers.missingMessage(for: engine))")
        switch engine {
        case .postgres: return url + "?sslmode=verify-full&sslrootcert=\(ca)"
        case .mariadb: return url + "?ssl_ca=\(ca)&ssl_verify_server_cert=true"
        }
    }

    @Test(
        "ping with a verified TLS URL says the connection is encrypted, with the TLS version and cipher",
        .enabled(if: TestServers.shouldRunTLS(.postgres) || TestServers.shouldRunTLS(.mariadb)),
        arguments: TestServers.Engine.allCases)
    func encrypted(engine: TestServers.Engine) async throws {
        let ca = try #require(TestServers.certificateAuthority, Comment(rawValue: TestServers.missingTLSMessage))
        let result = try await runPoolKit(["ping", try verifiedURL(engine, ca: ca), "--count", "2"])
        #expect(result.status == 0, "\(result.all)")
        let line = result.standardOutput.split(separator: "\n").first { $0.hasPrefix("encryption: ") }
        #expect(line?.hasPrefix("encryption: TLSv1.") == true, "\(result.standardOutput)")
        #expect(line?.contains(", cipher ") == true, "\(result.standardOutput)")
    }

    @Test(
        "ping without TLS says the connection is not encrypted",
        .enabled(if: TestServers.shouldRun(.postgres) || TestServers.shouldRun(.mariadb)),
        arguments: TestServers.Engine.allCases)
    func plain(engine: TestServers.Engine) async throws {
        let url = try #require(TestServers.url(for: engine), "\(TestServers.missingMessage(for: engine))")
        let result = try await runPoolKit(["ping", engine == .postgres ? url + "?sslmode=disable" : url, "--count", "1"])
        #expect(result.status == 0, "\(result.all)")
        #expect(result.standardOutput.contains("encryption: none (not encrypted)"), "\(result.standardOutput)")
    }

    @Test(
        "ping with a CA that did not sign the server's certificate exits 3 naming the certificate check, never the password",
        .enabled(if: TestServers.shouldRunTLS(.postgres) || TestServers.shouldRunTLS(.mariadb)),
        arguments: TestServers.Engine.allCases)
    func wrongCertificateAuthority(engine: TestServers.Engine) async throws {
        let wrong = try #require(TestServers.unrelatedCertificateAuthority, Comment(rawValue: TestServers.missingTLSMessage))
        let url = try verifiedURL(engine, ca: wrong)
        let result = try await runPoolKit(["ping", url, "--timeout", "5s"])
        #expect(result.status == 3, "\(result.all)")
        #expect(result.standardError.contains("TLS certificate check failed"), "\(result.standardError)")
        let password = try #require(try ConnectionURL(url).password)
        #expect(!result.all.contains(password))
    }
}
