import PoolKit

/// Functions, procedures, aggregates, operators and casts.
extension CatalogReader {
    func readRoutines() async throws {
        let result = try await rows(
            """
            SELECT p.oid, p.pronamespace, p.proname, p.prokind, p.proparallel,
                   pg_get_function_identity_arguments(p.oid) AS identity,
                   pg_get_userbyid(p.proowner) AS owner, \(Self.aclJSON("p.proacl")) AS acl,
                   CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END AS def,
                   CASE WHEN p.prokind = 'a' THEN pg_get_function_arguments(p.oid) END AS arguments,
                   a.aggkind, NULLIF(a.aggtransfn::text, '-') AS transfn, NULLIF(a.aggfinalfn::text, '-') AS finalfn,
                   NULLIF(a.aggcombinefn::text, '-') AS combinefn, NULLIF(a.aggserialfn::text, '-') AS serialfn,
                   NULLIF(a.aggdeserialfn::text, '-') AS deserialfn, NULLIF(a.aggmtransfn::text, '-') AS mtransfn,
                   NULLIF(a.aggminvtransfn::text, '-') AS minvtransfn, NULLIF(a.aggmfinalfn::text, '-') AS mfinalfn,
                   a.aggfinalextra, a.aggmfinalextra, a.aggfinalmodify, a.aggmfinalmodify,
                   (SELECT 'OPERATOR(' || quote_ident(sn.nspname) || '.' || so.oprname || ')' FROM pg_operator so
                        JOIN pg_namespace sn ON sn.oid = so.oprnamespace WHERE so.oid = a.aggsortop) AS sortop,
                   format_type(a.aggtranstype, NULL) AS transtype, a.aggtransspace,
                   CASE WHEN a.aggmtranstype <> 0 THEN format_type(a.aggmtranstype, NULL) END AS mtranstype,
                   a.aggmtransspace, a.agginitval, a.aggminitval
            FROM pg_proc p LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
            WHERE p.oid >= 16384 ORDER BY p.oid
            """, what: "functions")
        for row in result where dumpsNonTableObjects {
            let oid = try row.oid("oid")
            guard let schema = userSchema(try row.oid("pronamespace")), !isImplied("pg_proc", oid) else {
                continue
            }
            let name = try row.string("proname")
            let qualified = PostgresSQL.qualified(schema, name)
            let identity = try row.optional("identity") ?? ""
            let kind = try row.string("prokind")
            let keyword: String
            let objectKind: ArchiveObject.Kind
            let ddl: String
            var signature = "\(qualified)(\(identity))"
            switch kind {
            case "a":
                keyword = "AGGREGATE"
                objectKind = PostgresObjectKind.aggregate
                if identity.isEmpty { signature = "\(qualified)(*)" }
                ddl = try aggregateDDL(row, name: qualified)
            case "p":
                keyword = "PROCEDURE"
                objectKind = .function
                ddl = try row.string("def").trimmingTrailingNewlines() + ";\n"
            default:
                keyword = "FUNCTION"
                objectKind = .function
                ddl = try row.string("def").trimmingTrailingNewlines() + ";\n"
            }
            let id = graph.add(
                objectKind, name: "\(name)(\(identity))", schema: schema, section: .preData, ddl: ddl,
                key: CatalogKey("pg_proc", oid), commentTarget: "\(keyword) \(signature)")
            let owner = try row.string("owner")
            addOwner(of: id, target: "\(keyword) \(signature)", owner: owner)
            let grantKeyword = kind == "p" ? "PROCEDURE" : "FUNCTION"
            addACL(
                of: id, target: "\(grantKeyword) \(kind == "a" ? "\(qualified)(\(identity))" : signature)",
                owner: owner, acl: try row.jsonRows("acl"))
        }
    }

    private func aggregateDDL(_ row: CatalogRow, name: String) throws -> String {
        var arguments = try row.optional("arguments") ?? ""
        if arguments.isEmpty { arguments = "*" }
        var options: [String] = []
        func add(_ key: String, _ column: String) throws {
            if let value = try row.text(column) { options.append("\(key) = \(value)") }
        }
        func modify(_ code: String?) -> String {
            switch code {
            case "s": "SHAREABLE"
            case "w": "READ_WRITE"
            default: "READ_ONLY"
            }
        }
        try add("SFUNC", "transfn")
        try add("STYPE", "transtype")
        if try row.int("aggtransspace") != 0 { try add("SSPACE", "aggtransspace") }
        try add("FINALFUNC", "finalfn")
        if try row.bool("aggfinalextra") { options.append("FINALFUNC_EXTRA") }
        if try row.text("finalfn") != nil { options.append("FINALFUNC_MODIFY = \(modify(try row.optional("aggfinalmodify")))") }
        try add("COMBINEFUNC", "combinefn")
        try add("SERIALFUNC", "serialfn")
        try add("DESERIALFUNC", "deserialfn")
        if let initial = try row.optional("agginitval") { options.append("INITCOND = \(PostgresSQL.literal(initial))") }
        try add("MSFUNC", "mtransfn")
        try add("MINVFUNC", "minvtransfn")
        try add("MSTYPE", "mtranstype")
        if try row.int("aggmtransspace") != 0 { try add("MSSPACE", "aggmtransspace") }
        try add("MFINALFUNC", "mfinalfn")
        if try row.bool("aggmfinalextra") { options.append("MFINALFUNC_EXTRA") }
        if try row.text("mfinalfn") != nil {
            options.append("MFINALFUNC_MODIFY = \(modify(try row.optional("aggmfinalmodify")))")
        }
        if let initial = try row.optional("aggminitval") { options.append("MINITCOND = \(PostgresSQL.literal(initial))") }
        try add("SORTOP", "sortop")
        switch try row.optional("proparallel") {
        case "s": options.append("PARALLEL = SAFE")
        case "r": options.append("PARALLEL = RESTRICTED")
        default: break
        }
        if try row.optional("aggkind") == "h" { options.append("HYPOTHETICAL") }
        return "CREATE AGGREGATE \(name)(\(arguments)) (\n    \(options.joined(separator: ",\n    "))\n);\n"
    }

