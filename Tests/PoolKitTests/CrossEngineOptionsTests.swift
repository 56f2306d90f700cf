import Testing

@testable import PoolKit

@Suite("Cross-engine options: --cast and --fold-identifiers")
struct CrossEngineOptionsTests {
    private func table(_ name: String, _ columns: [String]) -> PortableTable {
        PortableTable(
            id: 1, name: name,
            columns: columns.map { PortableColumn(name: $0, type: .integer(bits: 64), sourceTypeName: "INTEGER") })
    }

    @Test("cast rules parse and name what is wrong")
    func parsing() throws {
        let column = try CastRule(parsing: "column orders.flags to integer")
        #expect(column.subject == .column(table: "orders", column: "flags"))
        #expect(column.target == .integer(bits: 32))
        let type = try CastRule(parsing: "type tinyint(1) to smallint")
        #expect(type.subject == .type("tinyint(1)"))
        #expect(try CastRule(parsing: "type numeric to numeric(12, 3)").target == .decimal(precision: 12, scale: 3))
        #expect(throws: PoolKitError.self) { try CastRule(parsing: "column orders.flags to gizmo") }
        #expect(throws: PoolKitError.self) { try CastRule(parsing: "column flags to integer") }
        #expect(throws: PoolKitError.self) { try CastRule(parsing: "row orders.flags to integer") }
    }

    @Test("a cast changes the target type, keeps the source type, and a rule naming no column is an error")
    func casts() throws {
        var options = CrossEngineOptions()
        options.casts = [try CastRule(parsing: "column orders.flags to boolean"), try CastRule(parsing: "type INTEGER to text")]
        let schema = PortableSchema(tables: [table("orders", ["flags", "n"])])
        let (adjusted, applied) = try PortableSchemaAdjustment(options: options, schemas: [:]).apply(to: schema)
        #expect(adjusted.tables[0].columns[0].type == .boolean)
        #expect(adjusted.tables[0].columns[0].sourceType == .integer(bits: 64))
        #expect(adjusted.tables[0].columns[1].type == .text(maxLength: nil))
        #expect(applied["orders.flags"] == "column orders.flags to boolean")
        options.casts = [try CastRule(parsing: "column orders.nothing to text")]
        #expect(throws: PoolKitError.self) { try PortableSchemaAdjustment(options: options, schemas: [:]).apply(to: schema) }
    }

    @Test("folding lower-cases every name; two names that become one are an error naming both")
    func folding() throws {
        var options = CrossEngineOptions()
        options.foldIdentifiers = true
        let (folded, _) = try PortableSchemaAdjustment(options: options, schemas: [:]).apply(
            to: PortableSchema(tables: [table("Orders", ["ID", "Total"])]))
        #expect(folded.tables[0].name == "orders")
        #expect(folded.tables[0].sourceName == "Orders")
        #expect(folded.tables[0].columns.map(\.name) == ["id", "total"])
        do {
            _ = try PortableSchemaAdjustment(options: options, schemas: [:]).apply(
                to: PortableSchema(tables: [table("T", ["Name", "NAME"])]))
            Issue.record("a collision must be an error")
        } catch let error as PoolKitError {
            #expect(error.message.contains("'Name'") && error.message.contains("'NAME'"))
        }
    }
}
