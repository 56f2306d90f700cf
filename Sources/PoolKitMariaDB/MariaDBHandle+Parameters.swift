import CPoolKitMariaDB
import Foundation
import PoolKit
import Synchronization

/// The statements a connection keeps prepared (`mysql_stmt_prepare`) for parameterized queries,
/// by SQL text. Used only on the connection's thread.
final class MariaDBStatementCache: Sendable {
    /// A `MYSQL_STMT *`.
    struct Statement: @unchecked Sendable {
        // @unchecked Sendable: the pointer is only used by jobs on the owning connection's
        // ConnectionThread, one at a time; the cache's lock only guards the dictionary.
        let raw: UnsafeMutablePointer<MYSQL_STMT>
    }

    private let statements = Mutex<[String: Statement]>([:])
    /// The bind buffers each statement was last bound to: libmariadb keeps pointers to them in the
    /// statement, so they live until the statement is bound again or closed.
    private let buffers = Mutex<[String: BindBuffers]>([:])

    func statement(for sql: String) -> UnsafeMutablePointer<MYSQL_STMT>? { statements.withLock { $0[sql]?.raw } }
    func store(_ statement: UnsafeMutablePointer<MYSQL_STMT>, for sql: String) {
        statements.withLock { $0[sql] = Statement(raw: statement) }
    }
    /// Keeps `new` as the statement's buffers; returns the ones it replaces, which the caller
    /// frees once the statement is bound to `new` (results included). Connection thread.
    func keep(_ new: BindBuffers, for sql: String) -> BindBuffers? {
        buffers.withLock { $0.updateValue(new, forKey: sql) }
    }
    /// Forgets and closes the statement for `sql`. Connection thread.
    func close(_ sql: String) {
        let statement = statements.withLock { $0.removeValue(forKey: sql) }
        if let statement { mysql_stmt_close(statement.raw) }
        buffers.withLock { $0.removeValue(forKey: sql) }?.free()
    }
    var count: Int { statements.withLock { $0.count } }

    /// Closes every statement (before the session is reset, which drops them on the server). Connection thread.
    func closeAll() {
        let all = statements.withLock { statements in
            defer { statements.removeAll() }
            return Array(statements.values)
        }
        for statement in all { mysql_stmt_close(statement.raw) }
        let kept = buffers.withLock { buffers in
            defer { buffers.removeAll() }
            return Array(buffers.values)
        }
        for buffer in kept { buffer.free() }
    }
}

/// Memory for a statement's bind buffers, freed together. Connection thread only.
final class BindBuffers: @unchecked Sendable {
    // @unchecked Sendable: created, used and freed by jobs of one connection's ConnectionThread,
    // which runs one job at a time; the statement cache only holds it between those jobs.
    private var blocks: [UnsafeMutableRawPointer] = []

    func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        let block = UnsafeMutableRawPointer.allocate(byteCount: max(size, 1), alignment: 16)
        block.initializeMemory(as: UInt8.self, repeating: 0, count: max(size, 1))
        blocks.append(block)
        return block
    }

    /// `count` zeroed `MYSQL_BIND`s.
    func binds(_ count: Int) -> UnsafeMutablePointer<MYSQL_BIND> {
        let pointer = allocate(MemoryLayout<MYSQL_BIND>.stride * count).bindMemory(to: MYSQL_BIND.self, capacity: count)
        for index in 0..<count { (pointer + index).initialize(to: MYSQL_BIND()) }
        return pointer
    }

    func free() {
        for block in blocks { block.deallocate() }
        blocks = []
    }
}

extension MariaDBHandle {
    /// Runs one statement with `values` bound to its `?` placeholders (binary protocol), prepared
    /// once per connection and reused, and returns typed rows. Connection thread.
    func query(_ sql: String, _ values: [SQLValue], cache: MariaDBStatementCache) throws -> SQLRows {
        var names: [String] = []
        var types: [String] = []
        var rows: [[SQLValue]] = []
        try run(sql, values, cache: cache, columns: { names = $0; types = $1 }, row: { rows.append($0) })
        return SQLRows(columns: names, types: types, values: rows)
    }

