import CPoolKitLibPQ
import PoolKit

extension PGHandle {
    /// Runs `sql` with `values` bound (prepared once per connection, as ``query(_:_:statements:)``)
    /// in libpq's single-row mode and hands each row to `batcher` as it arrives, so the result is
    /// never held whole. When a hand-over throws (the consumer stopped), a cancel request goes to
    /// the server and the remaining results are read and dropped, so the connection is ready for
    /// its next statement when this returns. Blocks: call it on the connection's thread.
    func stream(
        _ sql: String, _ values: [SQLValue], statements: PGPreparedStatements, canceller: PGCanceller, into batcher: SQLRowBatcher
    ) throws {
        let connection = try open()
        let statement = PGBoundStatement(sql, values, statements: statements)
        if let name = statement.preparedName {
            do {
                return try streamPrepared(name, statement.parameters, on: connection, canceller: canceller, into: batcher)
            } catch let error as PoolKitError where error.engineCode == PGBoundStatement.statementGone {
                // The statement is gone (DEALLOCATE ALL by the borrower): no row was handed over yet.
                statements.forgetAll()
            }
        }
        let name = statements.remember(statement.key)
        try prepare(name, sql, types: statement.types, on: connection)
        try streamPrepared(name, statement.parameters, on: connection, canceller: canceller, into: batcher)
    }

    private func streamPrepared(
        _ name: String, _ parameters: [PGParameter], on connection: OpaquePointer, canceller: PGCanceller, into batcher: SQLRowBatcher
    ) throws {
        let sent = Self.withParameterArrays(parameters) { count, values, lengths, formats in
            PQsendQueryPrepared(connection, name, count, values, lengths, formats, 0)
        }
        guard sent == 1 else { throw statementError(connection, result: nil) }
        // Must follow the send at once; a failure only means the rows come in one result.
        _ = PQsetSingleRowMode(connection)
        var failure: (any Error)?
        var types: [Oid]?
        while let result = PQgetResult(connection) {
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_SINGLE_TUPLE, PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                guard failure == nil else { continue }
                if types == nil {
                    let columns = Self.columns(of: result)
                    types = columns.types
                    batcher.start(columns: columns.names, types: columns.types.map(PGTypeName.of))
                }
                do {
                    for row in 0..<PQntuples(result) {
                        try batcher.add(Self.values(of: result, row: row, types: types!))
                    }
                } catch {
                    // The consumer stopped: stop the statement on the server instead of reading
                    // every remaining row, then drop what is already on its way.
                    failure = error
                    _ = canceller.send()
                }
            default:
                if failure == nil { failure = statementError(connection, result: result) }
            }
        }
        if let failure { throw failure }
        try batcher.finish()
    }
}
