import Testing

@testable import PoolKitPostgres

/// Which tables may load while the pre-data section is still created: those whose column types
/// read without catalog lookups.
@Suite("PostgreSQL types read without catalog lookups")
struct PostgresSelfContainedTypesTests {
    @Test(
        "built-in types, with modifiers, fields and arrays, read alone",
        arguments: [
            "integer", "numeric(12,2)", "character varying(10)[]", "timestamp(3) with time zone", "interval year to month",
            "interval(2)", "text[][]", "\"char\"", "bit varying(5)", "jsonb", "tstzmultirange",
        ])
    func selfContained(type: String) {
        #expect(PostgresSelfContainedTypes.contains(type))
    }

    @Test(
        "reg* types, user-defined types (always schema-qualified) and unknown names wait for the whole section",
        arguments: ["regclass", "regtype[]", "regprocedure", "regnamespace", "public.mood", "\"Odd\".\"integer\"", "public.integer", "hstore"])
    func needsCatalog(type: String) {
        #expect(!PostgresSelfContainedTypes.contains(type))
    }
}