    func readOperators() async throws {
        let result = try await rows(
            """
            SELECT o.oid, o.oprnamespace, o.oprname, pg_get_userbyid(o.oprowner) AS owner,
                   CASE WHEN o.oprleft <> 0 THEN format_type(o.oprleft, NULL) END AS lefttype,
                   CASE WHEN o.oprright <> 0 THEN format_type(o.oprright, NULL) END AS righttype,
                   o.oprcode::text AS code,
                   (SELECT 'OPERATOR(' || quote_ident(cn.nspname) || '.' || c.oprname || ')' FROM pg_operator c
                        JOIN pg_namespace cn ON cn.oid = c.oprnamespace WHERE c.oid = o.oprcom) AS commutator,
                   (SELECT 'OPERATOR(' || quote_ident(cn.nspname) || '.' || c.oprname || ')' FROM pg_operator c
                        JOIN pg_namespace cn ON cn.oid = c.oprnamespace WHERE c.oid = o.oprnegate) AS negator,
                   NULLIF(o.oprrest::text, '-') AS rest, NULLIF(o.oprjoin::text, '-') AS joinsel,
                   o.oprcanmerge, o.oprcanhash
            FROM pg_operator o WHERE o.oid >= 16384 AND o.oprcode <> 0 ORDER BY o.oid
            """, what: "operators")
        for row in result where dumpsNonTableObjects {
            let oid = try row.oid("oid")
            guard let schema = userSchema(try row.oid("oprnamespace")), !isExtensionMember("pg_operator", oid) else {
                continue
            }
            let name = try row.string("oprname")
            let qualified = "\(PostgresSQL.identifier(schema)).\(name)"
            var options = ["FUNCTION = \(try row.string("code"))"]
            if let left = try row.optional("lefttype") { options.append("LEFTARG = \(left)") }
            if let right = try row.optional("righttype") { options.append("RIGHTARG = \(right)") }
            if let commutator = try row.optional("commutator") { options.append("COMMUTATOR = \(commutator)") }
            if let negator = try row.optional("negator") { options.append("NEGATOR = \(negator)") }
            if let rest = try row.optional("rest") { options.append("RESTRICT = \(rest)") }
            if let join = try row.optional("joinsel") { options.append("JOIN = \(join)") }
            if try row.bool("oprcanhash") { options.append("HASHES") }
            if try row.bool("oprcanmerge") { options.append("MERGES") }
            let signature =
                "\(qualified) (\(try row.optional("lefttype") ?? "NONE"), \(try row.optional("righttype") ?? "NONE"))"
            let id = graph.add(
                PostgresObjectKind.operator, name: name, schema: schema, section: .preData,
                ddl: "CREATE OPERATOR \(qualified) (\n    \(options.joined(separator: ",\n    "))\n);\n",
                key: CatalogKey("pg_operator", oid), commentTarget: "OPERATOR \(signature)")
            addOwner(of: id, target: "OPERATOR \(signature)", owner: try row.string("owner"))
        }
    }

    func readCasts() async throws {
        let result = try await rows(
            """
            SELECT c.oid, format_type(c.castsource, NULL) AS source, format_type(c.casttarget, NULL) AS target,
                   CASE WHEN c.castfunc <> 0 THEN c.castfunc::regprocedure::text END AS func,
                   c.castcontext, c.castmethod
            FROM pg_cast c WHERE c.oid >= 16384 ORDER BY c.oid
            """, what: "casts")
        for row in result where dumpsNonTableObjects {
            let oid = try row.oid("oid")
            guard !isImplied("pg_cast", oid) else { continue }
            let pair = "(\(try row.string("source")) AS \(try row.string("target")))"
            var ddl = "CREATE CAST \(pair)"
            switch try row.string("castmethod") {
            case "f": ddl += " WITH FUNCTION \(try row.string("func"))"
            case "i": ddl += " WITH INOUT"
            default: ddl += " WITHOUT FUNCTION"
            }
            switch try row.string("castcontext") {
            case "a": ddl += " AS ASSIGNMENT"
            case "i": ddl += " AS IMPLICIT"
            default: break
            }
            graph.add(
                PostgresObjectKind.cast, name: pair, schema: nil, section: .preData, ddl: ddl + ";\n",
                key: CatalogKey("pg_cast", oid), commentTarget: "CAST \(pair)")
        }
    }
}

extension String {
    /// The text without the newlines at its end.
    func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last == "\n" || text.last == " " { text.removeLast() }
        return text
    }
}
