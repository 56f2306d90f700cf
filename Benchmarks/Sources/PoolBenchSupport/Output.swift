import Foundation

/// What the command line asked for.
public struct Settings: Sendable {
    /// Lease → release cycles per throughput run, split over the tasks.
    public var cycles = 60_000
    /// Runs per figure; the median is printed.
    public var runs = 5
    /// Seconds per real-server run.
    public var serverSeconds = 3.0
    /// `--profile KIND TASKS`: only `cycles` cycles of that pool (4 connections) from `TASKS`
    /// tasks, for `valgrind --tool=callgrind` (instructions per cycle, before and after a change).
    public var profile: (kind: PoolKind, tasks: Int)?
    /// `--server-case CLIENT QUERY TASKS`: PoolCompareServer runs only that client (`poolkit` or
    /// `nio`), query (`select1` or `lookup`) and task count, and prints queries/s with the
    /// process's CPU time per query (steadier than throughput on a shared machine).
    public var serverCase: (client: String, query: String, tasks: Int)?

    public init(arguments: [String]) throws {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--quick":
                cycles = 20_000
                runs = 3
                serverSeconds = 1.5
            case "--runs":
                guard let value = iterator.next().flatMap(Int.init), value > 0 else { throw UsageError("--runs needs a positive number") }
                runs = value
            case "--cycles":
                guard let value = iterator.next().flatMap(Int.init), value > 0 else { throw UsageError("--cycles needs a positive number") }
                cycles = value
            case "--profile":
                guard let kind = iterator.next().flatMap(PoolKind.init(rawValue:)), let tasks = iterator.next().flatMap(Int.init), tasks > 0 else {
                    throw UsageError("--profile takes \(PoolKind.allCases.map(\.rawValue).joined(separator: ", ")) and a number of tasks")
                }
                profile = (kind, tasks)
            case "--seconds":
                guard let value = iterator.next().flatMap(Double.init), value > 0 else { throw UsageError("--seconds needs a positive number") }
                serverSeconds = value
            case "--server-case":
                guard let client = iterator.next(), ["poolkit", "nio"].contains(client),
                    let query = iterator.next(), ["select1", "lookup"].contains(query),
                    let tasks = iterator.next().flatMap(Int.init), tasks > 0
                else { throw UsageError("--server-case takes poolkit|nio, select1|lookup and a number of tasks") }
                serverCase = (client, query, tasks)
            default:
                throw UsageError(
                    "unknown argument \(argument); use --quick, --runs N, --cycles N, --seconds S, --profile KIND TASKS, --server-case CLIENT QUERY TASKS")
            }
        }
    }

    /// The settings from the command line; exits with a message on a bad argument.
    public static func fromCommandLine() -> Settings {
        do {
            return try Settings(arguments: CommandLine.arguments)
        } catch {
            FileHandle.standardError.write(Data("\(CommandLine.arguments[0]): \(error)\n".utf8))
            exit(2)
        }
    }
}

public struct UsageError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Prints one tab-separated row per figure: group, case, metric, PoolKit's median, the peer's
/// median, the peer's name, and whether higher is better — `scripts/bench-pool.sh` lays them
/// out as one table with ratios.
public struct Output: Sendable {
    public init() {}

    public func row(
        _ group: String, _ name: String, _ metric: String, _ samples: [PoolKind: [Double]], higherIsBetter: Bool,
        poolkit kind: PoolKind = .poolkit
    ) {
        row(group, name, metric, poolkit: median(samples[kind] ?? []), peer: median(samples[.postgresNIO] ?? []),
            peerName: "postgres-nio pool", higherIsBetter: higherIsBetter)
    }

    public func row(_ group: String, _ name: String, _ metric: String, poolkit: Double, peer: Double, peerName: String, higherIsBetter: Bool) {
        let fields = [group, name, metric, format(poolkit), format(peer), peerName, higherIsBetter ? "higher" : "lower"]
        FileHandle.standardOutput.write(Data((fields.joined(separator: "\t") + "\n").utf8))
    }

    private func format(_ value: Double) -> String {
        value >= 100 ? String(Int(value.rounded())) : String((value * 100).rounded() / 100)
    }
}
