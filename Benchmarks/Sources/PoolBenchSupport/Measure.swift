/// Runs `tasks` concurrent tasks that each do `cyclesPerTask` lease → release cycles; returns
/// cycles per second over the whole run.
public func cyclesPerSecond(_ pool: any BenchPool, tasks: Int, cyclesPerTask: Int) async throws -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<tasks {
            group.addTask {
                for _ in 0..<cyclesPerTask { try await pool.cycle() }
            }
        }
        try await group.waitForAll()
    }
    return Double(tasks * cyclesPerTask) / (clock.now - start).inSeconds
}

/// Runs `tasks` concurrent tasks that each do `cyclesPerTask` cycles holding the connection for
/// `hold`; returns every lease's wait, sorted.
public func acquireWaits(
    _ pool: any BenchPool, tasks: Int, cyclesPerTask: Int, hold: Duration = .zero
) async throws -> Waits {
    let clock = ContinuousClock()
    let start = clock.now
    let perTask = try await withThrowingTaskGroup(of: [Duration].self) { group in
        for _ in 0..<tasks {
            group.addTask {
                var waits: [Duration] = []
                waits.reserveCapacity(cyclesPerTask)
                for _ in 0..<cyclesPerTask { waits.append(try await pool.timedCycle(hold: hold)) }
                return waits
            }
        }
        var all: [Duration] = []
        for try await waits in group { all += waits }
        return all
    }
    return Waits(perTask.sorted(), elapsed: clock.now - start)
}

/// A sorted set of durations and the wall time they were taken in.
public struct Waits: Sendable {
    public let sorted: [Duration]
    public let elapsed: Duration

    public init(_ sorted: [Duration], elapsed: Duration) {
        self.sorted = sorted
        self.elapsed = elapsed
    }

    /// The `p`-th percentile (0...100), nearest rank.
    public func percentile(_ p: Double) -> Duration {
        guard !sorted.isEmpty else { return .zero }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    public var shortest: Duration { sorted.first ?? .zero }
    public var longest: Duration { sorted.last ?? .zero }
    public var perSecond: Double { Double(sorted.count) / elapsed.inSeconds }
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// The duration in microseconds, as a Double.
    public var inMicroseconds: Double { inSeconds * 1e6 }
}

/// The median of `values` (the lower middle one for an even count).
public func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[(sorted.count - 1) / 2]
}
