import PoolKit

/// Tablespaces are the cluster's (pg_dumpall's part), so the archive creates every relation in the
/// target's default tablespace. A relation or index the source keeps elsewhere is therefore named:
/// one omission per tablespace, listing what it holds.
extension CatalogReader {
    func readTablespaces() async throws {
        let result = try await rows(
            """
            SELECT s.spcname, c.oid, c.relnamespace, c.relname, COALESCE(i.indrelid, 0) AS indrelid
            FROM pg_class c JOIN pg_tablespace s ON s.oid = c.reltablespace
            LEFT JOIN pg_index i ON i.indexrelid = c.oid
            WHERE c.reltablespace <> 0 AND c.oid >= 16384 AND c.relkind IN ('r', 'p', 'm', 'i', 'I')
            ORDER BY s.spcname, c.relnamespace, c.relname
            """, what: "relations in tablespaces")
        var placed: [(tablespace: String, relations: [String])] = []
        for row in result {
            let oid = try row.oid("oid")
            let table = try row.oid("indrelid")
            guard keptRelations.contains(table == 0 ? oid : table), let schema = userSchema(try row.oid("relnamespace"))
            else { continue }
            let tablespace = try row.string("spcname")
            let name = "\(schema).\(try row.string("relname"))"
            if placed.last?.tablespace == tablespace { placed[placed.count - 1].relations.append(name) } else {
                placed.append((tablespace, [name]))
            }
        }
        for (tablespace, relations) in placed {
            let shown = relations.prefix(5).joined(separator: ", ") + (relations.count > 5 ? ", …" : "")
            omitted.append(ArchiveOmission(
                kind: "tablespace", name: tablespace,
                reason:
                    "\(relations.count) relation(s) in it (\(shown)) are restored into the target's default tablespace: tablespaces belong to the cluster, as for pg_dump's --no-tablespaces"))
        }
    }
}
