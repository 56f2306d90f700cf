import Benchmark
import PoolBenchSupport

// Lease → release cycles of PoolKit's pool and postgres-nio's pool over no-op connections, with
// ordo-one/benchmark's counters: throughput, wall clock and mallocs (the MallocInterposer trait).
// One benchmark iteration is 1,024 cycles spread over the tasks (started anew each iteration), so
// "mallocs" per iteration ÷ 1,024 is the allocations per cycle (plus 1/1,024 per task started).
//
//   swift package --package-path Benchmarks --scratch-path Benchmarks/.build benchmark

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal, .instructions],
        scalingFactor: .kilo,
        maxDuration: .seconds(1),
        maxIterations: 1_000)

    for kind in PoolKind.allCases {
        for connections in [4, 16] {
            for tasks in [1, 8, 64, 512] {
                Benchmark("\(kind.rawValue) cycle: \(tasks) tasks / \(connections) connections") { benchmark in
                    try await withNoOpPool(kind, NoOpPoolSetup(connections: connections)) { pool in
                        benchmark.startMeasurement()
                        _ = try await cyclesPerSecond(pool, tasks: tasks, cyclesPerTask: 1_024 / tasks)
                        benchmark.stopMeasurement()
                    }
                }
            }
        }
    }
}
