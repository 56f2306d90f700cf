import CPoolKitLibPQ
import Foundation
import PoolKit
import Synchronization

/// The statements a connection has prepared for parameterized queries, by SQL text and
/// parameter types. Used only on the connection's thread; the lock makes it `Sendable`.
final class PGPreparedStatements: Sendable {
    private let state = Mutex<(names: [PGStatementKey: String], next: Int)>(([:], 0))

    func name(for key: PGStatementKey) -> String? { state.withLock { $0.names[key] } }

    func remember(_ key: PGStatementKey) -> String {
        state.withLock { state in
            state.next += 1
            let name = "poolkit_p\(state.next)"
            state.names[key] = name
            return name
        }
    }

    /// After `DISCARD ALL` or `DEALLOCATE ALL`: every statement is gone on the server.
    func forgetAll() { state.withLock { $0.names.removeAll() } }

    var count: Int { state.withLock { $0.names.count } }
}

extension PGHandle {
    /// Runs `sql` with `values` bound to `$1`, `$2`, … as a prepared statement, prepared once per
    /// connection for each SQL text and parameter types and reused after. Values travel apart from
    /// the SQL (text format; bytes in binary), never spliced into it. Blocks: call it on the
    /// connection's thread (``queryNonBlocking(_:_:statements:readiness:)`` is the fast path).
    func query(_ sql: String, _ values: [SQLValue], statements: PGPreparedStatements) throws -> SQLRows {
        let connection = try open()
        let statement = PGBoundStatement(sql, values, statements: statements)
        if let name = statement.preparedName {
            do {
                return try executePrepared(name, statement.parameters, on: connection)
            } catch let error as PoolKitError where error.engineCode == PGBoundStatement.statementGone {
                // The statement is gone (DEALLOCATE ALL by the borrower): prepare it again, once.
                statements.forgetAll()
            }
        }
        let name = statements.remember(statement.key)
        try prepare(name, sql, types: statement.types, on: connection)
        return try executePrepared(name, statement.parameters, on: connection)
    }

    /// ``query(_:_:statements:)`` without blocking a thread: sends with libpq's non-blocking calls
    /// and awaits the answer on `readiness`. Call it only while holding the connection's gate.
    func queryNonBlocking(
        _ sql: String, _ values: [SQLValue], statements: PGPreparedStatements, readiness: SocketReadiness
    ) async throws -> SQLRows {
        let statement = PGBoundStatement(sql, values, statements: statements)
        if let name = statement.preparedName {
            do {
                return try await executePreparedNonBlocking(name, statement.parameters, readiness: readiness)
            } catch let error as PoolKitError where error.engineCode == PGBoundStatement.statementGone {
                statements.forgetAll()
            }
        }
        let name = statements.remember(statement.key)
        let types = statement.types
        let prepared = try await exchange(readiness: readiness) { connection in
            types.withUnsafeBufferPointer { PQsendPrepare(connection, name, sql, Int32(types.count), $0.baseAddress) }
        }
        PQclear(prepared)
        return try await executePreparedNonBlocking(name, statement.parameters, readiness: readiness)
    }

    private func executePreparedNonBlocking(
        _ name: String, _ parameters: [PGParameter], readiness: SocketReadiness
    ) async throws -> SQLRows {
        let result = try await exchange(readiness: readiness) { connection in
            Self.withParameterArrays(parameters) { count, values, lengths, formats in
                PQsendQueryPrepared(connection, name, count, values, lengths, formats, 0)
            }
        }
        defer { PQclear(result) }
        return Self.rows(of: result)
    }

    func prepare(_ name: String, _ sql: String, types: [Oid], on connection: OpaquePointer) throws {
        let result = types.withUnsafeBufferPointer { PQprepare(connection, name, sql, Int32(types.count), $0.baseAddress) }
        defer { PQclear(result) }
        guard let result, PQresultStatus(result) == PGRES_COMMAND_OK else {
            throw statementError(connection, result: result)
        }
    }

