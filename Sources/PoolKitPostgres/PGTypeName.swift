import CPoolKitLibPQ

/// The names of PostgreSQL's built-in types by OID, for messages about a result column
/// (`int8`, `numeric`, `_text` for `text[]`, …); any other type is named by its OID.
enum PGTypeName {
    static func of(_ oid: Oid) -> String {
        names[oid] ?? "oid \(oid)"
    }

    private static let names: [Oid: String] = [
        16: "bool", 17: "bytea", 18: "char", 19: "name", 20: "int8", 21: "int2", 23: "int4", 25: "text", 26: "oid",
        114: "json", 142: "xml", 700: "float4", 701: "float8", 790: "money", 829: "macaddr", 869: "inet", 650: "cidr",
        1000: "bool[]", 1001: "bytea[]", 1005: "int2[]", 1007: "int4[]", 1016: "int8[]", 1009: "text[]", 1015: "varchar[]",
        1021: "float4[]", 1022: "float8[]", 1231: "numeric[]", 2951: "uuid[]", 1182: "date[]", 1115: "timestamp[]",
        1185: "timestamptz[]", 3807: "jsonb[]", 199: "json[]",
        1042: "bpchar", 1043: "varchar", 1082: "date", 1083: "time", 1114: "timestamp", 1184: "timestamptz",
        1186: "interval", 1266: "timetz", 1560: "bit", 1562: "varbit", 1700: "numeric", 2950: "uuid", 3802: "jsonb",
        2249: "record", 2278: "void", 705: "unknown",
    ]
}
