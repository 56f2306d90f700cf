#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the integration tests find their database servers.
///
/// `scripts/test-servers.sh start` starts throwaway PostgreSQL and MariaDB servers and prints
/// `POOLKIT_TEST_POSTGRES_URL` and `POOLKIT_TEST_MARIADB_URL`; `scripts/test.sh` does that by
/// itself. When a URL is missing, the engine's tests are skipped — unless
/// `POOLKIT_REQUIRE_SERVERS=1` (as in CI), in which case they run and fail, saying what to do:
///
/// ```swift
/// @Suite(.enabled(if: TestServers.shouldRun(.postgres), TestServers.skipReason(.postgres)))
/// struct PostgresTests {
///     func url() throws -> ConnectionURL {
///         let text = try #require(TestServers.url(for: .postgres), "\(TestServers.missingMessage(for: .postgres))")
///         return try ConnectionURL(text)
///     }
/// }
/// ```
public enum TestServers {
    /// A database engine that has a throwaway test server.
    public enum Engine: String, Sendable, CaseIterable {
        /// PostgreSQL 15, URL in `POOLKIT_TEST_POSTGRES_URL`.
        case postgres
        /// MariaDB 10.11, URL in `POOLKIT_TEST_MARIADB_URL`.
        case mariadb

        /// The environment variable that holds the engine's test URL.
        public var environmentVariable: String {
            switch self {
            case .postgres: "POOLKIT_TEST_POSTGRES_URL"
            case .mariadb: "POOLKIT_TEST_MARIADB_URL"
            }
        }

        /// The engine's name for messages.
        public var displayName: String {
            switch self {
            case .postgres: "PostgreSQL"
            case .mariadb: "MariaDB"
            }
        }
    }

    /// The environment variable that makes a missing server a failure instead of a skip.
    public static let requireVariable = "POOLKIT_REQUIRE_SERVERS"

    /// True when `POOLKIT_REQUIRE_SERVERS=1`: a missing server fails the run (CI sets it).
    public static var serversRequired: Bool {
        environment(requireVariable) == "1"
    }

    /// The engine's test URL from the environment, or nil when it is not set.
    public static func url(for engine: Engine) -> String? {
        guard let value = environment(engine.environmentVariable), !value.isEmpty else { return nil }
        return value
    }

    /// Whether the engine's tests should run: its URL is set, or servers are required (the
    /// tests then fail on the missing URL).
    public static func shouldRun(_ engine: Engine) -> Bool {
        url(for: engine) != nil || serversRequired
    }

    /// Why the engine's tests are skipped, for `.enabled(if:_:)`.
    public static func skipReason(_ engine: Engine) -> String {
        "\(engine.environmentVariable) is not set; start test servers with: eval \"$(bash scripts/test-servers.sh start)\""
    }

    /// The failure message when the URL is missing but required.
    public static func missingMessage(for engine: Engine) -> String {
        "\(engine.displayName) test server required (\(requireVariable)=1) but \(engine.environmentVariable) is not set: "
            + "run eval \"$(bash scripts/test-servers.sh start)\" first, or run the tests with bash scripts/test.sh"
    }

    /// The CA certificate that signed the test servers' TLS certificate (`POOLKIT_TEST_CA`), or nil
    /// when the servers were started without it. The certificate names 127.0.0.1 and localhost.
    public static var certificateAuthority: String? { environment("POOLKIT_TEST_CA").flatMap { $0.isEmpty ? nil : $0 } }

    /// A CA certificate that did not sign the servers' certificate (`POOLKIT_TEST_WRONG_CA`).
    public static var unrelatedCertificateAuthority: String? {
        environment("POOLKIT_TEST_WRONG_CA").flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Another address the test servers listen on that their certificate does not name
    /// (`POOLKIT_TEST_TLS_OTHER_HOST`, 127.0.0.2 on Linux), for host-name mismatch tests.
    public static var hostNotInCertificate: String? {
        environment("POOLKIT_TEST_TLS_OTHER_HOST").flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether the engine's TLS tests should run: its URL and the test CA are set (servers from
    /// `scripts/test-servers.sh`), or servers are required (the tests then fail on what is missing).
    public static func shouldRunTLS(_ engine: Engine) -> Bool {
        (url(for: engine) != nil && certificateAuthority != nil) || serversRequired
    }

    /// Why the engine's TLS tests are skipped, for `.enabled(if:_:)`.
    public static func tlsSkipReason(_ engine: Engine) -> String {
        "\(engine.environmentVariable) or POOLKIT_TEST_CA is not set; start test servers with TLS with: eval \"$(bash scripts/test-servers.sh start)\""
    }

    /// The failure message when the TLS variables are missing but servers are required.
    public static let missingTLSMessage =
        "POOLKIT_TEST_CA / POOLKIT_TEST_WRONG_CA / POOLKIT_TEST_TLS_OTHER_HOST are not set: restart the test servers with "
        + "bash scripts/test-servers.sh stop; eval \"$(bash scripts/test-servers.sh start)\" (the script makes the certificates)"

    /// A TCP port on 127.0.0.1 that nothing listened on a moment ago, for "connection refused" tests.
    public static func closedPort() -> Int {
        #if canImport(Glibc) || canImport(Musl)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { return 1 }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        // Bound but never listened on, and closed on return: a connect gets "refused".
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : 1
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
