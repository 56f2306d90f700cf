import PoolKit

/// Access methods a user created (`CREATE ACCESS METHOD … TYPE TABLE | INDEX HANDLER …`); tables
/// and indexes using one depend on it through `pg_depend`.
extension CatalogReader {
    func readAccessMethods() async throws {
        guard dumpsNonTableObjects else { return }
        let result = try await rows(
            """
            SELECT a.oid, a.amname, a.amtype, a.amhandler::regproc::text AS handler
            FROM pg_am a WHERE a.oid >= 16384 ORDER BY a.oid
            """, what: "access methods")
        for row in result {
            let oid = try row.oid("oid")
            guard !isExtensionMember("pg_am", oid) else { continue }
            let name = PostgresSQL.identifier(try row.string("amname"))
            let type = try row.string("amtype") == "t" ? "TABLE" : "INDEX"
            graph.add(
                PostgresObjectKind.accessMethod, name: try row.string("amname"), schema: nil, section: .preData,
                ddl: "CREATE ACCESS METHOD \(name) TYPE \(type) HANDLER \(try row.string("handler"));\n",
                key: CatalogKey("pg_am", oid), commentTarget: "ACCESS METHOD \(name)")
        }
    }
}
