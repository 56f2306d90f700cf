import ServiceLifecycle

/// The background task: `run()` starts the pool and takes the work the state machine queues
/// (opening, closing and checking connections) until the pool has shut down.
extension ConnectionPool {
    /// Opens the minimum connections and does the pool's background work until the pool has shut
    /// down. Cancelling the task that runs it starts a graceful shutdown (waiters fail, idle
    /// connections close, leased ones close when returned or after the grace period).
    public func run() async throws {
        let now = clock.now
        let effects = state.withLock { state -> Effects in
            precondition(!state.runStarted, "ConnectionPool.run() may be called once")
            state.runStarted = true
            return Self.apply(state.machine.start(now: now), to: &state)
        }
        effects.run(self)
        logger.debug("pool started", metadata: ["min": "\(configuration.minConnections)", "max": "\(configuration.maxConnections)"])
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withDiscardingTaskGroup { group in
                    group.addTask { await self.runTimers() }
                    while let work = await self.nextWork() {
                        group.addTask { await self.perform(work) }
                    }
                }
            } onCancel: {
                self.beginShutdown(gracePeriod: self.configuration.shutdownGracePeriod)
            }
        } onGracefulShutdown: {
            self.beginShutdown(gracePeriod: self.configuration.shutdownGracePeriod)
        }
        logger.debug("pool shut down")
    }

    /// Runs `body` while ``run()`` runs in the background, then shuts the pool down gracefully.
    public func withRunning<R: Sendable>(_ body: @Sendable () async throws -> R) async throws -> R {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.run() }
            do {
                let result = try await body()
                await shutdown()
                try await group.waitForAll()
                return result
            } catch {
                await shutdown()
                try? await group.waitForAll()
                throw error
            }
        }
    }

    func nextWork() async -> Work? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Work?, Never>) in
            let next = state.withLock { state -> Work?? in
                if let work = state.work.popFirst() { return .some(work) }
                if state.machine.isShutDown { return .some(nil) }
                state.workWaiter = continuation
                return nil
            }
            if let next { continuation.resume(returning: next) }
        }
    }
}
