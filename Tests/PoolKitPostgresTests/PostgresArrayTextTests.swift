import Testing
@testable import PoolKitPostgres

/// PostgreSQL's array text form, both ways, without a server (the server round trips are in
/// PostgresValueTests).
@Suite("PostgreSQL array text")
struct PostgresArrayTextTests {
    @Test("elements: quoted, unquoted, NULL and \"NULL\", escapes, bounds, empty; nested and broken texts refused")
    func parsing() throws {
        #expect(try PostgresArrayText.elements(of: "{}") == [])
        #expect(try PostgresArrayText.elements(of: "{1,2,NULL}") == ["1", "2", nil])
        #expect(try PostgresArrayText.elements(of: #"{"NULL",null,"a,b","{c}","q\"q","b\\s",""}"#) == ["NULL", nil, "a,b", "{c}", "q\"q", "b\\s", ""])
        #expect(try PostgresArrayText.elements(of: "[0:1]={x,y}") == ["x", "y"])
        for broken in ["{{1,2},{3,4}}", "1,2", "{\"open}", "{\"a\"b}"] {
            #expect(throws: SQLDecodingError.self, "\(broken)") { try PostgresArrayText.elements(of: broken) }
        }
    }

    @Test("written elements quote every value, so any text reads back as itself")
    func writing() throws {
        let texts = ["a,b", "{c}", "\"", "\\", "NULL", "", " x "]
        let written = "{" + texts.map { PostgresArrayText.element(.text($0)) }.joined(separator: ",") + "}"
        #expect(try PostgresArrayText.elements(of: written) == texts)
        #expect(PostgresArrayText.element(.null) == "NULL")
        #expect(PostgresArrayText.element(.bytes([0, 255])) == #""\\x00ff""#)
        #expect(PostgresArrayText.element(.double(-.infinity)) == #""-Infinity""#)
    }
}