    /// Runs one statement like ``query(_:_:cache:)`` but gives its columns (names and SQL types)
    /// once, then each row as it is fetched (unbuffered: `mysql_stmt_fetch` reads it off the
    /// connection), to the callbacks. A callback that throws ends the read: the rows still on
    /// their way are discarded (`mysql_stmt_free_result`) and the error is rethrown. Connection thread.
    func run(
        _ sql: String, _ values: [SQLValue], cache: MariaDBStatementCache,
        columns: ([String], [String]) throws -> Void, row: ([SQLValue]) throws -> Void
    ) throws {
        guard let mysql else { throw PoolKitError(.connectionClosed, "the MariaDB connection to \(endpoint) is closed") }
        let statement: UnsafeMutablePointer<MYSQL_STMT>
        if let cached = cache.statement(for: sql) {
            statement = cached
        } else {
            guard let created = mysql_stmt_init(mysql) else { throw PoolKitError(.statementFailed, "libmariadb is out of memory") }
            var text = sql
            let status = text.withUTF8 { bytes in
                bytes.withMemoryRebound(to: CChar.self) { mysql_stmt_prepare(created, $0.baseAddress, UInt($0.count)) }
            }
            if status != 0 {
                let error = Self.statementError(created)
                mysql_stmt_close(created)
                throw error
            }
            cache.store(created, for: sql)
            statement = created
        }
        let arena = BindBuffers()
        let previous = cache.keep(arena, for: sql)
        defer { previous?.free() }
        do {
            try run(statement, values, arena: arena, columns: columns, row: row)
        } catch let error as PoolKitError where error.code == .connectionClosed {
            cache.close(sql)
            throw error
        }
    }

