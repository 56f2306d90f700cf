import PoolKit

/// Foreign data wrappers, servers, user mappings and publications.
extension CatalogReader {
    /// A select-list expression with the generic options in `column` (`text[]` of `name=value`) as
    /// `name 'value', …` for an `OPTIONS (…)` clause, NULL when there are none.
    static func genericOptions(_ column: String, omitting omitted: [String] = []) -> String {
        let filter = omitted.isEmpty ? "" : " WHERE o.option_name NOT IN (\(omitted.map { "'\($0)'" }.joined(separator: ", ")))"
        return """
            (SELECT string_agg(quote_ident(o.option_name) || ' ' || quote_literal(o.option_value), ', ') \
            FROM pg_options_to_table(\(column)) o\(filter))
            """
    }

    /// User-mapping options that hold secrets: never written into an archive (pg_dump writes them;
    /// PoolKit's rule is that archives carry no secrets). Restored mappings need them set again.
    static let secretUserMappingOptions = ["password", "sslpassword"]

    func readForeignDataWrappers() async throws {
        let result = try await rows(
            """
            SELECT w.oid, w.fdwname, pg_get_userbyid(w.fdwowner) AS owner,
                   NULLIF(w.fdwhandler::regproc::text, '-') AS handler,
                   NULLIF(w.fdwvalidator::regproc::text, '-') AS validator,
                   \(Self.genericOptions("w.fdwoptions")) AS options, \(Self.aclJSON("w.fdwacl")) AS acl
            FROM pg_foreign_data_wrapper w WHERE w.oid >= 16384 ORDER BY w.oid
            """, what: "foreign data wrappers")
        for row in result where dumpsNonTableObjects {
            let oid = try row.oid("oid")
            guard !isExtensionMember("pg_foreign_data_wrapper", oid) else { continue }
            let name = try row.string("fdwname")
            let target = "FOREIGN DATA WRAPPER \(PostgresSQL.identifier(name))"
            var ddl = "CREATE \(target)"
            if let handler = try row.optional("handler") { ddl += " HANDLER \(handler)" }
            if let validator = try row.optional("validator") { ddl += " VALIDATOR \(validator)" }
            if let options = try row.optional("options") { ddl += " OPTIONS (\(options))" }
            let id = graph.add(
                PostgresObjectKind.foreignDataWrapper, name: name, schema: nil, section: .preData, ddl: ddl + ";\n",
                key: CatalogKey("pg_foreign_data_wrapper", oid), commentTarget: target)
            let owner = try row.string("owner")
            addOwner(of: id, target: target, owner: owner)
            addACL(of: id, target: target, owner: owner, acl: try row.jsonRows("acl"))
        }
    }

    func readForeignServers() async throws {
        let result = try await rows(
            """
            SELECT s.oid, s.srvname, w.fdwname, s.srvtype, s.srvversion, pg_get_userbyid(s.srvowner) AS owner,
                   \(Self.genericOptions("s.srvoptions")) AS options, \(Self.aclJSON("s.srvacl")) AS acl
            FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
            WHERE s.oid >= 16384 ORDER BY s.oid
            """, what: "foreign servers")
        for row in result where dumpsNonTableObjects {
            let oid = try row.oid("oid")
            guard !isExtensionMember("pg_foreign_server", oid) else { continue }
            let name = try row.string("srvname")
            let quoted = PostgresSQL.identifier(name)
            var ddl = "CREATE SERVER \(quoted)"
            if let type = try row.optional("srvtype") { ddl += " TYPE \(PostgresSQL.literal(type))" }
            if let version = try row.optional("srvversion") { ddl += " VERSION \(PostgresSQL.literal(version))" }
            ddl += " FOREIGN DATA WRAPPER \(PostgresSQL.identifier(try row.string("fdwname")))"
            if let options = try row.optional("options") { ddl += " OPTIONS (\(options))" }
            let id = graph.add(
                PostgresObjectKind.foreignServer, name: name, schema: nil, section: .preData, ddl: ddl + ";\n",
                key: CatalogKey("pg_foreign_server", oid), commentTarget: "SERVER \(quoted)")
            let owner = try row.string("owner")
            addOwner(of: id, target: "SERVER \(quoted)", owner: owner)
            addACL(of: id, target: "FOREIGN SERVER \(quoted)", owner: owner, acl: try row.jsonRows("acl"))
        }
        // User mappings, with their options as pg_dump writes them, except passwords for the remote
        // server: archives carry no secrets (docs/postgres-strategies.md says to set them again).
        let mappings = try await rows(
            """
            SELECT m.umid, m.srvid, m.srvname, CASE WHEN m.umuser = 0 THEN NULL ELSE m.usename END AS usename,
                   \(Self.genericOptions("m.umoptions", omitting: Self.secretUserMappingOptions)) AS options
            FROM pg_user_mappings m WHERE m.srvid >= 16384 ORDER BY m.srvname, m.usename
            """, what: "user mappings")
        for row in mappings where dumpsNonTableObjects {
            guard let server = graph.owner(of: CatalogKey("pg_foreign_server", try row.oid("srvid"))) else { continue }
            let user = PostgresSQL.role(try row.optional("usename"))
            var ddl = "CREATE USER MAPPING FOR \(user) SERVER \(PostgresSQL.identifier(try row.string("srvname")))"
            if let options = try row.optional("options") { ddl += " OPTIONS (\(options))" }
            graph.add(
                PostgresObjectKind.userMapping, name: "\(user) \(try row.string("srvname"))", schema: nil,
                section: .preData, ddl: ddl + ";\n", dependencies: [server],
                key: CatalogKey("pg_user_mapping", try row.oid("umid")))
        }
    }

