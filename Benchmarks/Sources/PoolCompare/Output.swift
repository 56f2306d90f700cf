import PoolBenchSupport

/// What the command line asked for.
struct Settings {
    /// Lease → release cycles per throughput run, split over the tasks.
    var cycles = 60_000
    /// Runs per figure; the median is printed.
    var runs = 5
    /// Seconds per real-server run.
    var serverSeconds = 3.0
    var sections: Set<String> = ["noop", "server"]

    init(arguments: [String]) throws {
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
            case "--only":
                guard let value = iterator.next(), ["noop", "server"].contains(value) else { throw UsageError("--only takes noop or server") }
                sections = [value]
            default:
                throw UsageError("unknown argument \(argument); use --quick, --runs N, --only noop|server")
            }
        }
    }
}

struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Prints one tab-separated row per figure: group, case, metric, PoolKit's median, the peer's
/// median, the peer's name, and whether higher is better — `scripts/bench-pool.sh` lays them
/// out as one table with ratios.
struct Output {
    func row(_ group: String, _ name: String, _ metric: String, _ samples: [PoolKind: [Double]], higherIsBetter: Bool) {
        row(group, name, metric, poolkit: median(samples[.poolkit] ?? []), peer: median(samples[.postgresNIO] ?? []),
            peerName: "postgres-nio pool", higherIsBetter: higherIsBetter)
    }

    func row(_ group: String, _ name: String, _ metric: String, poolkit: Double, peer: Double, peerName: String, higherIsBetter: Bool) {
        let fields = [group, name, metric, format(poolkit), format(peer), peerName, higherIsBetter ? "higher" : "lower"]
        print(fields.joined(separator: "\t"))
    }

    private func format(_ value: Double) -> String {
        value >= 100 ? String(Int(value.rounded())) : String((value * 100).rounded() / 100)
    }
}
