import Synchronization

/// The worker connections of one restore: leased from the pool when first needed, prepared once by
/// the session (``RestoreSession/prepareWorker(_:)``) and kept until the restore ends, so session
/// settings for bulk loading last across chunks and post-data objects.
///
/// A loader or an object builder checks a worker out, uses it, and checks it in; there are never
/// more workers than tasks using them at once. A `--single-transaction` restore has exactly one
/// worker: the coordinator.
final class RestoreWorkers<Session: RestoreSession>: Sendable {
    typealias Connection = Session.Connection

    private struct Worker: Sendable {
        var lease: PoolLease<any DatabaseConnection>?
        var connection: Connection
    }
    private struct State: Sendable {
        var idle: [Worker] = []
        var busy: [ObjectIdentifier: Worker] = [:]
        var onlyConnectionPrepared = false
    }

    private let session: Session
    private let pool: ConnectionPool<DriverConnectionSource>
    private let driver: any Driver
    private let strategy: String
    private let onlyConnection: Connection?
    private let state = Mutex(State())

    init(
        session: Session, pool: ConnectionPool<DriverConnectionSource>, driver: any Driver, strategy: String,
        onlyConnection: Connection?
    ) {
        self.session = session
        self.pool = pool
        self.driver = driver
        self.strategy = strategy
        self.onlyConnection = onlyConnection
    }

    /// An idle prepared worker, or a new one leased and prepared now.
    func checkOut() async throws -> Connection {
        if let onlyConnection {
            let prepare = state.withLock { state in
                defer { state.onlyConnectionPrepared = true }
                return !state.onlyConnectionPrepared
            }
            if prepare { try await session.prepareWorker(onlyConnection) }
            return onlyConnection
        }
        if let worker = state.withLock({ state -> Worker? in
            guard let worker = state.idle.popLast() else { return nil }
            state.busy[ObjectIdentifier(worker.connection)] = worker
            return worker
        }) {
            return worker.connection
        }
        let lease = try await pool.lease()
        do {
            let connection = try StrategyConnection<Connection>.cast(lease.connection, driver: driver, strategy: strategy)
            try await session.prepareWorker(connection)
            state.withLock { $0.busy[ObjectIdentifier(connection)] = Worker(lease: lease, connection: connection) }
            return connection
        } catch {
            await pool.release(lease, after: error)
            throw error
        }
    }

    /// Gives a worker back for the next task.
    func checkIn(_ connection: Connection) {
        guard onlyConnection == nil else { return }
        state.withLock { state in
            if let worker = state.busy.removeValue(forKey: ObjectIdentifier(connection)) { state.idle.append(worker) }
        }
    }

    /// After a successful restore: undoes each worker's preparation and returns it to the pool.
    func finishAll() async throws {
        if let onlyConnection {
            if state.withLock({ $0.onlyConnectionPrepared }) { try await session.finishWorker(onlyConnection) }
            return
        }
        let workers = takeAll()
        var failure: (any Error)?
        for worker in workers {
            do {
                try await session.finishWorker(worker.connection)
                if let lease = worker.lease { await pool.release(lease) }
            } catch {
                failure = failure ?? error
                if let lease = worker.lease { await pool.release(lease, after: error) }
            }
        }
        if let failure { throw failure }
    }

    /// After a failure: stops what the workers still run and returns them to the pool, which
    /// resets or discards them.
    func releaseAll(after error: any Error) async {
        for worker in takeAll() {
            worker.connection.cancelRunningStatement()
            if let lease = worker.lease { await pool.release(lease, after: error) }
        }
    }

    private func takeAll() -> [Worker] {
        state.withLock { state in
            defer {
                state.idle = []
                state.busy = [:]
            }
            return state.idle + Array(state.busy.values)
        }
    }
}
