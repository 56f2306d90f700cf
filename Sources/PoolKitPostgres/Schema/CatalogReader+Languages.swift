import PoolKit

/// Procedural languages that are not extensions (`CREATE LANGUAGE … HANDLER …`), and transforms
/// (`CREATE TRANSFORM FOR type LANGUAGE lang (FROM SQL WITH FUNCTION …, TO SQL WITH FUNCTION …)`).
extension CatalogReader {
    func readLanguages() async throws {
        guard dumpsNonTableObjects else { return }
        let result = try await rows(
            """
            SELECT l.oid, l.lanname, l.lanpltrusted, pg_get_userbyid(l.lanowner) AS owner,
                   l.lanplcallfoid::regproc::text AS handler,
                   CASE WHEN l.laninline <> 0 THEN l.laninline::regproc::text END AS inline,
                   CASE WHEN l.lanvalidator <> 0 THEN l.lanvalidator::regproc::text END AS validator,
                   \(Self.aclJSON("l.lanacl")) AS acl
            FROM pg_language l WHERE l.oid >= 16384 AND l.lanispl ORDER BY l.oid
            """, what: "procedural languages")
        for row in result {
            let oid = try row.oid("oid")
            guard !isExtensionMember("pg_language", oid) else { continue }
            let name = try row.string("lanname")
            let quoted = PostgresSQL.identifier(name)
            // CREATE LANGUAGE names its functions without argument lists (regproc's form).
            var ddl = "CREATE \(try row.bool("lanpltrusted") ? "TRUSTED " : "")PROCEDURAL LANGUAGE \(quoted)"
            ddl += " HANDLER \(try row.string("handler"))"
            if let inline = try row.optional("inline") { ddl += " INLINE \(inline)" }
            if let validator = try row.optional("validator") { ddl += " VALIDATOR \(validator)" }
            ddl += ";\n"
            let id = graph.add(
                PostgresObjectKind.language, name: name, schema: nil, section: .preData, ddl: ddl,
                key: CatalogKey("pg_language", oid), commentTarget: "LANGUAGE \(quoted)")
            let owner = try row.string("owner")
            addOwner(of: id, target: "LANGUAGE \(quoted)", owner: owner)
            addACL(of: id, target: "LANGUAGE \(quoted)", owner: owner, acl: try row.jsonRows("acl"))
        }
    }

    func readTransforms() async throws {
        guard dumpsNonTableObjects else { return }
        let result = try await rows(
            """
            SELECT tr.oid, format_type(tr.trftype, NULL) AS type, l.lanname,
                   CASE WHEN tr.trffromsql <> 0 THEN tr.trffromsql::regprocedure::text END AS fromsql,
                   CASE WHEN tr.trftosql <> 0 THEN tr.trftosql::regprocedure::text END AS tosql
            FROM pg_transform tr JOIN pg_language l ON l.oid = tr.trflang
            WHERE tr.oid >= 16384 ORDER BY tr.oid
            """, what: "transforms")
        for row in result {
            let oid = try row.oid("oid")
            guard !isExtensionMember("pg_transform", oid) else { continue }
            let type = try row.string("type")
            let language = PostgresSQL.identifier(try row.string("lanname"))
            var functions: [String] = []
            if let from = try row.optional("fromsql") { functions.append("FROM SQL WITH FUNCTION \(from)") }
            if let to = try row.optional("tosql") { functions.append("TO SQL WITH FUNCTION \(to)") }
            let target = "TRANSFORM FOR \(type) LANGUAGE \(language)"
            graph.add(
                PostgresObjectKind.transform, name: "\(type) \(try row.string("lanname"))", schema: nil,
                section: .preData, ddl: "CREATE \(target) (\(functions.joined(separator: ", ")));\n",
                key: CatalogKey("pg_transform", oid), commentTarget: target)
        }
    }
}
