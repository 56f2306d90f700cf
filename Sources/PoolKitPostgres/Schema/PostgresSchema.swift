import PoolKit

/// Everything the schema of one PostgreSQL database consists of, read in the caller's snapshot
/// by ``PostgresSchemaReader``.
///
/// Restoring it: run each object's ``ArchiveObject/ddl`` in the order of ``objects`` (or in
/// dependency waves: each object lists the ids it needs), section by section, on sessions with
/// `check_function_bodies = off`, `search_path = ''` (every name in the DDL is qualified, built-ins
/// resolve through `pg_catalog`) and `standard_conforming_strings = on` (string literals are written
/// with doubled quotes only). The target is an empty database of the same major version (or newer),
/// in a cluster that has the roles the owners and privileges name: roles and tablespaces belong to
/// the cluster (pg_dumpall's part) and are not part of this schema.
package struct PostgresSchema: Sendable {
    /// Objects to recreate, each after its dependencies, ids unique and ≥ 1.
    ///
    /// - pre-data: schemas, extensions, collations, types (enum, composite, domain, range with its
    ///   multirange), functions, procedures, aggregates, operators, operator families and classes,
    ///   casts, conversions, text search dictionaries and configurations, foreign data wrappers,
    ///   servers and user mappings, sequences, tables and foreign tables (columns, defaults,
    ///   generated and identity columns, NOT NULL, valid CHECK constraints, inheritance,
    ///   partitioning, storage parameters, column settings), partitions attached, column defaults
    ///   that call functions of the schema, views, materialized views (empty), `OWNED BY` of
    ///   sequences, large objects (`lo_create` with their OIDs and comments; as in pg_dump, whose
    ///   large object entries are pre-data and their contents data);
    /// - data: sequence values (`setval`);
    /// - post-data: indexes and their partition attachments, primary key / unique / exclusion /
    ///   foreign key / `NOT VALID` check constraints (also of domains), triggers, rules, policies, row level security,
    ///   `CLUSTER ON`, replica identity, extended statistics, publications, `REFRESH MATERIALIZED
    ///   VIEW` of populated materialized views, privileges, default privileges, and event triggers
    ///   after everything else. A view that needs a post-data object (one grouping by a primary
    ///   key) is post-data too.
    ///
    /// `ALTER … OWNER TO` statements are objects of kind ``ArchiveObject/Kind/owner`` and
    /// `GRANT`/`REVOKE` statements objects of kind ``ArchiveObject/Kind/acl``, each depending on the
    /// object it concerns, so a restore can leave them out (`--no-owner`, `--no-privileges`).
    /// Privileges that a role other than the owner granted are granted under `SET SESSION
    /// AUTHORIZATION` of that role (a superuser restore, as with pg_restore), after the privileges
    /// of the object's schema. User mappings carry their options, which may include the remote
    /// server's password, as pg_dump's output does. Comments are part of their object's DDL.
    package var objects: [ArchiveObject]
    /// Tables whose rows are dumped: ordinary tables and partitions (leaves), never partitioned
    /// parents, views or foreign tables; and extensions' configuration tables (with
    /// ``PostgresTableInfo/rowFilter``).
    package var tables: [PostgresTableInfo]
    /// Large objects to dump (their OIDs); their creation is in ``objects`` (pre-data).
    package var largeObjects: [UInt32]
    /// Facts about the server and database: `server_version`, `server_version_num`, `encoding`,
    /// `standard_conforming_strings`, `lc_collate`, `lc_ctype`.
    package var properties: [String: String]
    /// What the database has and ``objects`` does not recreate, each with its reason (a backup
    /// reports them: ``BackupCatalog/omitted``). Nothing in ``objects`` needs any of them.
    package var omitted: [ArchiveOmission]
    /// Objects of ``objects`` in dependency loops that could not be broken (id → reason): a backup
    /// leaves them out with everything that needs them (``BackupPlan/omit(_:)``).
    package var unbrokenLoops: [UInt32: String]

    package init(
        objects: [ArchiveObject], tables: [PostgresTableInfo], largeObjects: [UInt32], properties: [String: String],
        omitted: [ArchiveOmission] = [], unbrokenLoops: [UInt32: String] = [:]
    ) {
        self.unbrokenLoops = unbrokenLoops
        self.objects = objects
        self.tables = tables
        self.largeObjects = largeObjects
        self.properties = properties
        self.omitted = omitted
    }
}

