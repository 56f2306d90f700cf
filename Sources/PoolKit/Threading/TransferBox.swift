import Synchronization

/// Hands a value that is not `Sendable` to a job on another thread, exactly once.
///
/// The box is `Sendable` because its only state is a `Mutex`; ``take()`` moves the value out,
/// so no two threads ever hold it.
public final class TransferBox<Value>: Sendable {
    private let value: Mutex<Value?>

    public init(_ value: sending Value) {
        self.value = Mutex(value)
    }

    /// The value, or nil if it was taken before.
    public func take() -> sending Value? {
        value.withLock { $0.take() }
    }
}
