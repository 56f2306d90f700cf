/// The rows of one statement as they arrive from the server, never the whole result at once.
///
/// ```swift
/// var total = 0
/// for try await row in connection.stream("SELECT amount FROM payments WHERE day = \(day)") {
///     total += try row.decode(Int.self, at: 0)
/// }
/// ```
///
/// The statement starts when iteration starts and runs as one job on the connection's thread
/// (libpq single-row mode, MariaDB's unbuffered `mysql_stmt_fetch`, `sqlite3_step`), which hands
/// rows over in batches of ``batchSize``. It waits while the consumer has not taken the last batch:
/// memory stays at two batches however many rows the statement returns, and a slow consumer slows
/// the statement down. Leaving the loop early (or cancelling the iterating task) stops the
/// statement — PostgreSQL is sent a cancel request, MariaDB's remaining rows are read and dropped,
/// SQLite's statement is reset — and the connection can run its next statement, which waits for that end.
/// Iterate a sequence once.
public struct SQLRowSequence: AsyncSequence, Sendable {
    public typealias Element = SQLRow

    /// Rows per hand-over: one hop between the connection's thread and the consumer per batch.
    public static let batchSize = 1024

    let start: @Sendable (HandoffChannel<[SQLRow]>) async throws -> Void

    public func makeAsyncIterator() -> Iterator {
        Iterator(start: start)
    }

    /// Reads the batches; stops the statement when dropped before the end.
    public final class Iterator: AsyncIteratorProtocol {
        private let channel = HandoffChannel<[SQLRow]>(purpose: "row stream")
        private let start: @Sendable (HandoffChannel<[SQLRow]>) async throws -> Void
        private var producer: Task<Void, Never>?
        private var batch: [SQLRow] = []
        private var position = 0
        private var ended = false

        init(start: @escaping @Sendable (HandoffChannel<[SQLRow]>) async throws -> Void) {
            self.start = start
        }

        public func next() async throws -> SQLRow? {
            if producer == nil {
                producer = Task { [channel, start] in
                    do {
                        try await start(channel)
                        channel.finish()
                    } catch {
                        channel.fail(error)
                    }
                }
            }
            while position == batch.count {
                guard !ended, let next = try await channel.next() else {
                    ended = true
                    return nil
                }
                batch = next
                position = 0
            }
            defer { position += 1 }
            return batch[position]
        }

        deinit {
            // The consumer left early: the producer's next hand-over throws, and it ends the statement.
            channel.cancel()
        }
    }
}

/// Collects a statement's rows into batches and hands each full one to a ``HandoffChannel``: what
/// a driver's ``DatabaseConnection/streamRows(_:_:into:)`` runs on its connection's thread.
public final class SQLRowBatcher {
    private let channel: HandoffChannel<[SQLRow]>
    private var index: SQLRow.ColumnIndex?
    private var rows: [SQLRow] = []

    public init(channel: HandoffChannel<[SQLRow]>) {
        self.channel = channel
    }

    /// The result's columns and their SQL types (as the engine names them; `[]` if unknown), given
    /// once before the first row.
    public func start(columns: [String], types: [String]) {
        index = SQLRow.ColumnIndex(columns, types: types)
        rows.reserveCapacity(SQLRowSequence.batchSize)
    }

    /// Adds a row; hands the batch over when it is full (blocking while the previous one has not
    /// been taken). Throws `.cancelled` once the consumer has gone: end the statement then.
    public func add(_ values: [SQLValue]) throws {
        guard let index else { throw PoolKitError(.usage, "SQLRowBatcher.add called before start(columns:types:)") }
        rows.append(SQLRow(index: index, values: values))
        if rows.count == SQLRowSequence.batchSize {
            try channel.send(rows)
            rows.removeAll(keepingCapacity: true)
        }
    }

    /// Hands over the last, partial batch.
    public func finish() throws {
        if !rows.isEmpty {
            try channel.send(rows)
            rows = []
        }
    }
}

extension DatabaseConnection {
    /// The rows of `query` (every interpolated value bound) as an `AsyncSequence` that reads them
    /// as they arrive, with back-pressure; see ``SQLRowSequence``.
    public func stream(_ query: SQLQuery) -> SQLRowSequence {
        let (sql, binds) = query.rendered(for: sqlDialect)
        return SQLRowSequence { [self] channel in try await streamRows(sql, binds, into: channel) }
    }
}