    private func run(
        _ statement: UnsafeMutablePointer<MYSQL_STMT>, _ values: [SQLValue], arena: BindBuffers,
        columns: ([String], [String]) throws -> Void, row: ([SQLValue]) throws -> Void
    ) throws {
        let expected = Int(mysql_stmt_param_count(statement))
        guard expected == values.count else {
            throw PoolKitError(.usage, "the statement has \(expected) parameters but \(values.count) values were given")
        }
        if !values.isEmpty {
            let binds = arena.binds(values.count)
            for (index, value) in values.enumerated() { Self.bind(value, into: &binds[index], arena: arena) }
            if mysql_stmt_bind_param(statement, binds) != 0 { throw Self.statementError(statement) }
        }
        if mysql_stmt_execute(statement) != 0 { throw Self.statementError(statement) }
        defer { mysql_stmt_free_result(statement) }
        guard let metadata = mysql_stmt_result_metadata(statement) else { return try columns([], []) }
        defer { mysql_free_result(metadata) }
        let count = Int(mysql_num_fields(metadata))
        guard let fields = mysql_fetch_fields(metadata) else { return try columns([], []) }
        var names: [String] = []
        var types: [String] = []
        var kinds: [ColumnKind] = []
        let binds = arena.binds(count)
        let nulls = arena.allocate(MemoryLayout<my_bool>.stride * count).bindMemory(to: my_bool.self, capacity: count)
        let lengths = arena.allocate(MemoryLayout<UInt>.stride * count).bindMemory(to: UInt.self, capacity: count)
        for index in 0..<count {
            let field = fields[index]
            names.append(field.name.map { String(cString: $0) } ?? "")
            types.append(MariaDBTypeName.of(field))
            let kind = ColumnKind(field)
            kinds.append(kind)
            binds[index].is_null = nulls + index
            binds[index].length = lengths + index
            switch kind {
            case .integer(let unsigned):
                binds[index].buffer_type = MYSQL_TYPE_LONGLONG
                binds[index].buffer = arena.allocate(8)
                binds[index].buffer_length = 8
                binds[index].is_unsigned = unsigned ? 1 : 0
            case .double:
                binds[index].buffer_type = MYSQL_TYPE_DOUBLE
                binds[index].buffer = arena.allocate(8)
                binds[index].buffer_length = 8
            case .date:
                binds[index].buffer_type = MYSQL_TYPE_DATETIME
                binds[index].buffer = arena.allocate(MemoryLayout<MYSQL_TIME>.stride)
                binds[index].buffer_length = UInt(MemoryLayout<MYSQL_TIME>.stride)
            case .text, .bytes:
                // Variable length: fetched column by column once the length is known.
                binds[index].buffer_type = MYSQL_TYPE_BLOB
                binds[index].buffer = nil
                binds[index].buffer_length = 0
            }
        }
        if mysql_stmt_bind_result(statement, binds) != 0 { throw Self.statementError(statement) }
        try columns(names, types)
        while true {
            let status = mysql_stmt_fetch(statement)
            if status == MYSQL_NO_DATA { break }
            if status == 1 { throw Self.statementError(statement) }
            var values: [SQLValue] = []
            values.reserveCapacity(count)
            for index in 0..<count {
                if nulls[index] != 0 {
                    values.append(.null)
                    continue
                }
                switch kinds[index] {
                case .integer(let unsigned):
                    let raw = binds[index].buffer.load(as: Int64.self)
                    if unsigned, raw < 0 {
                        values.append(.text(String(UInt64(bitPattern: raw))))
                    } else {
                        values.append(.int(raw))
                    }
                case .double:
                    values.append(.double(binds[index].buffer.load(as: Double.self)))
                case .date:
                    let time = binds[index].buffer.load(as: MYSQL_TIME.self)
                    values.append(Self.date(from: time))
                case .text, .bytes:
                    let length = Int(lengths[index])
                    var bytes = [UInt8](repeating: 0, count: length)
                    if length > 0 {
                        var column = MYSQL_BIND()
                        let status = bytes.withUnsafeMutableBytes { buffer -> Int32 in
                            column.buffer_type = MYSQL_TYPE_BLOB
                            column.buffer = buffer.baseAddress
                            column.buffer_length = UInt(length)
                            return mysql_stmt_fetch_column(statement, &column, UInt32(index), 0)
                        }
                        if status != 0 { throw Self.statementError(statement) }
                    }
                    values.append(kinds[index] == .bytes ? .bytes(bytes) : .text(String(decoding: bytes, as: UTF8.self)))
                }
            }
            // A throw stops the read: `mysql_stmt_free_result` (deferred above) reads the rest of
            // the unbuffered result off the connection and drops it, so the next statement finds
            // the protocol in step.
            try row(values)
        }
    }

    /// How a result column is fetched and what it becomes.
    private enum ColumnKind: Equatable {
        case integer(unsigned: Bool)
        case double
        case date
        case text
        case bytes

        init(_ field: MYSQL_FIELD) {
            switch field.type {
            case MYSQL_TYPE_TINY, MYSQL_TYPE_SHORT, MYSQL_TYPE_LONG, MYSQL_TYPE_INT24, MYSQL_TYPE_LONGLONG, MYSQL_TYPE_YEAR:
                self = .integer(unsigned: field.flags & UInt32(UNSIGNED_FLAG) != 0)
            case MYSQL_TYPE_FLOAT, MYSQL_TYPE_DOUBLE: self = .double
            case MYSQL_TYPE_DATE, MYSQL_TYPE_DATETIME, MYSQL_TYPE_TIMESTAMP, MYSQL_TYPE_NEWDATE: self = .date
            case MYSQL_TYPE_TINY_BLOB, MYSQL_TYPE_MEDIUM_BLOB, MYSQL_TYPE_LONG_BLOB, MYSQL_TYPE_BLOB, MYSQL_TYPE_STRING,
                MYSQL_TYPE_VAR_STRING, MYSQL_TYPE_BIT, MYSQL_TYPE_GEOMETRY:
                // Character set 63 is `binary`: BLOB, BINARY, VARBINARY.
                self = field.charsetnr == 63 ? .bytes : .text
            default: self = .text
            }
        }
    }

