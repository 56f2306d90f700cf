import PoolKit
import Synchronization

/// A ``PoolClock`` that only moves when a test moves it, so timeouts, idle eviction, lifetime
/// expiry and health checks are driven by `advance(by:)` instead of by sleeping.
///
/// ```swift
/// let clock = ManualPoolClock()
/// let pool = try ConnectionPool(source: source, configuration: configuration, clock: clock)
/// clock.advance(by: .seconds(31))
/// pool.handleTimers()  // the acquire timeout fires now
/// ```
public final class ManualPoolClock: PoolClock {
    private let current: Mutex<PoolInstant>

    /// A clock that starts at `start` (default: its origin).
    public init(start: PoolInstant = PoolInstant(nanoseconds: 0)) {
        current = Mutex(start)
    }

    public var now: PoolInstant { current.withLock { $0 } }

    /// Moves the clock forward by `duration` and returns the new instant.
    @discardableResult
    public func advance(by duration: Duration) -> PoolInstant {
        current.withLock { now in
            now = now + duration
            return now
        }
    }
}
