import PoolKitConformance
import PoolKitPostgres
import Testing

/// PoolKit's conformance kit against the real Postgres test server.
@Suite(
    "Postgres conformance",
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresConformanceTests {
    @Test(arguments: ConformanceCheck.all)
    func conformance(_ check: ConformanceCheck) async throws {
        let text = try #require(TestServers.url(for: .postgres), "\(TestServers.missingMessage(for: .postgres))")
        let context = ConformanceContext(
            url: try ConnectionURL(text),
            registry: DriverRegistry([PostgresDriver()]),
            longRunningStatement: "SELECT pg_sleep(60)",
            sessionProbe: .init(change: "SET statement_timeout = 1234", read: "SHOW statement_timeout", freshValue: "0"))
        try await check.run(context)
    }
}

/// The backup → restore round trip of the conformance kit, for the `copy` strategy.
@Suite(
    "Postgres backup round trip conformance",
    .enabled(if: TestServers.shouldRun(.postgres), Comment(rawValue: TestServers.skipReason(.postgres))))
struct PostgresBackupRoundTripTests {
    @Test(
        "odd identifiers and values survive backup and restore",
        arguments: [(1, BackupRoundTrip.Transport.file), (3, .file), (3, .pipe)])
    func roundTrip(run: (jobs: Int, transport: BackupRoundTrip.Transport)) async throws {
        var context = BackupRoundTripContext(
            registry: DriverRegistry([PostgresDriver()]),
            makeDatabase: { try await ScratchDatabase.create("conf").url },
            dropDatabase: { url in
                let admin = try ScratchDatabase.serverURL()
                try await ScratchDatabase.withConnection(admin) { connection in
                    try await connection.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(quoteIdentifier(url.database ?? "")) WITH (FORCE)")
                }
            },
            quote: quoteIdentifier)
        context.integerType = "integer"
        context.textType = "varchar(400)"
        try await BackupRoundTrip.run(context, strategy: "copy", jobs: run.jobs, transport: run.transport)
    }
}