    private static func bind(_ value: SQLValue, into bind: inout MYSQL_BIND, arena: BindBuffers) {
        func store<T>(_ value: T, _ type: enum_field_types) {
            let buffer = arena.allocate(MemoryLayout<T>.stride)
            buffer.storeBytes(of: value, as: T.self)
            bind.buffer = buffer
            bind.buffer_type = type
            bind.buffer_length = UInt(MemoryLayout<T>.stride)
        }
        func bytes(_ data: [UInt8], _ type: enum_field_types) {
            let buffer = arena.allocate(max(data.count, 1))
            data.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            bind.buffer = buffer
            bind.buffer_type = type
            bind.buffer_length = UInt(data.count)
            let length = arena.allocate(MemoryLayout<UInt>.stride).bindMemory(to: UInt.self, capacity: 1)
            length.pointee = UInt(data.count)
            bind.length = length
        }
        switch value {
        case .null: bind.buffer_type = MYSQL_TYPE_NULL
        case .int(let number): store(number, MYSQL_TYPE_LONGLONG)
        case .double(let number): store(number, MYSQL_TYPE_DOUBLE)
        case .bool(let flag): store(Int8(flag ? 1 : 0), MYSQL_TYPE_TINY)
        case .text(let text): bytes(Array(text.utf8), MYSQL_TYPE_STRING)
        case .bytes(let data): bytes(data, MYSQL_TYPE_BLOB)
        case .date(let date): store(time(from: date), MYSQL_TYPE_DATETIME)
        }
    }

    private static func time(from date: Date) -> MYSQL_TIME {
        var seconds = date.timeIntervalSince1970.rounded(.down)
        var micros = UInt(((date.timeIntervalSince1970 - seconds) * 1_000_000).rounded())
        if micros == 1_000_000 {
            seconds += 1
            micros = 0
        }
        let parts = Calendar.utcForMariaDB.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: seconds))
        var time = MYSQL_TIME()
        time.year = UInt32(parts.year ?? 0)
        time.month = UInt32(parts.month ?? 0)
        time.day = UInt32(parts.day ?? 0)
        time.hour = UInt32(parts.hour ?? 0)
        time.minute = UInt32(parts.minute ?? 0)
        time.second = UInt32(parts.second ?? 0)
        time.second_part = micros
        time.time_type = MYSQL_TIMESTAMP_DATETIME
        return time
    }

    private static func date(from time: MYSQL_TIME) -> SQLValue {
        let components = DateComponents(
            year: Int(time.year), month: Int(time.month), day: Int(time.day), hour: Int(time.hour), minute: Int(time.minute),
            second: Int(time.second))
        guard time.year > 0, let base = Calendar.utcForMariaDB.date(from: components) else {
            // A zero date ('0000-00-00') has no Date: keep its text.
            return .text(String(format: "%04u-%02u-%02u %02u:%02u:%02u", time.year, time.month, time.day, time.hour, time.minute, time.second))
        }
        return .date(base.addingTimeInterval(Double(time.second_part) / 1_000_000))
    }

    private static func statementError(_ statement: UnsafeMutablePointer<MYSQL_STMT>) -> PoolKitError {
        let number = mysql_stmt_errno(statement)
        let error = MariaDBError(
            number: number, sqlState: mysql_stmt_sqlstate(statement).map { String(cString: $0) } ?? "HY000",
            message: mysql_stmt_error(statement).map { String(cString: $0) } ?? "unknown error")
        if MariaDBError.breaksConnection(number) {
            return PoolKitError(.connectionClosed, "the MariaDB connection broke: \(error)", engineCode: String(number), underlying: error)
        }
        return PoolKitError(.statementFailed, error.description, engineCode: String(number), underlying: error)
    }
}

extension Calendar {
    fileprivate static let utcForMariaDB: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
