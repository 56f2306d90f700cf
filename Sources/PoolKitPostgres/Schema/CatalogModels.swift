/// The catalog facts the reader keeps between queries.
extension CatalogReader {
    /// A row of `pg_constraint`.
    struct Constraint {
        let oid: UInt32
        let name: String
        /// `contype`: c, f, p, u, x, t.
        let type: String
        let relation: UInt32
        let domain: UInt32
        let index: UInt32
        let parent: UInt32
        let validated: Bool
        let isLocal: Bool
        /// `pg_get_constraintdef`.
        let definition: String
    }

    /// A dumped relation (table, partitioned table, view, materialized view, sequence).
    struct Relation {
        let oid: UInt32
        let schema: String
        let name: String
        /// `relkind`: r, p, v, m, S.
        let kind: String
        let objectID: UInt32
        let isPartition: Bool
        let relpages: Int64
        let bytes: Int64

        var qualified: String { PostgresSQL.qualified(schema, name) }
    }

    /// A column of a relation or composite type.
    struct Column {
        let number: Int
        let name: String
        let type: String
        let notNull: Bool
        let isLocal: Bool
        /// `attgenerated`: empty, or `s` (stored).
        let generated: String
        /// `attidentity`: empty, `a` (always) or `d` (by default).
        let identity: String
        let defaultOID: UInt32?
        let defaultExpression: String?
        let collation: String?
        let storage: String
        let typeStorage: String
        let statisticsTarget: Int
        let compression: String
        let options: String?
        /// A foreign table column's options (`name 'value', …`).
        let foreignOptions: String?
        let acl: [[Any]]?
    }

    /// A view's statements: as created, as a placeholder with its columns' names and types only,
    /// and its definition replacing the placeholder.
    struct ViewStatements {
        let create: String
        let placeholder: String
        let replace: String
    }

    /// A row of `pg_sequence`, with what owns it.
    struct Sequence {
        let oid: UInt32
        let type: String
        let start: String
        let increment: String
        let maximum: String
        let minimum: String
        let cache: String
        let cycle: Bool
        /// The table and column that own it (`OWNED BY`, or an identity column).
        let ownerTable: UInt32?
        let ownerColumn: Int
        /// Whether it belongs to an identity column.
        let isIdentity: Bool
        /// Whether it is `UNLOGGED`.
        let unlogged: Bool

        /// The options of `CREATE SEQUENCE` and of an identity column.
        var options: String {
            "START WITH \(start) INCREMENT BY \(increment) MINVALUE \(minimum) MAXVALUE \(maximum) CACHE \(cache)"
                + (cycle ? " CYCLE" : " NO CYCLE")
        }
    }
}
