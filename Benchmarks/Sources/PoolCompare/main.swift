import PoolBenchSupport

// PoolKit's pool against postgres-nio's over no-op connections, printed as tab-separated rows
// (see Output); scripts/bench-pool.sh lays them out as a table.
//
//   swift run -c release --package-path Benchmarks --scratch-path Benchmarks/.build PoolCompare [--quick] [--runs N]

let settings = Settings.fromCommandLine()
if let (kind, tasks) = settings.profile {
    try await withNoOpPool(kind, NoOpPoolSetup(connections: 4)) { pool in
        _ = try await cyclesPerSecond(pool, tasks: tasks, cyclesPerTask: settings.cycles / tasks)
    }
} else {
    try await NoOpScenarios(settings: settings, output: Output()).run()
}
