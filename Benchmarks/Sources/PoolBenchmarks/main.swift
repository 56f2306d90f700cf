import Foundation
import PoolKit
import Synchronization

// Pool benchmarks with a no-op connection (HikariCP's "stub driver" method): what the pool itself
// costs per lease/release, and how many connections a spike makes it open. Prints figures; asserts
// nothing. Run: swift run -c release --package-path Benchmarks PoolBenchmarks

/// A connection that does nothing, opened after `connectDelay`; counts what is open.
final class StubSource: ConnectionSource {
    final class Connection: Sendable {}
    let connectDelay: Duration
    let open = Atomic<Int>(0)
    let peak = Atomic<Int>(0)
    init(connectDelay: Duration = .zero) { self.connectDelay = connectDelay }

    func connect() async throws -> Connection {
        if connectDelay > .zero { try await Task.sleep(for: connectDelay) }
        let now = open.add(1, ordering: .relaxed).newValue
        _ = peak.max(now, ordering: .relaxed)
        return Connection()
    }
    func validate(_ connection: Connection) async throws {}
    func reset(_ connection: Connection) async throws {}
    func close(_ connection: Connection) async { open.subtract(1, ordering: .relaxed) }
    func cancel(_ connection: Connection) {}
    func classify(_ error: any Error) -> ErrorDisposition { .statement }
}

/// `tasks` tasks each doing `perTask` withConnection calls on a pool of `connections`; ops/ms.
func cycle(tasks: Int, connections: Int, perTask: Int) async throws -> Double {
    var configuration = PoolConfiguration()
    configuration.minConnections = connections
    configuration.maxConnections = connections
    configuration.maxConcurrentConnects = connections
    configuration.validationBypassWindow = .seconds(3600)
    let pool = try ConnectionPool(source: StubSource(), configuration: configuration)
    return try await pool.withRunning {
        while pool.statistics.idle < connections { try await Task.sleep(for: .milliseconds(1)) }
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<tasks {
                group.addTask {
                    for _ in 0..<perTask { try await pool.withConnection { _ in } }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = (clock.now - start).seconds
        return Double(tasks * perTask) / (elapsed * 1000)
    }
}

/// HikariCP's spike test: connects take 150 ms, queries 2 ms, max 50, min 5, 50 tasks at once.
func spike() async throws -> (peak: Int, elapsed: Double) {
    var configuration = PoolConfiguration()
    configuration.minConnections = 5
    configuration.maxConnections = 50
    let source = StubSource(connectDelay: .milliseconds(150))
    let pool = try ConnectionPool(source: source, configuration: configuration)
    return try await pool.withRunning {
        while pool.statistics.idle < 5 { try await Task.sleep(for: .milliseconds(5)) }
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask { try await pool.withConnection { _ in try await Task.sleep(for: .milliseconds(2)) } }
            }
            try await group.waitForAll()
        }
        let elapsed = (clock.now - start).seconds
        // Connects still in flight when the last task finished count too: read the peak after they landed.
        while pool.statistics.opening > 0 { try await Task.sleep(for: .milliseconds(5)) }
        return (source.peak.load(ordering: .relaxed), elapsed)
    }
}

print("PoolKit pool benchmarks (\(ProcessInfo.processInfo.activeProcessorCount) cores)")
for (tasks, connections) in [(1, 1), (32, 32), (32, 16), (32, 4)] {
    var samples: [Double] = []
    for _ in 0..<5 { samples.append(try await cycle(tasks: tasks, connections: connections, perTask: 20_000 / max(1, tasks / 8))) }
    samples.sort()
    print("lease/release, \(tasks) tasks, \(connections) connections: \(Int(samples[2])) ops/ms (median of 5; min \(Int(samples[0])), max \(Int(samples[4])))")
}
let result = try await spike()
print("spike (150 ms connect, 2 ms query, 50 tasks, min 5, max 50): \(result.peak) connections opened at peak, done in \(Int(result.elapsed * 1000)) ms (HikariCP reports 5–6; DBCP2/Vibur 45, Tomcat 40)")
