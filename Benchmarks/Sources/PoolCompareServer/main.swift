import Foundation
import PoolBenchSupport

// PoolKit's PostgreSQL driver against postgres-nio's PostgresClient on a real server, printed as
// tab-separated rows (see Output). Needs POOLKIT_TEST_POSTGRES_URL and pgbench's table at scale 1
// (`pgbench -i`); scripts/bench-pool.sh provides both.
//
//   swift run -c release --package-path Benchmarks --scratch-path Benchmarks/.build PoolCompareServer [--quick] [--runs N]

let settings = Settings.fromCommandLine()
guard let url = ProcessInfo.processInfo.environment["POOLKIT_TEST_POSTGRES_URL"] else {
    FileHandle.standardError.write(Data("PoolCompareServer: set POOLKIT_TEST_POSTGRES_URL (scripts/test-servers.sh start prints it)\n".utf8))
    exit(2)
}
try await RealServerScenarios(settings: settings, output: Output(), url: url).run()