    func readPublications() async throws {
        let result = try await rows(
            """
            SELECT p.oid, p.pubname, pg_get_userbyid(p.pubowner) AS owner, p.puballtables, p.pubinsert, p.pubupdate,
                   p.pubdelete, p.pubtruncate, p.pubviaroot
            FROM pg_publication p ORDER BY p.oid
            """, what: "publications")
        var publications: [UInt32: (id: UInt32, quoted: String)] = [:]
        for row in result where dumpsNonTableObjects {
            let oid = try row.oid("oid")
            let name = try row.string("pubname")
            let quoted = PostgresSQL.identifier(name)
            var ddl = "CREATE PUBLICATION \(quoted)"
            if try row.bool("puballtables") { ddl += " FOR ALL TABLES" }
            let actions = [("pubinsert", "insert"), ("pubupdate", "update"), ("pubdelete", "delete"), ("pubtruncate", "truncate")]
            let publish = try actions.filter { try row.bool($0.0) }.map(\.1).joined(separator: ", ")
            ddl += " WITH (publish = \(PostgresSQL.literal(publish))"
            ddl += ", publish_via_partition_root = \(try row.bool("pubviaroot") ? "true" : "false"));\n"
            let id = graph.add(
                PostgresObjectKind.publication, name: name, schema: nil, section: .postData, ddl: ddl,
                key: CatalogKey("pg_publication", oid), commentTarget: "PUBLICATION \(quoted)")
            addOwner(of: id, target: "PUBLICATION \(quoted)", owner: try row.string("owner"))
            publications[oid] = (id, quoted)
        }
        guard !publications.isEmpty else { return }
        let tables = try await rows(
            """
            SELECT r.oid, r.prpubid, r.prrelid, pg_get_expr(r.prqual, r.prrelid) AS qual,
                   (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n) FROM unnest(r.prattrs) WITH ORDINALITY
                        AS k(attnum, n) JOIN pg_attribute a ON a.attrelid = r.prrelid AND a.attnum = k.attnum) AS columns
            FROM pg_publication_rel r ORDER BY r.oid
            """, what: "publication tables")
        for row in tables {
            guard let publication = publications[try row.oid("prpubid")], let relation = relations[try row.oid("prrelid")]
            else { continue }
            var ddl = "ALTER PUBLICATION \(publication.quoted) ADD TABLE ONLY \(relation.qualified)"
            if let columns = try row.optional("columns") { ddl += " (\(columns))" }
            if let qual = try row.optional("qual") { ddl += " WHERE (\(qual))" }
            graph.add(
                PostgresObjectKind.publicationTable, name: relation.name, schema: relation.schema, section: .postData,
                ddl: ddl + ";\n", dependencies: [publication.id, relation.objectID],
                key: CatalogKey("pg_publication_rel", try row.oid("oid")))
        }
        let schemas = try await rows(
            "SELECT n.oid, n.pnpubid, n.pnnspid FROM pg_publication_namespace n ORDER BY n.oid",
            what: "publication schemas")
        for row in schemas {
            let namespace = try row.oid("pnnspid")
            guard let publication = publications[try row.oid("pnpubid")], let schema = userSchema(namespace) else {
                continue
            }
            graph.add(
                PostgresObjectKind.publicationTable, name: schema, schema: schema, section: .postData,
                ddl: "ALTER PUBLICATION \(publication.quoted) ADD TABLES IN SCHEMA \(PostgresSQL.identifier(schema));\n",
                dependencies: [publication.id] + (schemaObjects[namespace].map { [$0] } ?? []),
                key: CatalogKey("pg_publication_namespace", try row.oid("oid")))
        }
    }
}
