import Logging
import PoolKit

/// A PoolKit driver whose connections do nothing: HikariCP's stub-driver method, through the
/// path an application takes (a URL pool over ``DriverConnectionSource``).
struct StubDriver: Driver {
    let connectDelay: Duration
    let counter: OpenCounter

    var name: String { "stub" }
    var schemes: [String] { ["stub"] }
    var supportedOptions: [DriverOption] { [] }

    func connect(to url: ConnectionURL, logger: Logger) async throws -> StubConnection {
        if connectDelay > .zero { try await Task.sleep(for: connectDelay) }
        return StubConnection(counter: counter)
    }

    func classify(_ error: any Error) -> ErrorDisposition { .statement }
}

/// A session that runs nothing; counted while open.
final class StubConnection: DatabaseConnection {
    private let counter: OpenCounter
    private let isOpen = Mutex(true)

    init(counter: OpenCounter) {
        self.counter = counter
        counter.opened()
    }

    var serverVersion: String { "stub" }
    var sqlDialect: SQLDialect { .postgres }
    func query(_ sql: String, _ values: [SQLValue]) async throws -> SQLRows { SQLRows(columns: [], values: []) }
    func streamRows(_ sql: String, _ values: [SQLValue], into channel: HandoffChannel<[SQLRow]>) async throws {}
    func execute(unsafeSQL sql: String) async throws {}
    func query(unsafeSQL sql: String) async throws -> QueryResult { QueryResult(columns: [], rows: []) }
    func ping() async throws {}
    func resetSession() async throws {}
    func resetSession(_ policy: SessionResetPolicy) async throws {}
    func cancelRunningStatement() {}
    func close() async {
        if isOpen.withLock({ open in defer { open = false }; return open }) { counter.closed() }
    }
}

import Synchronization
