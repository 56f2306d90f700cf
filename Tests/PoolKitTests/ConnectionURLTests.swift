import Testing
@testable import PoolKit

@Suite("ConnectionURL")
struct ConnectionURLTests {
    @Test("parses a full postgres URL with a percent-encoded password")
    func fullPostgres() throws {
        let url = try ConnectionURL("postgresql://alice:p%40ss%3Aw0rd@db.example.com:6543/app?sslmode=disable&application_name=x")
        #expect(url.scheme == "postgresql")
        #expect(url.user == "alice")
        #expect(url.password == "p@ss:w0rd")
        #expect(url.host == "db.example.com")
        #expect(url.port == 6543)
        #expect(url.database == "app")
        #expect(url.option("sslmode") == "disable")
        #expect(url.option("application_name") == "x")
    }

    @Test("IPv6 hosts in brackets, with and without a port")
    func ipv6() throws {
        let url = try ConnectionURL("mariadb://root@[::1]:3307/shop")
        #expect(url.host == "::1")
        #expect(url.port == 3307)
        #expect(try ConnectionURL("mysql://[fe80::1]/x").host == "fe80::1")
        #expect(url.description == "mariadb://root@[::1]:3307/shop")
    }

    @Test("unix socket directory from ?host= or a percent-encoded host")
    func unixSocket() throws {
        let viaQuery = try ConnectionURL("postgres://bob@/app?host=/var/run/postgresql")
        #expect(viaQuery.host == "/var/run/postgresql")
        #expect(viaQuery.isUnixSocket)
        let viaHost = try ConnectionURL("postgres://%2Ftmp%2Fpg/app")
        #expect(viaHost.host == "/tmp/pg")
        #expect(viaHost.database == "app")
    }

    @Test("sqlite absolute, relative and in-memory forms", arguments: [
        ("sqlite:///abs/path.db", "/abs/path.db"),
        ("sqlite:relative/path.db", "relative/path.db"),
        ("sqlite::memory:", ":memory:"),
        ("sqlite:///with%20space.db", "/with space.db"),
    ])
    func sqlite(text: String, path: String) throws {
        let url = try ConnectionURL(text)
        #expect(url.scheme == "sqlite")
        #expect(url.database == path)
    }

    @Test("pool options are taken out; driver options stay")
    func poolOptions() throws {
        let url = try ConnectionURL(
            "postgres://u@h/db?pool_min=2&pool_max=8&acquire_timeout=500ms&max_lifetime=10m&idle_timeout=30s&health_check_period=1m&leak_detection_threshold=2s&max_waiting=100&connect_timeout=5")
        #expect(url.poolOptions.minConnections == 2)
        #expect(url.poolOptions.maxConnections == 8)
        #expect(url.poolOptions.acquireTimeout == .milliseconds(500))
        #expect(url.poolOptions.maxLifetime == .seconds(600))
        #expect(url.poolOptions.idleTimeout == .seconds(30))
        #expect(url.poolOptions.healthCheckPeriod == .seconds(60))
        #expect(url.poolOptions.leakDetectionThreshold == .seconds(2))
        #expect(url.poolOptions.maxWaiting == 100)
        #expect(url.options.map(\.key) == ["connect_timeout"])
    }

    @Test("durations", arguments: [("30s", 30.0), ("500ms", 0.5), ("10m", 600.0), ("1h", 3600.0), ("2.5s", 2.5), ("7", 7.0)])
    func durations(text: String, seconds: Double) {
        #expect(Duration(parsing: text)?.seconds == seconds)
    }

    @Test("bad durations and counts are rejected with the option's name")
    func badOptions() {
        #expect(throws: PoolKitError.self) { try ConnectionURL("postgres://h/db?acquire_timeout=soon") }
        do {
            _ = try ConnectionURL("postgres://h/db?pool_max=-1")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("pool_max"))
        }
    }

    @Test("the description never shows the password")
    func redaction() throws {
        let url = try ConnectionURL("postgres://alice:s3cr3t@h:5432/db?password=s3cr3t")
        #expect(!url.description.contains("s3cr3t"))
        #expect(url.description.contains("***"))
        #expect(!ConnectionURL.redact("postgres://alice:s3cr3t@h/db").contains("s3cr3t"))
    }

    @Test("malformed URLs fail with a message that does not echo the password", arguments: [
        "not a url", "postgres:/missing-slashes", "postgres://u:s3cr3t@h:99999/db", "postgres://u:s3cr3t@[::1/db",
        "postgres://u:s3cr3t@h/db%zz", "sqlite://relative.db", "sqlite:",
    ])
    func malformed(text: String) {
        do {
            _ = try ConnectionURL(text)
            Issue.record("expected \(text) to be rejected")
        } catch {
            #expect(!"\(error)".contains("s3cr3t"))
            #expect((error as? PoolKitError)?.code == .invalidURL)
        }
    }
}
