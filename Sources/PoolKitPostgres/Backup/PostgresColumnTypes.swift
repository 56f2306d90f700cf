import Foundation
import PoolKit

/// What a table's column types allow a copy backup: the binary COPY format, and loading the values
/// back at all.
enum PostgresColumnTypes {
    /// A query of one row per type a copied column of `relation` reaches, with `portable`: whether
    /// binary COPY of it reads back the same on another server. Reached through domains (their base
    /// type), arrays (element), ranges (subtype), multiranges (range) and composites (attributes).
    /// Every reached type needs a binary send and receive function (`aclitem` has none); a type
    /// whose OID the binary form carries (an array's element, a composite's attribute) must be
    /// built in, since OIDs differ between databases; and a user-defined base type (an extension's
    /// or one with C functions) keeps its text form, whose stability is what its author promises.
    /// The OID alias types (`regclass`, `regtype`, …) are sent as bare OIDs, which name other
    /// objects in another database: their text form (the object's name) is what reads back.
    static func binaryPortable(_ relation: String) -> String {
        """
        WITH RECURSIVE reach(typ, embedded) AS (
            SELECT a.atttypid, false FROM pg_catalog.pg_attribute a
            WHERE a.attrelid = \(relation) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
            UNION
            SELECT x.typ, x.embedded FROM reach r JOIN pg_catalog.pg_type t ON t.oid = r.typ
            CROSS JOIN LATERAL (
                SELECT t.typbasetype AS typ, false AS embedded WHERE t.typtype = 'd'
                UNION ALL SELECT t.typelem, true WHERE t.typsubscript = 'pg_catalog.array_subscript_handler'::pg_catalog.regproc
                UNION ALL SELECT g.rngsubtype, false FROM pg_catalog.pg_range g WHERE g.rngtypid = t.oid
                UNION ALL SELECT g.rngtypid, false FROM pg_catalog.pg_range g WHERE g.rngmultitypid = t.oid
                UNION ALL SELECT s.atttypid, true FROM pg_catalog.pg_attribute s
                    WHERE t.typtype = 'c' AND s.attrelid = t.typrelid AND s.attnum > 0 AND NOT s.attisdropped
            ) x
        )
        SELECT t.typsend <> 0 AND t.typreceive <> 0 AND NOT (r.embedded AND t.oid >= 16384)
               AND NOT (t.typnamespace = 'pg_catalog'::pg_catalog.regnamespace AND t.typname IN (\(oidAliases)))
               AND NOT (t.typtype = 'b' AND t.oid >= 16384
                        AND t.typsubscript <> 'pg_catalog.array_subscript_handler'::pg_catalog.regproc) AS portable
        FROM reach r JOIN pg_catalog.pg_type t ON t.oid = r.typ
        """
    }

    /// The OID alias types, whose binary form is the OID of the object they name.
    private static let oidAliases = [
        "regproc", "regprocedure", "regoper", "regoperator", "regclass", "regcollation", "regtype", "regrole",
        "regnamespace", "regconfig", "regdictionary",
    ].map { "'\($0)'" }.joined(separator: ", ")

    /// Types whose input and receive functions refuse every value (`cannot accept a value of type
    /// …`): the server writes them (a copy of a catalog, `CREATE TABLE … AS SELECT * FROM pg_class`,
    /// holds `pg_node_tree` columns) but no server, nor pg_dump's restore, reads them back.
    private static let unloadableInputs = ["pg_node_tree_in", "pg_ndistinct_in", "pg_dependencies_in", "pg_mcv_list_in"]
        .map { "'\($0)'" }.joined(separator: ", ")

    /// A select-list expression: the JSON array of the names of `relation`'s copied columns whose
    /// type (or array element type) is one of ``unloadableInputs``; NULL when there are none.
    static func unloadableColumns(_ relation: String) -> String {
        """
        SELECT pg_catalog.array_to_json(pg_catalog.array_agg(a.attname::text ORDER BY a.attnum))
        FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem
             AND t.typsubscript = 'pg_catalog.array_subscript_handler'::pg_catalog.regproc
        WHERE a.attrelid = \(relation) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
          AND (t.typinput::text IN (\(unloadableInputs)) OR e.typinput::text IN (\(unloadableInputs)))
        """
    }

    /// The names in a JSON array of strings (nil or unparsable: none).
    static func names(fromJSON text: String?) -> [String] {
        guard let data = text?.data(using: .utf8),
            let names = try? JSONSerialization.jsonObject(with: data) as? [String]
        else { return [] }
        return names
    }

    /// What a backup does with a table's unloadable columns.
    enum Handling {
        /// Their values are dumped as NULL (each column reported).
        case nulled([ArchiveOmission])
        /// The table is left out (a column is NOT NULL, so NULL cannot stand in): the reason.
        case leaveOut(String)
    }

    static func handle(_ columns: [ArchiveColumn], of table: PostgresTableInfo) -> Handling {
        let described = columns.map { "\($0.name) (\($0.type))" }.joined(separator: ", ")
        if columns.contains(where: { $0.nullable == false }) {
            return .leaveOut(
                "its NOT NULL column(s) \(described) hold values no server accepts back (their input functions refuse every value, for pg_dump's restore too)")
        }
        return .nulled(columns.map { column in
            ArchiveOmission(
                kind: "column", schema: table.schema, name: "\(table.name).\(column.name)",
                reason: "its values (\(column.type)) are backed up as NULL: no server accepts them back (the type's input function refuses every value, for pg_dump's restore too)")
        })
    }
}
