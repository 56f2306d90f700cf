/// The built-in column types whose values a `COPY` reads without looking anything up in the
/// catalogs beyond the column's own type: a table whose columns all have such types may load while
/// the pre-data section is still being created (``PostgresCopyRestoreSession/mayLoadDuringPreData(_:)``).
///
/// Left out, so their tables wait for the whole section: the `reg*` types (`'public.t'::regtype`
/// needs the type `t` to exist when the row is read), every user-defined type (a domain or a
/// composite may wrap a `reg*` type, a base type's input function may read anything), and any type
/// this list does not know. Types come as the manifest records them: `format_type` under an empty
/// `search_path`, so a user type is always schema-qualified and a built-in one never is.
enum PostgresSelfContainedTypes {
    static let names: Set<String> = [
        "smallint", "integer", "bigint", "numeric", "real", "double precision", "money",
        "boolean", "text", "character", "character varying", "\"char\"", "name", "bytea", "bit", "bit varying",
        "date", "time without time zone", "time with time zone", "timestamp without time zone",
        "timestamp with time zone", "interval",
        "uuid", "json", "jsonb", "jsonpath", "xml", "tsvector", "tsquery",
        "inet", "cidr", "macaddr", "macaddr8",
        "point", "line", "lseg", "box", "path", "polygon", "circle",
        "oid", "xid", "xid8", "cid", "tid", "pg_lsn", "txid_snapshot", "pg_snapshot", "aclitem",
        "int4range", "int8range", "numrange", "daterange", "tsrange", "tstzrange",
        "int4multirange", "int8multirange", "nummultirange", "datemultirange", "tsmultirange", "tstzmultirange",
    ]

    /// Whether values of `type` (e.g. `numeric(12,2)`, `timestamp(3) with time zone`, `text[]`,
    /// `interval year to month`) read without catalog lookups.
    static func contains(_ type: String) -> Bool {
        var base = type
        while base.hasSuffix("[]") { base.removeLast(2) }
        // Type modifiers: `numeric(12,2)`, `time(3) with time zone`.
        while let open = base.firstIndex(of: "("), let close = base[open...].firstIndex(of: ")") {
            base.removeSubrange(open...close)
        }
        base = base.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        if base.hasPrefix("interval ") { base = "interval" }  // `interval year to month` and other fields
        return names.contains(base)
    }
}
