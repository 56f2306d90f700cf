import PoolKit

/// Text search dictionaries and configurations, and encoding conversions.
extension CatalogReader {
    func readTextSearch() async throws {
        let dictionaries = try await rows(
            """
            SELECT d.oid, d.dictnamespace, d.dictname, pg_get_userbyid(d.dictowner) AS owner, d.dictinitoption,
                   (SELECT quote_ident(tn.nspname) || '.' || quote_ident(t.tmplname) FROM pg_ts_template t
                        JOIN pg_namespace tn ON tn.oid = t.tmplnamespace WHERE t.oid = d.dicttemplate) AS template
            FROM pg_ts_dict d WHERE d.oid >= 16384 ORDER BY d.oid
            """, what: "text search dictionaries")
        for row in dictionaries where dumpsNonTableObjects {
            let oid = try row.oid("oid")
            guard let schema = userSchema(try row.oid("dictnamespace")), !isExtensionMember("pg_ts_dict", oid) else {
                continue
            }
            let name = try row.string("dictname")
            let target = "TEXT SEARCH DICTIONARY \(PostgresSQL.qualified(schema, name))"
            var options = "TEMPLATE = \(try row.string("template"))"
            if let initial = try row.optional("dictinitoption") { options += ", \(initial)" }
            let id = graph.add(
                PostgresObjectKind.textSearch, name: name, schema: schema, section: .preData,
                ddl: "CREATE \(target) (\(options));\n", key: CatalogKey("pg_ts_dict", oid), commentTarget: target)
            addOwner(of: id, target: target, owner: try row.string("owner"))
        }
        let configurations = try await rows(
            """
            SELECT c.oid, c.cfgnamespace, c.cfgname, pg_get_userbyid(c.cfgowner) AS owner,
                   (SELECT quote_ident(pn.nspname) || '.' || quote_ident(p.prsname) FROM pg_ts_parser p
                        JOIN pg_namespace pn ON pn.oid = p.prsnamespace WHERE p.oid = c.cfgparser) AS parser,
                   (SELECT json_agg(json_build_array(t.alias,
                        (SELECT string_agg(quote_ident(dn.nspname) || '.' || quote_ident(dd.dictname), ', '
                                ORDER BY m.mapseqno)
                         FROM pg_ts_config_map m JOIN pg_ts_dict dd ON dd.oid = m.mapdict
                         JOIN pg_namespace dn ON dn.oid = dd.dictnamespace
                         WHERE m.mapcfg = c.oid AND m.maptokentype = t.tokid)) ORDER BY t.tokid)
                    FROM ts_token_type(c.cfgparser) t
                    WHERE EXISTS (SELECT 1 FROM pg_ts_config_map m WHERE m.mapcfg = c.oid AND m.maptokentype = t.tokid))
                   AS mappings
            FROM pg_ts_config c WHERE c.oid >= 16384 ORDER BY c.oid
            """, what: "text search configurations")
        for row in configurations where dumpsNonTableObjects {
            let oid = try row.oid("oid")
            guard let schema = userSchema(try row.oid("cfgnamespace")), !isExtensionMember("pg_ts_config", oid) else {
                continue
            }
            let name = try row.string("cfgname")
            let target = "TEXT SEARCH CONFIGURATION \(PostgresSQL.qualified(schema, name))"
            var ddl = "CREATE \(target) (PARSER = \(try row.string("parser")));\n"
            for mapping in try row.jsonRows("mappings") ?? [] where mapping.count == 2 {
                guard let token = mapping[0] as? String, let dictionaries = mapping[1] as? String else { continue }
                ddl += "ALTER \(target) ADD MAPPING FOR \(PostgresSQL.identifier(token)) WITH \(dictionaries);\n"
            }
            let id = graph.add(
                PostgresObjectKind.textSearch, name: name, schema: schema, section: .preData, ddl: ddl,
                key: CatalogKey("pg_ts_config", oid), commentTarget: target)
            addOwner(of: id, target: target, owner: try row.string("owner"))
        }
        let conversions = try await rows(
            """
            SELECT c.oid, c.connamespace, c.conname, pg_get_userbyid(c.conowner) AS owner,
                   pg_encoding_to_char(c.conforencoding) AS source, pg_encoding_to_char(c.contoencoding) AS destination,
                   c.conproc::regproc::text AS func, c.condefault
            FROM pg_conversion c WHERE c.oid >= 16384 ORDER BY c.oid
            """, what: "conversions")
        for row in conversions where dumpsNonTableObjects {
            let oid = try row.oid("oid")
            guard let schema = userSchema(try row.oid("connamespace")), !isExtensionMember("pg_conversion", oid) else {
                continue
            }
            let name = try row.string("conname")
            let target = "CONVERSION \(PostgresSQL.qualified(schema, name))"
            let isDefault = try row.bool("condefault") ? "DEFAULT " : ""
            let id = graph.add(
                PostgresObjectKind.conversion, name: name, schema: schema, section: .preData,
                ddl:
                    "CREATE \(isDefault)\(target) FOR \(PostgresSQL.literal(try row.string("source"))) TO \(PostgresSQL.literal(try row.string("destination"))) FROM \(try row.string("func"));\n",
                key: CatalogKey("pg_conversion", oid), commentTarget: target)
            addOwner(of: id, target: target, owner: try row.string("owner"))
        }
    }
}