    private func executePrepared(_ name: String, _ parameters: [PGParameter], on connection: OpaquePointer) throws -> SQLRows {
        let result = Self.withParameterArrays(parameters) { count, values, lengths, formats in
            PQexecPrepared(connection, name, count, values, lengths, formats, 0)
        }
        defer { PQclear(result) }
        guard let result else { throw statementError(connection, result: nil) }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return Self.rows(of: result)
        default:
            throw statementError(connection, result: result)
        }
    }

    /// Calls `body` with libpq's parameter arrays (count, values, lengths, formats) for
    /// `parameters`. Every value's bytes stay alive, at fixed addresses, for the call; text-format
    /// values end with a NUL (libpq reads them as C strings and ignores their length). One
    /// scratch buffer holds them all (on the stack when small): no allocation per value.
    static func withParameterArrays<R>(
        _ parameters: [PGParameter],
        _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> R
    ) -> R {
        let count = parameters.count
        let byteCount = parameters.reduce(0) { $0 + ($1.bytes?.count ?? 0) + 1 }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: byteCount) { storage in
            withUnsafeTemporaryAllocation(of: UnsafePointer<CChar>?.self, capacity: count) { pointers in
                withUnsafeTemporaryAllocation(of: Int32.self, capacity: 2 * count) { numbers in
                    var offset = 0
                    for (index, parameter) in parameters.enumerated() {
                        numbers[count + index] = parameter.binary ? 1 : 0
                        guard let bytes = parameter.bytes else {
                            pointers[index] = nil
                            numbers[index] = 0
                            continue
                        }
                        let slot = UnsafeMutableBufferPointer(rebasing: storage[offset..<(offset + bytes.count + 1)])
                        bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(slot).copyMemory(from: $0) }
                        slot[bytes.count] = 0
                        pointers[index] = UnsafePointer(slot.baseAddress)
                        numbers[index] = Int32(bytes.count)
                        offset += bytes.count + 1
                    }
                    guard count > 0 else { return body(0, nil, nil, nil) }
                    return body(
                        Int32(count), UnsafePointer(pointers.baseAddress), UnsafePointer(numbers.baseAddress),
                        UnsafePointer(numbers.baseAddress! + count))
                }
            }
        }
    }

    /// The rows of `result` (text format), typed by each column's type.
    static func rows(of result: OpaquePointer) -> SQLRows {
        let (columns, types) = columns(of: result)
        var values: [[SQLValue]] = []
        values.reserveCapacity(Int(PQntuples(result)))
        for row in 0..<PQntuples(result) {
            values.append(Self.values(of: result, row: row, types: types))
        }
        return SQLRows(columns: columns, types: types.map(PGTypeName.of), values: values)
    }

    /// The names and type OIDs of `result`'s columns.
    static func columns(of result: OpaquePointer) -> (names: [String], types: [Oid]) {
        var names: [String] = []
        var types: [Oid] = []
        for column in 0..<PQnfields(result) {
            names.append(PQfname(result, column).map { String(cString: $0) } ?? "")
            types.append(PQftype(result, column))
        }
        return (names, types)
    }

    /// Row `row` of `result` (text format), typed by `types`.
    static func values(of result: OpaquePointer, row: Int32, types: [Oid]) -> [SQLValue] {
        var values: [SQLValue] = []
        values.reserveCapacity(types.count)
        for column in 0..<Int32(types.count) {
            if PQgetisnull(result, row, column) != 0 {
                values.append(.null)
                continue
            }
            let bytes = UnsafeRawBufferPointer(start: PQgetvalue(result, row, column), count: Int(PQgetlength(result, row, column)))
            values.append(PGParameter.decode(bytes, type: types[Int(column)]))
        }
        return values
    }
}

/// A parameterized statement about to run: its bound values, the key it is prepared under (SQL
/// text and parameter types) and the name of its prepared statement if the connection has one.
struct PGBoundStatement {
    /// SQLSTATE 26000, invalid_sql_statement_name: the prepared statement no longer exists.
    static let statementGone = "26000"

    let parameters: [PGParameter]
    let key: PGStatementKey
    let preparedName: String?
    var types: [Oid] { key.types }

    init(_ sql: String, _ values: [SQLValue], statements: PGPreparedStatements) {
        parameters = values.map(PGParameter.init)
        key = PGStatementKey(sql: sql, types: parameters.map(\.type))
        preparedName = statements.name(for: key)
    }
}

/// What a prepared statement is reused for: the same SQL text with the same parameter types.
struct PGStatementKey: Hashable, Sendable {
    let sql: String
    let types: [Oid]
}

/// One bound value as libpq takes it: type OID, bytes (nil = NULL) and format.
struct PGParameter {
    let type: Oid
    let bytes: [UInt8]?
    let binary: Bool

    static let bool: Oid = 16, bytea: Oid = 17, int8: Oid = 20, int2: Oid = 21, int4: Oid = 23, oid: Oid = 26
    static let float4: Oid = 700, float8: Oid = 701, date: Oid = 1082, timestamp: Oid = 1114, timestamptz: Oid = 1184

    init(_ value: SQLValue) {
        switch value {
        case .null: (type, bytes, binary) = (0, nil, false)
        case .int(let number): (type, bytes, binary) = (Self.int8, Array(String(number).utf8), false)
        case .double(let number): (type, bytes, binary) = (Self.float8, Array(Self.text(of: number).utf8), false)
        // Unknown type: the server infers it from the context (text, varchar, json, uuid, …).
        case .text(let text): (type, bytes, binary) = (0, Array(text.utf8), false)
        case .bytes(let data): (type, bytes, binary) = (Self.bytea, data, true)
        case .bool(let flag): (type, bytes, binary) = (Self.bool, Array((flag ? "t" : "f").utf8), false)
        case .date(let date): (type, bytes, binary) = (Self.timestamptz, Array((SQLDateFormat.string(from: date) + "+00").utf8), false)
        }
    }

    /// PostgreSQL's text for a float8, exact (Swift prints the shortest text that reads back the same).
    static func text(of number: Double) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
        return "\(number)"
    }

    /// A text-format result value typed by its column's type.
    static func decode(_ bytes: UnsafeRawBufferPointer, type: Oid) -> SQLValue {
        let text = String(decoding: bytes, as: UTF8.self)
        switch type {
        case bool: return .bool(text == "t")
        case int2, int4, int8, oid: return Int64(text).map(SQLValue.int) ?? .text(text)
        case float4, float8:
            switch text {
            case "NaN": return .double(.nan)
            case "Infinity": return .double(.infinity)
            case "-Infinity": return .double(-.infinity)
            default: return Double(text).map(SQLValue.double) ?? .text(text)
            }
        case bytea: return decodeHex(bytes).map(SQLValue.bytes) ?? .text(text)
        case date, timestamp, timestamptz: return SQLDateFormat.date(from: text).map(SQLValue.date) ?? .text(text)
        default: return .text(text)
        }
    }

    /// bytea's hex output, `\x0aff…`.
    private static func decodeHex(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "\\"), bytes[1] == UInt8(ascii: "x"), bytes.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count - 2) / 2)
        var index = 2
        while index < bytes.count {
            guard let high = nibble(bytes[index]), let low = nibble(bytes[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}
