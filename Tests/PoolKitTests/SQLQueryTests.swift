import Foundation
import Testing
@testable import PoolKit

/// How a query is written for each engine, and how value texts parse — without a server.
@Suite("SQLQuery and value texts")
struct SQLQueryTests {
    @Test("interpolated values become each engine's placeholders, names are quoted, raw text is kept")
    func rendering() {
        let name = "x'); DROP TABLE t; --"
        let table = "we\"ird`name"
        let query: SQLQuery = "SELECT * FROM \(identifier: table) WHERE name = \(name) AND id > \(7) \(unsafeSQL: "ORDER BY id")"
        let postgres = query.rendered(for: .postgres)
        #expect(postgres.sql == "SELECT * FROM \"we\"\"ird`name\" WHERE name = $1 AND id > $2 ORDER BY id")
        #expect(postgres.binds == [.text(name), .int(7)])
        let mariadb = query.rendered(for: .mariadb)
        #expect(mariadb.sql == "SELECT * FROM `we\"ird``name` WHERE name = ? AND id > ? ORDER BY id")
        #expect(query.rendered(for: .sqlite).sql == "SELECT * FROM \"we\"\"ird`name\" WHERE name = ? AND id > ? ORDER BY id")
        #expect(query.description == postgres.sql)
        #expect(!query.description.contains("DROP"))
    }

    @Test("composed queries keep their values in order; a prewritten part after values is renumbered outside quotes")
    func composition() {
        let filter: SQLQuery = "a = \(1) AND b = \(2)"
        let raw = SQLQuery(unsafeSQL: "c = $1 AND d = '$1' AND e = \"$2\" AND f = $2", binds: [.int(3), .int(4)])
        let query: SQLQuery = "SELECT 1 FROM \(identifiers: ["s", "t"]) WHERE \(filter) AND " + raw
        let rendered = query.rendered(for: .postgres)
        #expect(rendered.sql == "SELECT 1 FROM \"s\".\"t\" WHERE a = $1 AND b = $2 AND c = $3 AND d = '$1' AND e = \"$2\" AND f = $4")
        #expect(rendered.binds == [.int(1), .int(2), .int(3), .int(4)])
        #expect(query.rendered(for: .mariadb).sql.hasSuffix("c = $1 AND d = '$1' AND e = \"$2\" AND f = $2"))
        #expect(SQLQuery(unsafeSQL: "SELECT $1", binds: [.int(1)]).rendered(for: .postgres).sql == "SELECT $1")
    }

    @Test("transactions start per engine; SQLite refuses a level it cannot give")
    func transactionStart() throws {
        #expect(try SQLDialect.postgres.beginStatements(isolation: .serializable) == ["BEGIN ISOLATION LEVEL SERIALIZABLE"])
        #expect(try SQLDialect.mariadb.beginStatements(isolation: .readCommitted) == ["SET TRANSACTION ISOLATION LEVEL READ COMMITTED", "START TRANSACTION"])
        #expect(try SQLDialect.mariadb.beginStatements(isolation: nil) == ["START TRANSACTION"])
        #expect(try SQLDialect.sqlite.beginStatements(isolation: .serializable) == ["BEGIN"])
        #expect(throws: PoolKitError.self) { try SQLDialect.sqlite.beginStatements(isolation: .repeatableRead) }
    }

    @Test("SQLNumeric: equal by value whatever the scale, exact to Decimal only when Decimal holds it, junk refused")
    func numeric() throws {
        #expect(SQLNumeric("1.50") == SQLNumeric("1.5"))
        #expect(SQLNumeric("1.50").description == "1.50")
        #expect(SQLNumeric("-0.00") == SQLNumeric("0"))
        #expect(SQLNumeric("1e3") == SQLNumeric("1000"))
        #expect(SQLNumeric("NaN") != SQLNumeric("0"))
        #expect(SQLNumeric("-Infinity") != SQLNumeric("Infinity"))
        for junk in ["", "-", "1.2.3", "1e", "abc", "1,5", "+NaN", "0x10"] { #expect(SQLNumeric(junk) == nil, "\(junk)") }
        #expect(SQLNumeric("12345.6789").decimal == Decimal(string: "12345.6789"))
        #expect(SQLNumeric(String(repeating: "9", count: 60))?.decimal == nil)
        #expect(SQLNumeric("Infinity").decimal == nil)
        #expect(throws: PoolKitError.self) {
            try SQLRows(columns: ["n"], types: ["float8"], values: [[.double(0.1)]]).scalar(SQLNumeric.self)
        }
    }

