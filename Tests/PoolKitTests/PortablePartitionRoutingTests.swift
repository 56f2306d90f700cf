import Testing

@testable import PoolKit

/// How the rows of partitions reach their partitioned table's one table in a target without partitions.
@Suite("Portable partition routing")
struct PortablePartitionRoutingTests {
    static let parent = PortableTable(
        id: 10, name: "payment",
        columns: [
            PortableColumn(name: "id", type: .integer(bits: 32), sourceTypeName: "integer", nullable: false),
            PortableColumn(name: "at", type: .timestamp(withTimeZone: true), sourceTypeName: "timestamp with time zone"),
            PortableColumn(name: "note", type: .text(maxLength: nil), sourceTypeName: "text"),
        ],
        partitions: [
            PortablePartition(id: 11, sourceName: "payment_a", columns: ["id", "at", "note"]),
            PortablePartition(id: 12, sourceName: "payment b", columns: ["note", "id", "at"]),
        ])

    static func source(chunks: Int?) -> ArchiveManifest {
        ArchiveManifest(
            engine: "postgres", serverVersion: "15", driver: "postgres", strategy: "copy", 
            toolVersion: "test", objects: [],
            tables: [11, 12].map { id in
                ArchiveTable(id: id, name: "p\(id)", columns: [], encoding: ArchiveEncoding(rawValue: "postgres-copy-binary"), chunks: chunks)
            })
    }

    static let target = ArchiveManifest(
        engine: "postgres", serverVersion: "15", driver: "sqlite", strategy: "logical", 
        toolVersion: "test",
        objects: [
            ArchiveObject(id: 10, kind: .table, name: "payment", section: .preData, ddl: "CREATE TABLE payment (…);"),
            ArchiveObject(id: 20, kind: .index, name: "payment_note", section: .postData, dependencies: [10], ddl: "CREATE INDEX …;"),
        ],
        tables: [
            ArchiveTable(
                id: 10, name: "payment",
                columns: [ArchiveColumn(name: "id", type: "INTEGER"), ArchiveColumn(name: "at", type: "TIMESTAMPTZ"), ArchiveColumn(name: "note", type: "TEXT")],
                encoding: ArchiveEncoding(rawValue: "sqlite-typed-v1"), chunks: nil)
        ])

    @Test("each partition loads as the receiving table, its columns in its own row order; objects on the table wait for every partition")
    func routed() throws {
        let routing = try PortablePartitionRouting(schema: PortableSchema(tables: [Self.parent]))
        #expect(routing.loadTables[12]?.columns.map(\.name) == ["note", "id", "at"])
        #expect(routing.loadTables[12]?.sourceName == "payment b")
        #expect(routing.loadTables[10]?.columns.map(\.name) == ["id", "at", "note"])
        #expect(routing.reportID(12) == 10 && routing.reportID(10) == 10)

        let manifest = try routing.routed(Self.target, source: Self.source(chunks: 3))
        #expect(manifest.tables.map(\.id) == [10, 11, 12])
        #expect(manifest.tables.map(\.name) == ["payment", "payment", "payment"])
        #expect(manifest.tables.map(\.chunks) == [0, 3, 3])
        #expect(manifest.tables[2].columns.map(\.name) == ["note", "id", "at"])
        #expect(manifest.tables[2].columns.map(\.type) == ["TEXT", "INTEGER", "TIMESTAMPTZ"])
        #expect(manifest.objects.first { $0.id == 20 }?.dependencies == [10, 11, 12])
        // A schema-only archive plans no chunks: neither does the receiving table.
        #expect(try routing.routed(Self.target, source: Self.source(chunks: nil)).tables.map(\.chunks) == [nil, nil, nil])
    }

    @Test("a partition whose columns are not its table's is refused, naming both")
    func mismatch() {
        var table = Self.parent
        table.partitions = [PortablePartition(id: 11, sourceName: "payment_a", columns: ["id", "when", "note"])]
        #expect(throws: PoolKitError.self) { try PortablePartitionRouting(schema: PortableSchema(tables: [table])) }
        table.partitions = [PortablePartition(id: 11, sourceName: "payment_a", columns: ["id", "at"])]
        #expect(throws: PoolKitError.self) { try PortablePartitionRouting(schema: PortableSchema(tables: [table])) }
    }
}
