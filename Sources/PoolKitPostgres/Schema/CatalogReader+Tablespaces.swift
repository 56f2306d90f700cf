import PoolKit

/// Relations and indexes kept in a tablespace other than the database's default are created there,
/// as pg_dump does it: their statements run after `SET default_tablespace = <tablespace>` and are
/// followed by `SET default_tablespace = ''` (a key's `USING INDEX TABLESPACE`, which
/// `pg_get_constraintdef` writes, is taken out: the setting places its index). The tablespace
/// itself belongs to the cluster (pg_dumpall's part); a restore into a cluster that lacks it creates
/// those objects in the default tablespace and says so (``PostgresTablespacePlacement``).
extension CatalogReader {
    func readTablespaces() async throws {
        let result = try await rows(
            """
            SELECT quote_ident(s.spcname) AS tablespace, c.oid, COALESCE(i.indrelid, 0) AS indrelid
            FROM pg_class c JOIN pg_tablespace s ON s.oid = c.reltablespace
            LEFT JOIN pg_index i ON i.indexrelid = c.oid
            WHERE c.reltablespace <> 0 AND c.oid >= 16384 AND c.relkind IN ('r', 'p', 'm', 'i', 'I')
            ORDER BY c.oid
            """, what: "relations in tablespaces")
        for row in result {
            let oid = try row.oid("oid")
            let table = try row.oid("indrelid")
            // A key whose index is built first: the build is what must run in the tablespace.
            guard keptRelations.contains(table == 0 ? oid : table),
                let object = keyIndexBuilds[oid] ?? graph.owner(of: CatalogKey("pg_class", oid))
            else { continue }
            let tablespace = try row.string("tablespace")
            graph.rewrite(object) { ddl in
                guard !ddl.hasPrefix(PostgresTablespacePlacement.prefix) else { return ddl }
                let placed = ddl.replacingOccurrences(of: " USING INDEX TABLESPACE \(tablespace)", with: "")
                return PostgresTablespacePlacement.place(placed, in: tablespace)
            }
        }
    }
}
