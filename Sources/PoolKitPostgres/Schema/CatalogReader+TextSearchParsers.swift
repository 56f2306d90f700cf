import PoolKit

/// Text search parsers and templates (`CREATE TEXT SEARCH PARSER` / `TEMPLATE`), made of functions
/// (usually C functions of a module); dictionaries and configurations that use them depend on them.
extension CatalogReader {
    func readTextSearchParsers() async throws {
        guard dumpsNonTableObjects else { return }
        let parsers = try await rows(
            """
            SELECT p.oid, p.prsnamespace, p.prsname, p.prsstart::regproc::text AS start,
                   p.prstoken::regproc::text AS token, p.prsend::regproc::text AS "end",
                   p.prslextype::regproc::text AS lextypes,
                   CASE WHEN p.prsheadline <> 0 THEN p.prsheadline::regproc::text END AS headline
            FROM pg_ts_parser p WHERE p.oid >= 16384 ORDER BY p.oid
            """, what: "text search parsers")
        for row in parsers {
            let oid = try row.oid("oid")
            guard let schema = userSchema(try row.oid("prsnamespace")), !isExtensionMember("pg_ts_parser", oid) else {
                continue
            }
            let name = try row.string("prsname")
            let target = "TEXT SEARCH PARSER \(PostgresSQL.qualified(schema, name))"
            var options = [
                "START = \(try row.string("start"))", "GETTOKEN = \(try row.string("token"))",
                "END = \(try row.string("end"))", "LEXTYPES = \(try row.string("lextypes"))",
            ]
            if let headline = try row.optional("headline") { options.append("HEADLINE = \(headline)") }
            graph.add(
                PostgresObjectKind.textSearch, name: name, schema: schema, section: .preData,
                ddl: "CREATE \(target) (\(options.joined(separator: ", ")));\n", key: CatalogKey("pg_ts_parser", oid),
                commentTarget: target)
        }
        let templates = try await rows(
            """
            SELECT t.oid, t.tmplnamespace, t.tmplname,
                   CASE WHEN t.tmplinit <> 0 THEN t.tmplinit::regproc::text END AS init,
                   t.tmpllexize::regproc::text AS lexize
            FROM pg_ts_template t WHERE t.oid >= 16384 ORDER BY t.oid
            """, what: "text search templates")
        for row in templates {
            let oid = try row.oid("oid")
            guard let schema = userSchema(try row.oid("tmplnamespace")), !isExtensionMember("pg_ts_template", oid)
            else { continue }
            let name = try row.string("tmplname")
            let target = "TEXT SEARCH TEMPLATE \(PostgresSQL.qualified(schema, name))"
            let options = [try row.optional("init").map { "INIT = \($0)" }, "LEXIZE = \(try row.string("lexize"))"]
                .compactMap { $0 }
            graph.add(
                PostgresObjectKind.textSearch, name: name, schema: schema, section: .preData,
                ddl: "CREATE \(target) (\(options.joined(separator: ", ")));\n", key: CatalogKey("pg_ts_template", oid),
                commentTarget: target)
        }
    }
}
