/// Maps URL schemes to drivers. Built explicitly from the drivers an application imports:
/// no global state, nothing registered as a side effect of linking a module.
public struct DriverRegistry: Sendable {
    public let drivers: [any Driver]
    private let byScheme: [String: Int]

    public init(_ drivers: [any Driver]) {
        self.drivers = drivers
        var byScheme: [String: Int] = [:]
        for (index, driver) in drivers.enumerated() {
            for scheme in driver.schemes where byScheme[scheme.lowercased()] == nil {
                byScheme[scheme.lowercased()] = index
            }
        }
        self.byScheme = byScheme
    }

    /// Every scheme served, sorted.
    public var schemes: [String] { byScheme.keys.sorted() }

    /// The driver for the URL's scheme, after checking that it accepts every option in the URL.
    public func driver(for url: ConnectionURL) throws -> any Driver {
        guard let index = byScheme[url.scheme] else {
            throw PoolKitError(
                .unknownScheme,
                "no driver for scheme '\(url.scheme)': known schemes are \(schemes.map { "\($0)://" }.joined(separator: ", "))"
            )
        }
        let driver = drivers[index]
        let accepted = Set(driver.supportedOptions.map(\.name))
        for option in url.options where !accepted.contains(option.key) {
            let names = (driver.supportedOptions.map(\.name) + PoolOptions.keys.sorted()).joined(separator: ", ")
            throw PoolKitError(
                .unknownOption,
                "unknown option '\(option.key)' for the \(driver.name) driver: accepted options are \(names)"
            )
        }
        return driver
    }
}