/// One table whose rows a backup dumps.
package struct PostgresTableInfo: Sendable, Hashable {
    /// The id of its `CREATE TABLE` object in ``PostgresSchema/objects`` (its data frames use it).
    package var objectID: UInt32
    /// Its `pg_class` OID in the source database.
    package var oid: UInt32
    /// Its schema, unquoted.
    package var schema: String
    /// Its name, unquoted.
    package var name: String
    /// The columns COPY carries, in order: neither generated (stored) nor dropped columns.
    package var columns: [ArchiveColumn]
    /// `pg_class.relpages` (for ctid chunking); an estimate, 0 when never analysed.
    package var relpages: Int64
    /// Its main fork's size in bytes (`pg_relation_size`).
    package var estimatedBytes: Int64
    /// Whether it is a partition of a partitioned table.
    package var isPartition: Bool
    /// For an extension's configuration table: the condition that picks the rows to dump, as the
    /// extension registered it (`WHERE …`, to append to `SELECT … FROM table`), nil for all rows.
    /// Its object (kind ``PostgresObjectKind/extensionTable``) has no DDL: `CREATE EXTENSION`
    /// creates the table, and the extension's own rows are those the condition leaves out.
    package var rowFilter: String?

    package init(
        objectID: UInt32, oid: UInt32, schema: String, name: String, columns: [ArchiveColumn], relpages: Int64,
        estimatedBytes: Int64, isPartition: Bool, rowFilter: String? = nil
    ) {
        self.rowFilter = rowFilter
        self.objectID = objectID
        self.oid = oid
        self.schema = schema
        self.name = name
        self.columns = columns
        self.relpages = relpages
        self.estimatedBytes = estimatedBytes
        self.isPartition = isPartition
    }

    /// `"schema"."name"`, quoted for SQL.
    package var qualifiedName: String { PostgresSQL.qualified(schema, name) }
}

/// The object kinds the PostgreSQL schema uses beyond the core's own (``ArchiveObject/Kind``); kept
/// in a namespace of their own so they cannot clash with kinds the core may add.
package enum PostgresObjectKind {
    /// A sequence's value (`setval`), data section.
    package static let sequenceSet: ArchiveObject.Kind = "sequence-set"
    /// `ALTER SEQUENCE … OWNED BY`.
    package static let sequenceOwnedBy: ArchiveObject.Kind = "sequence-owned-by"
    /// A partition attached to its partitioned table (`ALTER TABLE … ATTACH PARTITION`).
    package static let tableAttach: ArchiveObject.Kind = "table-attach"
    /// An index attached to its partitioned index (`ALTER INDEX … ATTACH PARTITION`).
    package static let indexAttach: ArchiveObject.Kind = "index-attach"
    /// An aggregate function.
    package static let aggregate: ArchiveObject.Kind = "aggregate"
    /// A collation.
    package static let collation: ArchiveObject.Kind = "collation"
    /// An operator.
    package static let `operator`: ArchiveObject.Kind = "operator"
    /// A cast.
    package static let cast: ArchiveObject.Kind = "cast"
    /// A rewrite rule (not a view's own).
    package static let rule: ArchiveObject.Kind = "rule"
    /// A row level security policy.
    package static let policy: ArchiveObject.Kind = "policy"
    /// `ALTER TABLE … ENABLE/FORCE ROW LEVEL SECURITY`.
    package static let rowSecurity: ArchiveObject.Kind = "row-security"
    /// Extended statistics (`CREATE STATISTICS`).
    package static let statistics: ArchiveObject.Kind = "statistics"
    /// An event trigger.
    package static let eventTrigger: ArchiveObject.Kind = "event-trigger"
    /// `REFRESH MATERIALIZED VIEW` of a materialized view that was populated.
    package static let materializedViewData: ArchiveObject.Kind = "materialized-view-data"
    /// `ALTER TABLE … CLUSTER ON` or `REPLICA IDENTITY USING INDEX`.
    package static let indexUsage: ArchiveObject.Kind = "index-usage"
    /// A foreign data wrapper.
    package static let foreignDataWrapper: ArchiveObject.Kind = "foreign-data-wrapper"
    /// A foreign server.
    package static let foreignServer: ArchiveObject.Kind = "foreign-server"
    /// A user mapping for a foreign server.
    package static let userMapping: ArchiveObject.Kind = "user-mapping"
    /// A foreign table (no rows are dumped).
    package static let foreignTable: ArchiveObject.Kind = "foreign-table"
    /// A publication (post-data).
    package static let publication: ArchiveObject.Kind = "publication"
    /// A table or schema added to a publication.
    package static let publicationTable: ArchiveObject.Kind = "publication-table"
    /// A text search dictionary or configuration.
    package static let textSearch: ArchiveObject.Kind = "text-search"
    /// The definition of a view in a dependency cycle (`CREATE OR REPLACE VIEW`), after its
    /// placeholder and the functions that use its row type.
    package static let viewDefinition: ArchiveObject.Kind = "view-definition"
    /// An extension's configuration table, whose rows are dumped (no DDL: the extension creates it).
    package static let extensionTable: ArchiveObject.Kind = "extension-table"
    /// A column default that calls a function of the schema, set after its table is created.
    package static let columnDefault: ArchiveObject.Kind = "default"
    /// An operator family or class, or the operators and functions added to a family.
    package static let operatorClass: ArchiveObject.Kind = "operator-class"
    /// An encoding conversion.
    package static let conversion: ArchiveObject.Kind = "conversion"
    /// A large object (`lo_create`), pre-data; its contents are dumped as data.
    package static let largeObject: ArchiveObject.Kind = "large-object"
    /// `CREATE ACCESS METHOD`.
    package static let accessMethod: ArchiveObject.Kind = "access-method"
    /// `CREATE PROCEDURAL LANGUAGE` of a language that is not an extension.
    package static let language: ArchiveObject.Kind = "language"
    /// `CREATE TRANSFORM`.
    package static let transform: ArchiveObject.Kind = "transform"
    /// `CREATE SUBSCRIPTION` (created with `connect = false`, its password left out).
    package static let subscription: ArchiveObject.Kind = "subscription"
}
