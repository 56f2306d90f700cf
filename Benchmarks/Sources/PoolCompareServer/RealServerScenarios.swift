import Foundation
import PoolBenchSupport

/// The real-server comparison: PoolKit's PostgreSQL driver and postgres-nio's PostgresClient,
/// each with 8 connections, running `SELECT 1` and a one-row primary-key lookup with a bound
/// parameter from 1, 16 and 64 tasks for a fixed time.
struct RealServerScenarios {
    let settings: Settings
    let output: Output
    let url: String

    func run() async throws {
        if let only = settings.serverCase {
            try await runOne(client: only.client, query: only.query, tasks: only.tasks)
            return
        }
        let poolkit = try await PoolKitClient(url: url, connections: 8)
        let nio = try await PostgresNIOClient(url: url, connections: 8)
        // Warm both (statements prepared, connections used once) before measuring.
        for client in [poolkit, nio] as [any QueryClient] {
            _ = try await client.selectOne()
            _ = try await client.accountBalance(1)
        }
        for query in ["SELECT 1", "PK lookup $1"] {
            for tasks in [1, 16, 64] {
                var rates: [String: [Double]] = [:]
                var p99: [String: [Double]] = [:]
                for _ in 0..<max(1, (settings.runs + 1) / 2) {
                    for (name, client) in [("poolkit", poolkit), ("nio", nio)] as [(String, any QueryClient)] {
                        let waits = try await measure(client, query: query, tasks: tasks)
                        rates[name, default: []].append(waits.perSecond)
                        p99[name, default: []].append(waits.percentile(99).inMicroseconds)
                    }
                }
                let name = "\(query), \(tasks) tasks, 8 connections"
                output.row("server", name, "queries/s", poolkit: median(rates["poolkit"]!), peer: median(rates["nio"]!),
                           peerName: "PostgresClient", higherIsBetter: true)
                output.row("server", name, "p99 µs", poolkit: median(p99["poolkit"]!), peer: median(p99["nio"]!),
                           peerName: "PostgresClient", higherIsBetter: false)
            }
        }
        await poolkit.shutdown()
        await nio.shutdown()
    }

    /// One client, query and task count: queries/s, p99 and the process's CPU time per query.
    private func runOne(client name: String, query: String, tasks: Int) async throws {
        let client: any QueryClient = name == "poolkit"
            ? try await PoolKitClient(url: url, connections: 8) : try await PostgresNIOClient(url: url, connections: 8)
        _ = try await client.selectOne()
        _ = try await client.accountBalance(1)
        let before = ProcessCPU.now()
        let waits = try await measure(client, query: query == "select1" ? "SELECT 1" : "PK lookup $1", tasks: tasks)
        let cpu = ProcessCPU.now() - before
        let queries = waits.perSecond * waits.elapsed.inSeconds
        print("\(name)\t\(query)\t\(tasks) tasks\t\(Int(waits.perSecond)) queries/s\tp99 \(Int(waits.percentile(99).inMicroseconds)) µs\tCPU \(Int(cpu / queries * 1e6)) µs/query")
        await client.shutdown()
    }

    /// `tasks` tasks run `query` back to back for the configured time; every query's latency.
    private func measure(_ client: any QueryClient, query: String, tasks: Int) async throws -> Waits {
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + .milliseconds(Int(settings.serverSeconds * 1000))
        let lookup = query != "SELECT 1"
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for _ in 0..<tasks {
                group.addTask {
                    var latencies: [Duration] = []
                    latencies.reserveCapacity(100_000)
                    var generator = SystemRandomNumberGenerator()
                    while clock.now < end {
                        let before = clock.now
                        if lookup {
                            _ = try await client.accountBalance(Int.random(in: 1...accountCount, using: &generator))
                        } else {
                            _ = try await client.selectOne()
                        }
                        latencies.append(clock.now - before)
                    }
                    return latencies
                }
            }
            var all: [Duration] = []
            for try await latencies in group { all += latencies }
            return all
        }
        return Waits(latencies.sorted(), elapsed: clock.now - start)
    }
}

/// CPU time (user + system) of the whole process so far, in seconds.
enum ProcessCPU {
    static func now() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
