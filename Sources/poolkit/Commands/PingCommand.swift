import ArgumentParser
import PoolKit

/// `poolkit ping <url>`: open the URL through a pool, health-check it, report version and round trip.
struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract:
            "Connect through a pool, run the health check, print the server version, whether the connection is encrypted, and the round-trip time.",
        discussion: """
            Examples:
              poolkit ping 'postgres://app@127.0.0.1:5432/app'        # password from ~/.pgpass, PGPASSWORD or a service
              poolkit ping 'postgres:///app?service=prod'
              poolkit ping env:DATABASE_URL                           # the URL from an environment variable
              poolkit ping --url-file /run/secrets/db-url
              poolkit ping 'mariadb://root@127.0.0.1:3306/shop?connect_timeout=3'
              poolkit ping sqlite:///var/lib/app/app.db
              poolkit ping 'postgres://app@db.example.com/app?sslmode=verify-full&sslrootcert=/etc/ssl/db-ca.pem'
              poolkit ping 'mariadb://app@db.example.com/app?ssl_ca=/etc/ssl/db-ca.pem&ssl_verify_server_cert=true'
            """)

    @Argument(help: "The database URL (postgres://, mariadb://, mysql://, sqlite:), or env:NAME for the URL in an environment variable.")
    var url: String?

    @Option(help: "Read the URL from this file (instead of the argument).")
    var urlFile: String?

    @Flag(help: "Ask for the password on the terminal.")
    var passwordPrompt = false

    @Flag(help: "Print the result as one JSON object (schema in docs/cli.md).")
    var json = false

    @Option(name: .shortAndLong, parsing: .unconditional, help: "How many health checks to time.")
    var count: Int = 5

    @Option(help: "Give up connecting after this long (e.g. 5s).")
    var timeout: String = "10s"

    func run() async throws {
        let input = URLInput(argument: url, file: urlFile, fileOption: "--url-file", promptPassword: passwordPrompt, role: "database")
        do {
            try await ping(input.resolve().url)
        } catch {
            throw reportFailure(error)
        }
    }

    private func ping(_ given: ConnectionURL) async throws {
        // A ping only reads: a missing SQLite file is an error, never a new empty database.
        let url = try Drivers.registry.driver(for: given).sourceURL(for: given)
        guard let timeout = Duration(parsing: timeout) else {
            throw PoolKitError(.usage, "--timeout '\(self.timeout)' is not a duration: write e.g. 5s or 500ms")
        }
        guard count >= 1 else { throw PoolKitError(.usage, "--count must be at least 1") }
        var configuration = PoolConfiguration()
        configuration.name = "ping"
        configuration.maxConnections = 1
        configuration.acquireTimeout = timeout
        configuration.failFast = true
        let pool = try ConnectionPool(url: url, registry: Drivers.registry, configuration: configuration)
        let count = self.count
        let (version, network, samples) = try await pool.withRunning {
            try await pool.withConnection { connection in
                var samples: [Duration] = []
                let clock = ContinuousClock()
                for _ in 0..<count {
                    let start = clock.now
                    try await connection.ping()
                    samples.append(clock.now - start)
                }
                return (connection.serverVersion, (connection as? any TLSReportingConnection).map { Encryption(tls: $0.tlsSession) }, samples)
            }
        }
        let sorted = samples.sorted()
        func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
        if json {
            return try emitJSON(
                PingReport(
                    url: "\(given)", serverVersion: version, encrypted: network.map { $0.tls != nil },
                    encryption: network?.tls.map { PingReport.Encryption(version: $0.version, cipher: $0.cipher) }, pings: count,
                    minSeconds: seconds(sorted[0]), medianSeconds: seconds(sorted[sorted.count / 2]),
                    maxSeconds: seconds(sorted[sorted.count - 1])))
        }
        print("\(given): ok")
        print("server version: \(version)")
        // `TLSv1.3, cipher …` or `none (not encrypted)` for a network connection; nothing for SQLite.
        if let network { print("encryption: \(network.tls.map { "\($0)" } ?? "none (not encrypted)")") }
        print(
            "round trip (\(count) pings): min \(sorted[0].shortDescription), median \(sorted[sorted.count / 2].shortDescription), max \(sorted[sorted.count - 1].shortDescription)"
        )
    }

    /// A network connection's TLS session, nil when it is not encrypted.
    private struct Encryption: Sendable {
        var tls: TLSSession?
    }
}
