import PoolBenchSupport

/// The no-op scenarios: what each pool itself costs, with connections that do nothing.
struct NoOpScenarios {
    let settings: Settings
    let output: Output

    func run() async throws {
        try await throughputAndLatency()
        try await saturation()
        try await hikariCycles()
        try await spike()
    }

    /// Cycles/s (median of `runs`, kinds alternating so both see the same noise) and acquire
    /// latency percentiles (from separate timed runs, so reading the clock does not slow the
    /// throughput runs) at every concurrency on pools of 4 and 16.
    func throughputAndLatency() async throws {
        for connections in [4, 16] {
            for tasks in [1, 8, 64, 512] {
                let perTask = max(1, settings.cycles / tasks)
                var rates: [PoolKind: [Double]] = [:]
                var p50: [PoolKind: [Double]] = [:]
                var p99: [PoolKind: [Double]] = [:]
                var worst: [PoolKind: [Double]] = [:]
                for _ in 0..<settings.runs {
                    for kind in PoolKind.allCases {
                        let (rate, waits) = try await withNoOpPool(kind, NoOpPoolSetup(connections: connections)) { pool in
                            // A short warm-up, then the measured runs.
                            _ = try await cyclesPerSecond(pool, tasks: tasks, cyclesPerTask: max(1, perTask / 10))
                            let rate = try await cyclesPerSecond(pool, tasks: tasks, cyclesPerTask: perTask)
                            return (rate, try await acquireWaits(pool, tasks: tasks, cyclesPerTask: perTask))
                        }
                        rates[kind, default: []].append(rate)
                        p50[kind, default: []].append(waits.percentile(50).inMicroseconds)
                        p99[kind, default: []].append(waits.percentile(99).inMicroseconds)
                        worst[kind, default: []].append(waits.longest.inMicroseconds)
                    }
                }
                let name = "\(tasks) tasks, pool of \(connections)"
                output.row("no-op", name, "cycles/s", rates, higherIsBetter: true)
                output.row("no-op, own ConnectionSource", name, "cycles/s", rates, higherIsBetter: true, poolkit: .poolkitOwnSource)
                output.row("no-op, DatabasePool", name, "cycles/s", rates, higherIsBetter: true, poolkit: .poolkitTyped)
                output.row("no-op", name, "acquire p50 µs", p50, higherIsBetter: false)
                output.row("no-op", name, "acquire p99 µs", p99, higherIsBetter: false)
                output.row("no-op", name, "acquire max µs", worst, higherIsBetter: false)
            }
        }
    }

    /// 512 tasks on 16 connections holding each lease 10 ms: how evenly the waits are spread
    /// (a fair pool serves in order, so every wait is close to 512/16 × 10 ms).
    func saturation() async throws {
        var p50: [PoolKind: [Double]] = [:]
        var p99: [PoolKind: [Double]] = [:]
        var worst: [PoolKind: [Double]] = [:]
        for _ in 0..<max(1, settings.runs / 2) {
            for kind in PoolKind.compared {
                let waits = try await withNoOpPool(kind, NoOpPoolSetup(connections: 16)) { pool in
                    try await acquireWaits(pool, tasks: 512, cyclesPerTask: 3, hold: .milliseconds(10))
                }
                p50[kind, default: []].append(waits.percentile(50).inSeconds * 1000)
                p99[kind, default: []].append(waits.percentile(99).inSeconds * 1000)
                worst[kind, default: []].append(waits.longest.inSeconds * 1000)
            }
        }
        let name = "512 tasks, pool of 16, 10 ms body"
        output.row("saturation", name, "wait p50 ms", p50, higherIsBetter: false)
        output.row("saturation", name, "wait p99 ms", p99, higherIsBetter: false)
        output.row("saturation", name, "wait max ms", worst, higherIsBetter: false)
    }

    /// HikariCP's connection-cycle benchmark: 32 tasks on 32 and on 16 connections, in ops/ms
    /// as HikariCP publishes it.
    func hikariCycles() async throws {
        for connections in [32, 16] {
            var rates: [PoolKind: [Double]] = [:]
            let perTask = max(1, settings.cycles / 32)
            for _ in 0..<settings.runs {
                for kind in PoolKind.compared {
                    let rate = try await withNoOpPool(kind, NoOpPoolSetup(connections: connections)) { pool in
                        _ = try await cyclesPerSecond(pool, tasks: 32, cyclesPerTask: max(1, perTask / 10))
                        return try await cyclesPerSecond(pool, tasks: 32, cyclesPerTask: perTask)
                    }
                    rates[kind, default: []].append(rate / 1000)
                }
            }
            output.row("HikariCP", "32 tasks, \(connections) connections", "cycles/ms", rates, higherIsBetter: true)
        }
    }

    /// HikariCP's spike test: connects take 150 ms, each task holds its lease 2 ms, minimum 5
    /// idle, maximum 50, 50 tasks at once. The peak is read after every connect started during
    /// the burst has landed (the tasks can all be served before the last connects finish).
    func spike() async throws {
        var peaks: [PoolKind: [Double]] = [:]
        var times: [PoolKind: [Double]] = [:]
        for _ in 0..<max(1, settings.runs / 2) {
            for kind in PoolKind.compared {
                let counter = OpenCounter()
                let setup = NoOpPoolSetup(minConnections: 5, maxConnections: 50, connectDelay: .milliseconds(150))
                let waits = try await withNoOpPool(kind, setup, counter: counter) { pool in
                    let waits = try await acquireWaits(pool, tasks: 50, cyclesPerTask: 1, hold: .milliseconds(2))
                    // Longer than one connect: whatever was in flight when the last task ended has landed.
                    try await Task.sleep(for: .milliseconds(400))
                    return waits
                }
                peaks[kind, default: []].append(Double(counter.peak))
                times[kind, default: []].append(waits.elapsed.inSeconds * 1000)
            }
        }
        let name = "spike: 150 ms connects, 2 ms body, min 5, max 50, 50 tasks"
        output.row("HikariCP", name, "connections at peak", peaks, higherIsBetter: false)
        output.row("HikariCP", name, "all served in ms", times, higherIsBetter: false)
    }
}
