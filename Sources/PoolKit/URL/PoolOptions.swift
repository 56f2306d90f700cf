/// Pool settings given as URL query options. `nil` means "not given: use the configuration's value".
public struct PoolOptions: Sendable, Hashable {
    public var minConnections: Int?
    public var maxConnections: Int?
    public var acquireTimeout: Duration?
    public var maxLifetime: Duration?
    public var idleTimeout: Duration?
    public var healthCheckPeriod: Duration?
    public var leakDetectionThreshold: Duration?
    public var maxWaiting: Int?
    public var validationTimeout: Duration?
    public var resetPolicy: SessionResetPolicy?

    public init() {}

    /// The URL keys these options are read from.
    public static let keys: Set<String> = [
        "pool_min", "pool_max", "acquire_timeout", "max_lifetime", "idle_timeout",
        "health_check_period", "leak_detection_threshold", "max_waiting", "validation_timeout", "pool_reset",
    ]

    mutating func set(_ key: String, _ value: String) throws {
        func count() throws -> Int {
            guard let number = Int(value), number >= 0 else {
                throw PoolKitError(.invalidOption, "option \(key)='\(value)' must be a whole number ≥ 0")
            }
            return number
        }
        func duration() throws -> Duration {
            guard let duration = Duration(parsing: value) else {
                throw PoolKitError(.invalidOption, "option \(key)='\(value)' is not a duration: write e.g. 500ms, 30s or 10m")
            }
            return duration
        }
        switch key {
        case "pool_min": minConnections = try count()
        case "pool_max":
            maxConnections = try count()
            if maxConnections == 0 { throw PoolKitError(.invalidOption, "option pool_max must be at least 1") }
        case "acquire_timeout": acquireTimeout = try duration()
        case "max_lifetime": maxLifetime = try duration()
        case "idle_timeout": idleTimeout = try duration()
        case "health_check_period": healthCheckPeriod = try duration()
        case "leak_detection_threshold": leakDetectionThreshold = try duration()
        case "max_waiting": maxWaiting = try count()
        case "validation_timeout":
            validationTimeout = try duration()
            if validationTimeout == .zero { throw PoolKitError(.invalidOption, "option validation_timeout must be more than zero") }
        case "pool_reset":
            guard let policy = SessionResetPolicy(rawValue: value) else {
                throw PoolKitError(.invalidOption, "option pool_reset='\(value)' must be always, dirty or never")
            }
            resetPolicy = policy
        default: throw PoolKitError(.unknownOption, "unknown pool option '\(key)'")
        }
    }

    var queryItems: [String] {
        var items: [String] = []
        if let minConnections { items.append("pool_min=\(minConnections)") }
        if let maxConnections { items.append("pool_max=\(maxConnections)") }
        if let acquireTimeout { items.append("acquire_timeout=\(acquireTimeout.shortDescription)") }
        if let maxLifetime { items.append("max_lifetime=\(maxLifetime.shortDescription)") }
        if let idleTimeout { items.append("idle_timeout=\(idleTimeout.shortDescription)") }
        if let healthCheckPeriod { items.append("health_check_period=\(healthCheckPeriod.shortDescription)") }
        if let leakDetectionThreshold { items.append("leak_detection_threshold=\(leakDetectionThreshold.shortDescription)") }
        if let maxWaiting { items.append("max_waiting=\(maxWaiting)") }
        if let validationTimeout { items.append("validation_timeout=\(validationTimeout.shortDescription)") }
        if let resetPolicy { items.append("pool_reset=\(resetPolicy.rawValue)") }
        return items
    }
}