    @Test("intervals parse PostgreSQL's output and MariaDB's TIME, and write text both engines read")
    func intervals() {
        #expect(SQLInterval("1 year 2 mons -3 days +04:05:06.5") == SQLInterval(months: 14, days: -3, microseconds: 14_706_500_000))
        #expect(SQLInterval("-838:59:59.000001") == SQLInterval(microseconds: -(838 * 3600 + 59 * 60 + 59) * 1_000_000 - 1))
        #expect(SQLInterval("00:00:00") == SQLInterval())
        #expect(SQLInterval("3 fortnights") == nil)
        #expect(SQLInterval(microseconds: -1).description == "-0:00:00.000001")
        #expect(SQLInterval(months: 1, days: 2, microseconds: 3_600_000_000).description == "1 months 2 days 1:00:00")
        #expect(SQLInterval(.seconds(90) + .milliseconds(250)).duration == .seconds(90) + .milliseconds(250))
        #expect(SQLInterval(days: 1).duration == nil)
    }

    @Test("dates and times of day: the text forms, and what is refused")
    func calendarTexts() throws {
        #expect(SQLCalendarDate("0001-01-01") == SQLCalendarDate(year: 1, month: 1, day: 1))
        #expect(SQLCalendarDate("10000-01-01") == nil)
        #expect(SQLCalendarDate(year: 9999, month: 12, day: 31).description == "9999-12-31")
        #expect(SQLTimeOfDay("23:59:59.5") == SQLTimeOfDay(hour: 23, minute: 59, second: 59, microsecond: 500_000))
        #expect(SQLTimeOfDay("24:00:00") == SQLTimeOfDay(hour: 24, minute: 0, second: 0))
        #expect(SQLTimeOfDay("25:00:00") == nil)
        #expect(SQLTimeOfDay(hour: 1, minute: 2, second: 3, microsecond: 4).description == "01:02:03.000004")
        #expect(throws: PoolKitError.self) {
            try SQLRows(columns: ["d"], values: [[.date(Date(timeIntervalSince1970: 1))]]).scalar(SQLCalendarDate.self)
        }
    }

    @Test("timestamps as PostgreSQL writes them in any session zone: offsets with seconds, five-digit years, BC")
    func timestampTexts() throws {
        let utcStart = try #require(SQLDateFormat.date(from: "0001-01-01 00:00:00+00"))
        #expect(SQLDateFormat.date(from: "0001-01-01 05:53:28+05:53:28") == utcStart)
        #expect(SQLDateFormat.date(from: "0001-12-31 20:29:08-03:30:52 BC") == utcStart)
        let end = try #require(SQLDateFormat.date(from: "9999-12-31 23:59:59+00"))
        #expect(SQLDateFormat.date(from: "10000-01-01 05:29:59+05:30") == end)
        #expect(SQLDateFormat.date(from: "infinity") == nil)
    }

    struct Player: Decodable, Equatable {
        var id: Int
        var displayName: String
        var level: UInt8
        var nickname: String?
    }

    @Test("rows decode into tuples and Decodable types; errors name the column, its SQL type and the Swift type")
    func decoding() throws {
        let rows = SQLRows(
            columns: ["id", "display_name", "level", "nickname"], types: ["int8", "text", "int2", "text"],
            values: [[.int(1), .text("Ada"), .int(7), .null], [.int(2), .null, .int(300), .text("g")]])
        let first = try rows[0].decode((Int, String, Int, String?).self)
        #expect(first == (1, "Ada", 7, nil))
        #expect(try rows[0].decode(Player.self, keys: .convertFromSnakeCase) == Player(id: 1, displayName: "Ada", level: 7, nickname: nil))
        let null = #expect(throws: PoolKitError.self) { try rows[1].decode((Int, String, Int, String?).self) }
        #expect("\(null.map { "\($0)" } ?? "")" == "column 1 'display_name' (SQL type text) holds NULL, which cannot be read as Swift type String: NULL needs an optional type, e.g. String?")
        let range = #expect(throws: PoolKitError.self) {
            _ = try rows[1].decode(Player.self, keys: .convertFromSnakeCase)
        }
        #expect("\(range.map { "\($0)" } ?? "")".contains("display_name"))
        let narrow = SQLRows(columns: ["level"], types: ["int2"], values: [[.int(300)]])
        struct Level: Decodable { var level: UInt8 }
        let tooBig = #expect(throws: PoolKitError.self) { _ = try narrow.decode(Level.self) }
        #expect("\(tooBig.map { "\($0)" } ?? "")".contains("Swift type UInt8"))
        #expect(SQLRowDecoder.camelCase("created_at") == "createdAt")
        #expect(SQLRowDecoder.camelCase("_private_id") == "_privateId")
        #expect(SQLRowDecoder.camelCase("plain") == "plain")
    }
}
