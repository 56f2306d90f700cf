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

    func serverURL() throws -> ConnectionURL {
        let text = try #require(TestServers.url(for: .postgres), Comment(rawValue: TestServers.missingMessage(for: .postgres)))
        return try ConnectionURL(text)
    }

    func certificateAuthority() throws -> String {
        try #require(TestServers.certificateAuthority, Comment(rawValue: TestServers.missingTLSMessage))
    }

    /// The server's URL with `options` added (and another host, if given).
    func url(_ options: [(String, String)], host: String? = nil, base: ConnectionURL? = nil) throws -> ConnectionURL {
        var url = try base ?? serverURL()
        if let host { url.host = host }
        url.options.append(contentsOf: options.map { (key: $0.0, value: $0.1) })
        return url
    }

    func connect(_ url: ConnectionURL) async throws -> PostgresConnection {
        try #require(try await PostgresDriver().connect(to: url, logger: logger) as? PostgresConnection)
    }

    /// The PoolKitError a connect to `url` fails with; records an issue if it connects.
    func connectError(_ url: ConnectionURL) async throws -> PoolKitError {
        do {
            let connection = try await connect(url)
            await connection.close()
        } catch let error as PoolKitError {
            #expect(!error.message.contains(url.password ?? "\u{0}"), "the message shows the password")
            return error
        }
        Issue.record("connected to \(url.host ?? "") although the connection should fail")
        throw PoolKitError(.usage, "connected")
    }

    @Test("sslmode=verify-full with the servers' CA connects encrypted, and the server sees the same TLS session")
    func verifyFullConnects() async throws {
        let connection = try await connect(try url([("sslmode", "verify-full"), ("sslrootcert", try certificateAuthority())]))
        let tls = try #require(connection.tlsSession, "verify-full connected without TLS")
        #expect(tls.version.hasPrefix("TLSv1."))
        let row = try await connection.query("SELECT ssl, version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()").rows.first
        await connection.close()
        #expect(row == ["t", tls.version, tls.cipher])
    }

    @Test("sslmode=disable connects without TLS, and says so")
    func disableIsPlain() async throws {
        let connection = try await connect(try url([("sslmode", "disable")]))
        #expect(connection.tlsSession == nil)
        let ssl = try await connection.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").scalar
        await connection.close()
        #expect(ssl == "f")
    }

    @Test("a CA that did not sign the server's certificate fails, naming the certificate check and the CA file")
    func wrongCertificateAuthority() async throws {
        let wrong = try #require(TestServers.unrelatedCertificateAuthority, Comment(rawValue: TestServers.missingTLSMessage))
        for mode in ["verify-ca", "verify-full"] {
            let error = try await connectError(try url([("sslmode", mode), ("sslrootcert", wrong)]))
            #expect(error.code == .connectionFailed)
            #expect(error.message.contains("TLS certificate check failed"), "\(error.message)")
            #expect(error.message.contains(wrong), "\(error.message)")
            #expect(error.message.contains("set sslrootcert"), "\(error.message)")
        }
    }

    @Test("a host the certificate does not name fails the host-name check under verify-full; verify-ca accepts it")
    func hostNameMismatch() async throws {
        let host = try #require(TestServers.hostNotInCertificate, Comment(rawValue: TestServers.missingTLSMessage))
        let ca = try certificateAuthority()
        let error = try await connectError(try url([("sslmode", "verify-full"), ("sslrootcert", ca)], host: host))
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("TLS host-name check failed"), "\(error.message)")
        #expect(error.message.contains("'\(host)'"), "\(error.message)")
        // The same server, address and CA without the host-name check: only the name was wrong.
        let connection = try await connect(try url([("sslmode", "verify-ca"), ("sslrootcert", ca)], host: host))
        #expect(connection.tlsSession != nil)
        await connection.close()
    }

    @Test("verify-full without a CA file fails, saying to set sslrootcert")
    func missingCertificateAuthority() async throws {
        let missing = "/nonexistent/poolkit-ca-\(UInt32.random(in: 0...UInt32.max)).pem"
        let error = try await connectError(try url([("sslmode", "verify-full"), ("sslrootcert", missing)]))
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("CA file is missing"), "\(error.message)")
        #expect(error.message.contains("sslrootcert"), "\(error.message)")
    }

    @Test("a server without TLS fails under sslmode=require, naming the cause; prefer falls back to a plain connection", .timeLimit(.minutes(3)))
    func serverWithoutTLS() async throws {
        let server = try await PrivateTestServer.start(.postgres, tls: false)
        do {
            let base = try ConnectionURL(server.url)
            let error = try await connectError(try url([("sslmode", "require")], base: base))
            #expect(error.code == .connectionFailed)
            #expect(error.message.contains("does not accept TLS"), "\(error.message)")
            #expect(error.message.contains("sslmode=require"), "\(error.message)")
            let plain = try await connect(try url([("sslmode", "prefer")], base: base))
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
        let ca = try certificateAuthority()
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
                    try await connection.execute("DROP DATABASE IF EXISTS \(quoteIdentifier(url.database ?? "")) WITH (FORCE)")
                }
            },
            quote: quoteIdentifier)
        context.integerType = "integer"
        context.textType = "varchar(400)"
        try await BackupRoundTrip.run(context, strategy: "copy", jobs: 2, transport: .pipe)
    }
}
