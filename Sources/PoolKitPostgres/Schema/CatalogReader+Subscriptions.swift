import PoolKit

/// Subscriptions of the database, created as pg_dump creates them: `connect = false` (no slot is
/// made or used on the publisher, and the subscription stays disabled until the user enables it),
/// with the connection string's password removed, since archives hold no secrets. Their
/// connection strings are readable by superusers only; a backup by another role lists each
/// subscription as not carried.
extension CatalogReader {
    func readSubscriptions() async throws {
        guard dumpsNonTableObjects else { return }
        let superuser = try await rows(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user", what: "the backup role"
        ).first { _ in true }?.bool("rolsuper") ?? false
        let readable = superuser ? "s.subconninfo" : "NULL::text"
        let result = try await rows(
            """
            SELECT s.oid, s.subname, pg_get_userbyid(s.subowner) AS owner, \(readable) AS conninfo, s.subslotname,
                   s.subbinary, s.substream::text AS stream, s.subtwophasestate, s.subdisableonerr,
                   s.subsynccommit, array_to_json(s.subpublications) AS publications
            FROM pg_subscription s
            WHERE s.subdbid = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
            ORDER BY s.oid
            """, what: "subscriptions")
        for row in result {
            let name = try row.string("subname")
            guard let conninfo = try row.optional("conninfo") else {
                omitted.append(ArchiveOmission(
                    kind: PostgresObjectKind.subscription, name: name,
                    reason: "its connection string is readable by superusers only: back up as a superuser to carry it (as pg_dump)"))
                continue
            }
            guard let safe = PostgresConnectionString.removingPassword(conninfo) else {
                omitted.append(ArchiveOmission(
                    kind: PostgresObjectKind.subscription, name: name,
                    reason: "libpq cannot parse its connection string, so its password could not be left out of the archive"))
                continue
            }
            let quoted = PostgresSQL.identifier(name)
            let publications = (try row.stringArray("publications") ?? []).compactMap { $0 }.map(PostgresSQL.identifier)
            var options = ["connect = false"]
            options.append("slot_name = \(try row.optional("subslotname").map(PostgresSQL.literal) ?? "NONE")")
            if try row.bool("subbinary") { options.append("binary = true") }
            switch try row.optional("stream") {
            case "true", "t": options.append("streaming = on")
            case "p": options.append("streaming = parallel")
            default: break
            }
            if try row.string("subtwophasestate") != "d" { options.append("two_phase = on") }
            if try row.bool("subdisableonerr") { options.append("disable_on_error = true") }
            let commit = try row.string("subsynccommit")
            if commit != "off" { options.append("synchronous_commit = \(PostgresSQL.literal(commit))") }
            let id = graph.add(
                PostgresObjectKind.subscription, name: name, schema: nil, section: .postData,
                ddl:
                    "CREATE SUBSCRIPTION \(quoted) CONNECTION \(PostgresSQL.literal(safe)) PUBLICATION \(publications.joined(separator: ", ")) WITH (\(options.joined(separator: ", ")));\n",
                key: CatalogKey("pg_subscription", try row.oid("oid")), commentTarget: "SUBSCRIPTION \(quoted)")
            addOwner(of: id, target: "SUBSCRIPTION \(quoted)", owner: try row.string("owner"))
        }
    }
}
