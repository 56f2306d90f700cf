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
                    let measured = Measured(benchmark)
                    try await withNoOpPool(kind, NoOpPoolSetup(connections: connections)) { pool in
                        measured.benchmark.startMeasurement()
                        _ = try await cyclesPerSecond(pool, tasks: tasks, cyclesPerTask: 1_024 / tasks)
                        measured.benchmark.stopMeasurement()
                    }
                }
            }
        }
    }
}

/// Hands the benchmark to the pool's `@Sendable` body so that only the cycles are measured, not
/// opening and closing the pool. `@unchecked Sendable`: `Benchmark` is a class without locks, and
/// here it is used by one task at a time — the body runs inside the benchmark's own task, which
/// awaits it (`withNoOpPool` returns only after the body), so no two threads touch it at once.
final class Measured: @unchecked Sendable {
    let benchmark: Benchmark
    init(_ benchmark: Benchmark) { self.benchmark = benchmark }
}
