/// A point in time on a ``PoolClock``: nanoseconds since the clock's own origin.
public struct PoolInstant: Comparable, Hashable, Sendable {
    public var nanoseconds: Int64
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static func < (lhs: PoolInstant, rhs: PoolInstant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
    public static func + (lhs: PoolInstant, rhs: Duration) -> PoolInstant {
        PoolInstant(nanoseconds: lhs.nanoseconds &+ rhs.nanosecondsClamped)
    }
    public static func - (lhs: PoolInstant, rhs: PoolInstant) -> Duration {
        .nanoseconds(lhs.nanoseconds &- rhs.nanoseconds)
    }
}

extension Duration {
    /// The duration in whole nanoseconds, clamped to Int64.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return product &+ attoseconds / 1_000_000_000
    }
}

/// The pool's source of time. Production uses ``SystemPoolClock``; tests inject a manual clock so
/// that keep-alive, idle eviction and lifetime expiry are driven by advancing time, not by sleeping.
/// (The background task wakes every ``PoolConfiguration/timerResolution`` of real time and asks
/// the clock what time it is.)
public protocol PoolClock: Sendable {
    /// The current instant (monotonic).
    var now: PoolInstant { get }
}

/// Monotonic wall time from `ContinuousClock`.
public struct SystemPoolClock: PoolClock {
    private let origin = ContinuousClock.now
    public init() {}

    public var now: PoolInstant {
        PoolInstant(nanoseconds: (ContinuousClock.now - origin).nanosecondsClamped)
    }
}
