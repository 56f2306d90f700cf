/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
///
/// For integration tests that wait for a server to reach a state (a statement shows up as
/// running, a killed session disappears). It asserts no timing: a slow machine only waits longer.
///
/// ```swift
/// let running = try await eventually { try await observer.query(unsafeSQL: activeSQL).rows.count == 1 }
/// #expect(running)
/// ```
public func eventually(
    timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
        if try await condition() { return true }
        if clock.now >= deadline { return false }
        try await Task.sleep(for: interval)
    }
}
