import Logging
import PoolKitConformance
import PoolKitPostgres
import Testing

/// TLS against the real test server, which `scripts/test-servers.sh` starts with a certificate
/// of its own CA for 127.0.0.1 and localhost: verification that passes, each way it fails (wrong
/// CA, a host the certificate does not name, a server without TLS), and a backup over TLS.
@Suite(
    "PostgreSQL TLS",
    .enabled(if: TestServers.shouldRunTLS(.postgres), Comment(rawValue: TestServers.tlsSkipReason(.postgres))))
struct PostgresTLSTests {
    let logger = Logger(label: "poolkit.tests.postgres.tls")

    var client: TLSTestClient<PostgresConnection> {
        TLSTestClient(engine: .postgres, driver: PostgresDriver(), connection: PostgresConnection.self, logger: logger)
    }

    @Test("sslmode=verify-full with the servers' CA connects encrypted, and the server sees the same TLS session")
    func verifyFullConnects() async throws {
        let connection = try await client.connect(try client.url([("sslmode", "verify-full"), ("sslrootcert", try client.certificateAuthority())]))
        let tls = try #require(connection.tlsSession, "verify-full connected without TLS")
        #expect(tls.version.hasPrefix("TLSv1."))
        let row = try await connection.query(unsafeSQL: "SELECT ssl, version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()").rows.first
        await connection.close()
        #expect(row == ["t", tls.version, tls.cipher])
    }

    @Test("sslmode=disable connects without TLS, and says so")
    func disableIsPlain() async throws {
        let connection = try await client.connect(try client.url([("sslmode", "disable")]))
        #expect(connection.tlsSession == nil)
        let ssl = try await connection.query(unsafeSQL: "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").scalar
        await connection.close()
        #expect(ssl == "f")
    }

    @Test("a CA that did not sign the server's certificate fails, naming the certificate check and the CA file")
    func wrongCertificateAuthority() async throws {
        let wrong = try #require(TestServers.unrelatedCertificateAuthority, Comment(rawValue: TestServers.missingTLSMessage))
        for mode in ["verify-ca", "verify-full"] {
            let error = try await client.connectError(try client.url([("sslmode", mode), ("sslrootcert", wrong)]))
            #expect(error.code == .connectionFailed)
            #expect(error.message.contains("TLS certificate check failed"), "\(error.message)")
            #expect(error.message.contains(wrong), "\(error.message)")
            #expect(error.message.contains("set sslrootcert"), "\(error.message)")
        }
    }

    @Test("a host the certificate does not name fails the host-name check under verify-full; verify-ca accepts it")
    func hostNameMismatch() async throws {
        let host = try #require(TestServers.hostNotInCertificate, Comment(rawValue: TestServers.missingTLSMessage))
        let ca = try client.certificateAuthority()
        let error = try await client.connectError(try client.url([("sslmode", "verify-full"), ("sslrootcert", ca)], host: host))
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("TLS host-name check failed"), "\(error.message)")
        #expect(error.message.contains("'\(host)'"), "\(error.message)")
        // The same server, address and CA without the host-name check: only the name was wrong.
        let connection = try await client.connect(try client.url([("sslmode", "verify-ca"), ("sslrootcert", ca)], host: host))
        #expect(connection.tlsSession != nil)
        await connection.close()
    }

    @Test("verify-full without a CA file fails, saying to set sslrootcert")
    func missingCertificateAuthority() async throws {
        let missing = "/nonexistent/poolkit-ca-\(UInt32.random(in: 0...UInt32.max)).pem"
        let error = try await client.connectError(try client.url([("sslmode", "verify-full"), ("sslrootcert", missing)]))
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("CA file is missing"), "\(error.message)")
        #expect(error.message.contains("sslrootcert"), "\(error.message)")
    }

    @Test("a server without TLS fails under sslmode=require, naming the cause; prefer falls back to a plain connection", .timeLimit(.minutes(3)))
    func serverWithoutTLS() async throws {
        let server = try await PrivateTestServer.start(.postgres, tls: false)
        do {
            let base = try ConnectionURL(server.url)
            let error = try await client.connectError(try client.url([("sslmode", "require")], base: base))
            #expect(error.code == .connectionFailed)
            #expect(error.message.contains("does not accept TLS"), "\(error.message)")
            #expect(error.message.contains("sslmode=require"), "\(error.message)")
            let plain = try await client.connect(try client.url([("sslmode", "prefer")], base: base))
            #expect(plain.tlsSession == nil)
            await plain.close()
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test("backup and restore (copy strategy, 2 jobs, through a pipe) over verify-full TLS")
    func backupRoundTripOverTLS() async throws {
        let ca = try client.certificateAuthority()
        let tls: @Sendable (ConnectionURL) -> ConnectionURL = { url in
            var url = url
            url.options.append(contentsOf: [(key: "sslmode", value: "verify-full"), (key: "sslrootcert", value: ca)])
            return url
        }
        var context = BackupRoundTripContext(
            registry: DriverRegistry([PostgresDriver()]),
            makeDatabase: { tls(try await ScratchDatabase.create("tls").url) },
            dropDatabase: { url in
                let admin = try ScratchDatabase.serverURL()
                try await ScratchDatabase.withConnection(admin) { connection in
                    try await connection.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(quoteIdentifier(url.database ?? "")) WITH (FORCE)")
                }
            },
            quote: quoteIdentifier)
        context.integerType = "integer"
        context.textType = "varchar(400)"
        try await BackupRoundTrip.run(context, strategy: "copy", jobs: 2, transport: .pipe)
    }
}
