import ArgumentParser
import PoolKit

/// `poolkit drivers`: what this build can talk to.
struct DriversCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drivers",
        abstract: "List the drivers, their URL schemes, options and backup strategies.",
        discussion: "Examples:\n  poolkit drivers\n  poolkit drivers --json | jq '.drivers[].name'")

    @Flag(help: "Print the drivers as one JSON object (schema in docs/cli.md).")
    var json = false

    func run() throws {
        if json { return try emitJSON(DriversReport(Drivers.registry)) }
        for driver in Drivers.registry.drivers {
            print("\(driver.name)")
            print("  schemes:    \(driver.schemes.map { "\($0)://" }.joined(separator: ", "))")
            if driver.strategies.isEmpty {
                print("  strategies: (none yet)")
            } else {
                print("  strategies: \(driver.strategies.map(\.name).joined(separator: ", ")) (default: \(driver.strategies[0].name))")
            }
            if !driver.supportedOptions.isEmpty {
                print("  options:")
                let width = driver.supportedOptions.map(\.name.count).max() ?? 0
                for option in driver.supportedOptions {
                    print("    \(option.name.padding(to: width))  \(option.summary)")
                }
            }
        }
        print("pool options (every scheme): \(PoolOptions.keys.sorted().joined(separator: ", "))")
    }
}

extension String {
    func padding(to width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
