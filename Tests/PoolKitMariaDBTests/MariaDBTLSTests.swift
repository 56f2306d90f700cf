import Logging
import PoolKitConformance
import PoolKitMariaDB
import Testing

/// TLS against the real test server, which `scripts/test-servers.sh` starts with a certificate
/// of its own CA for 127.0.0.1 and localhost: `ssl_ca` + `ssl_verify_server_cert` that pass,
/// each way they fail (wrong CA, a host the certificate does not name, a server without TLS
/// under `ssl=true`), and a backup over TLS.
@Suite(
    "MariaDB TLS",
    .enabled(if: TestServers.shouldRunTLS(.mariadb), Comment(rawValue: TestServers.tlsSkipReason(.mariadb))))
struct MariaDBTLSTests {
    let logger = Logger(label: "poolkit.tests.mariadb.tls")

    var client: TLSTestClient<MariaDBConnection> {
        TLSTestClient(engine: .mariadb, driver: MariaDBDriver(), connection: MariaDBConnection.self, logger: logger)
    }

    /// `Ssl_version` and `Ssl_cipher` as the server sees this session.
    func serverSideTLS(_ connection: MariaDBConnection) async throws -> [String?] {
        let rows = try await connection.query(unsafeSQL: "SHOW SESSION STATUS WHERE Variable_name IN ('Ssl_version', 'Ssl_cipher') ").rows
        let values = Dictionary(uniqueKeysWithValues: rows.map { ($0[0] ?? "", $0[1]) })
        return [values["Ssl_version"] ?? nil, values["Ssl_cipher"] ?? nil]
    }

    @Test("ssl_ca with ssl_verify_server_cert=true connects encrypted, and the server sees the same TLS session")
    func verifiedConnects() async throws {
        let connection = try await client.connect(
            try client.url([("ssl_ca", try client.certificateAuthority()), ("ssl_verify_server_cert", "true")]))
        let tls = try #require(connection.tlsSession, "a verified connection without TLS")
        #expect(tls.version.hasPrefix("TLSv1."))
        let seen = try await serverSideTLS(connection)
        await connection.close()
        #expect(seen == [tls.version, tls.cipher])
    }

    @Test("without TLS options the connection is plain, and says so")
    func plainByDefault() async throws {
        let connection = try await client.connect(try client.serverURL())
        #expect(connection.tlsSession == nil)
        let seen = try await serverSideTLS(connection)
        await connection.close()
        #expect(seen == ["", ""])
    }

    @Test("a CA that did not sign the server's certificate fails, naming the certificate check and the CA file")
    func wrongCertificateAuthority() async throws {
        let wrong = try #require(TestServers.unrelatedCertificateAuthority, Comment(rawValue: TestServers.missingTLSMessage))
        // With ssl_ca the chain is checked, with or without the host-name check.
        for options in [[("ssl_ca", wrong), ("ssl_verify_server_cert", "true")], [("ssl_ca", wrong)]] {
            let error = try await client.connectError(try client.url(options))
            #expect(error.code == .connectionFailed)
            #expect(error.engineCode == "2026")
            #expect(error.message.contains("TLS certificate check failed"), "\(error.message)")
            #expect(error.message.contains(wrong), "\(error.message)")
            #expect(error.message.contains("set ssl_ca"), "\(error.message)")
        }
    }

    @Test("a host the certificate does not name fails the host-name check with ssl_verify_server_cert; without it the same host connects")
    func hostNameMismatch() async throws {
        let host = try #require(TestServers.hostNotInCertificate, Comment(rawValue: TestServers.missingTLSMessage))
        let ca = try client.certificateAuthority()
        let error = try await client.connectError(try client.url([("ssl_ca", ca), ("ssl_verify_server_cert", "true")], host: host))
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("TLS host-name check failed"), "\(error.message)")
        #expect(error.message.contains("'\(host)'"), "\(error.message)")
        // The same server, address and CA without the host-name check: only the name was wrong.
        let connection = try await client.connect(try client.url([("ssl", "true"), ("ssl_ca", ca)], host: host))
        #expect(connection.tlsSession != nil)
        await connection.close()
    }

    @Test("a server without TLS fails under ssl=true and under ssl_verify_server_cert=true, naming the cause", .timeLimit(.minutes(3)))
    func serverWithoutTLS() async throws {
        let server = try await PrivateTestServer.start(.mariadb, tls: false)
        do {
            let base = try ConnectionURL(server.url)
            for options in [[("ssl", "true")], [("ssl_ca", try client.certificateAuthority()), ("ssl_verify_server_cert", "true")]] {
                let error = try await client.connectError(try client.url(options, base: base))
                #expect(error.code == .connectionFailed)
                #expect(error.message.contains("does not accept TLS"), "\(error.message)")
            }
            let plain = try await client.connect(base)
            #expect(plain.tlsSession == nil)
            await plain.close()
            // ssl_ca alone uses TLS only when the server offers it (as documented): plain here.
            let caOnly = try await client.connect(try client.url([("ssl_ca", try client.certificateAuthority())], base: base))
            #expect(caOnly.tlsSession == nil)
            await caOnly.close()
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test("backup and restore (snapshot strategy, 2 jobs, through a pipe) over verified TLS")
    func backupRoundTripOverTLS() async throws {
        let ca = try client.certificateAuthority()
        let tls: @Sendable (ConnectionURL) -> ConnectionURL = { url in
            var url = url
            url.options.append(contentsOf: [(key: "ssl_ca", value: ca), (key: "ssl_verify_server_cert", value: "true")])
            return url
        }
        var context = BackupRoundTripContext(
            registry: mariadbRegistry,
            makeDatabase: { tls(try await ScratchDatabase.create("pk_tls").url) },
            dropDatabase: { url in
                if let name = url.database {
                    try await ScratchDatabase.serverConnection { try await $0.execute(unsafeSQL: "DROP DATABASE IF EXISTS `\(name)`") }
                }
            },
            quote: { "`" + $0.replacingOccurrences(of: "`", with: "``") + "`" })
        context.integerType = "INT"
        try await BackupRoundTrip.run(context, strategy: "snapshot", jobs: 2, transport: .pipe)
    }
}
