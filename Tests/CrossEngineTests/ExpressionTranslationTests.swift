import PoolKitMariaDB
import PoolKitPostgres
import Testing

@testable import PoolKit
@testable import PoolKitSQLite

/// CHECK conditions and index expressions read in one engine's dialect and written in another's:
/// each construct, each refusal, quoting and NULL handling. No server needed.
@Suite("Expression translation")
struct ExpressionTranslationTests {
    static let sqlite = SQLiteDriver().portableWriter!.expressionDialect!
    static let postgres = PostgresDriver().portableWriter!.expressionDialect!
    static let mariadb = MariaDBDriver().portableWriter!.expressionDialect!

    static let columns = [
        PortableExpressionColumn(name: "price", type: .decimal(precision: 10, scale: 2)),
        PortableExpressionColumn(name: "qty", type: .integer(bits: 32)),
        PortableExpressionColumn(name: "code", type: .text(maxLength: nil)),
        PortableExpressionColumn(name: "flag", type: .boolean),
        PortableExpressionColumn(name: "d", type: .date),
        PortableExpressionColumn(name: "ts", type: .timestamp(withTimeZone: false)),
        PortableExpressionColumn(name: "a \"b", type: .text(maxLength: nil)),
        PortableExpressionColumn(name: "x`y", type: .integer(bits: 64)),
        PortableExpressionColumn(name: "j", type: .json),
        PortableExpressionColumn(name: "ci", type: .text(maxLength: 20), exactText: false),
        PortableExpressionColumn(name: "latin", type: .text(maxLength: 20), utf8: false),
    ]

    private func translate(
        _ text: String, from source: PortableExpressionDialect, to target: PortableExpressionDialect, strict: Bool = true
    ) throws -> String {
        let expression = try PortableExpressionReader(dialect: source, columns: Self.columns).condition(text, strict: strict)
        return try PortableExpressionWriter(dialect: target).sql(expression, strict: strict)
    }

    /// The reason a translation is refused, or nil when it is not.
    private func refusal(_ text: String, from source: PortableExpressionDialect, to target: PortableExpressionDialect, strict: Bool = true) -> String? {
        do {
            _ = try translate(text, from: source, to: target, strict: strict)
            return nil
        } catch {
            return (error as? PortableExpressionRefusal)?.reason ?? "\(error)"
        }
    }

    @Test(
        "SQLite conditions into PostgreSQL: comparisons, BETWEEN, IN, IS NULL, boolean and date literals, arithmetic, functions",
        arguments: [
            ("price >= 0", #"("price" >= 0)"#),
            ("qty BETWEEN 1 AND 100", #"("qty" BETWEEN 1 AND 100)"#),
            ("qty NOT IN (1, 2, NULL)", #"("qty" NOT IN (1, 2, NULL))"#),
            ("code IS NOT NULL AND length(code) = 3", #"(("code" IS NOT NULL) AND (char_length("code") = 3))"#),
            ("NOT (qty > 5 OR qty < -2)", #"(NOT (("qty" > 5) OR ("qty" < (- 2))))"#),
            ("flag IN (0, 1)", #"("flag" IN (false, true))"#),
            ("flag", #""flag""#),
            ("d >= '2020-01-01'", #"("d" >= '2020-01-01'::date)"#),
            ("ts < '2020-01-01T10:00'", #"("ts" < '2020-01-01 10:00:00'::timestamp without time zone)"#),
            (#""a ""b" <> 'it''s'"#, #"("a ""b" <> 'it''s')"#),
            ("qty * 2 + 1 <> coalesce(qty, 0) AND qty % 2 == 0", #"(((("qty" * 2) + 1) <> COALESCE("qty", 0)) AND (("qty" % 2) = 0))"#),
            ("code < 'm'", #"(("code" COLLATE "C") < 'm')"#),
            ("abs(qty) < 10 AND ifnull(price, 1) > 0.5e1", #"((abs("qty") < 10) AND (COALESCE("price", 1) > 5))"#),
            ("code || 'x' = 'yx'", #"(("code" || 'x') = 'yx')"#),
            ("qty IS 3 OR qty IS NOT NULL", #"(("qty" IS NOT DISTINCT FROM 3) OR ("qty" IS NOT NULL))"#),
            ("[Price] > 0 AND `QTY` > CAST(1 AS INTEGER)", #"(("price" > 0) AND ("qty" > 1))"#),
            ("j IS NULL OR price = NULL", #"(("j" IS NULL) OR ("price" = NULL))"#),
        ])
    func sqliteToPostgres(_ source: String, _ expected: String) throws {
        #expect(try translate(source, from: Self.sqlite, to: Self.postgres) == expected)
    }

    @Test(
        "PostgreSQL's pg_get_constraintdef forms into MariaDB: ANY (ARRAY[…]), ~~, casts of literals, text compared by code point",
        arguments: [
            ("((price >= (0)::numeric))", "(`price` >= 0)"),
            (#"((code = ANY (ARRAY['a'::text, 'it''s'::text, 'b\c'::text])))"#, #"((`code` COLLATE utf8mb4_nopad_bin) IN ('a', 'it\'s', 'b\\c'))"#),
            (#"((code <> ALL (ARRAY['a'::text])))"#, "((`code` COLLATE utf8mb4_nopad_bin) NOT IN ('a'))"),
            (#"((code = ANY (ARRAY['a'::text, NULL::text])))"#, "((`code` COLLATE utf8mb4_nopad_bin) IN ('a', NULL))"),
            (#"((code ~~ 'x\%'::text))"#, #"((`code` COLLATE utf8mb4_nopad_bin) LIKE 'x\\%' ESCAPE '\\')"#),
            (#"((code !~~ 'y_'::text))"#, #"((`code` COLLATE utf8mb4_nopad_bin) NOT LIKE 'y_' ESCAPE '\\')"#),
            ("((qty < '-2'::integer))", "(`qty` < (- 2))"),
            ("((char_length((code)::text) = 3))", "(char_length(`code`) = 3)"),
            ("((length(code) < 5) AND (octet_length(code) < 9))", "((char_length(`code`) < 5) AND (octet_length(`code`) < 9))"),
            ("((ts < '2020-01-01 10:00:00'::timestamp without time zone))", "(`ts` < TIMESTAMP '2020-01-01 10:00:00')"),
            ("((d > '2020-01-01'::date) AND (flag = true))", "((`d` > DATE '2020-01-01') AND (`flag` = TRUE))"),
            ("((code IS DISTINCT FROM 'x'::text))", "(NOT ((`code` COLLATE utf8mb4_nopad_bin) <=> 'x'))"),
            ("(((code || 'x'::text) = 'y'::text))", "((concat(`code`, 'x') COLLATE utf8mb4_nopad_bin) = 'y')"),
            (#"(("x`y" > 0))"#, "(`x``y` > 0)"),
            ("((NULLIF(qty, 1) = 2))", "(nullif(`qty`, 1) = 2)"),
        ])
    func postgresToMariaDB(_ source: String, _ expected: String) throws {
        #expect(try translate(source, from: Self.postgres, to: Self.mariadb) == expected)
    }

    @Test(
        "MariaDB's SHOW CREATE TABLE forms into SQLite: backslash escapes, MOD, length as bytes, tinyint(1) booleans",
        arguments: [
            ("`qty` between 1 and 100 and `qty` MOD 2 = 0", #"(("qty" BETWEEN 1 AND 100) AND (("qty" % 2) = 0))"#),
            ("octet_length(`ci`) < 5", #"(length(CAST("ci" AS BLOB)) < 5)"#),
            ("char_length(`code`) = 3 and char_length(`latin`) < 5", #"((length("code") = 3) AND (length("latin") < 5))"#),
            (#"`code` in ('a','it\'s','b\\c','\%')"#, #"("code" IN ('a', 'it''s', 'b\c', '\%'))"#),
            ("`flag` = 1", #"("flag" = 1)"#),
            ("`x``y` <=> 0", #"("x`y" IS 0)"#),
            ("coalesce(`qty`) > 0", #"("qty" > 0)"#),
            (#"`code` like 'a\%b' escape '\\'"#, #"("code" LIKE 'a\%b' ESCAPE '\')"#),
        ])
    func mariadbToSQLite(_ source: String, _ expected: String) throws {
        // SQLite's LIKE ignores ASCII case: carried only where a difference changes no result.
        let strict = !source.contains("like")
        #expect(try translate(source, from: Self.mariadb, to: Self.sqlite, strict: strict) == expected)
    }

    @Test("refusals say why, and nothing is translated into another meaning")
    func refusals() {
        let cases: [(String, PortableExpressionDialect, PortableExpressionDialect, String)] = [
            ("code LIKE 'a%'", Self.sqlite, Self.postgres, "ignores the case"),
            ("((code ~~ 'a%'::text))", Self.postgres, Self.sqlite, "ignores the case"),
            ("lower(code) = code", Self.sqlite, Self.postgres, "maps case"),
            ("qty / 2 > 1", Self.sqlite, Self.postgres, "division"),
            ("my_func(qty) > 0", Self.sqlite, Self.postgres, "my_func()"),
            ("((code > 'm'::text))", Self.postgres, Self.mariadb, "collation"),
            ("(((price)::numeric(5,1) > (0)::numeric))", Self.postgres, Self.sqlite, "cast"),
            ("code COLLATE NOCASE = 'x'", Self.sqlite, Self.postgres, "COLLATE"),
            (#""nocol" = 'x'"#, Self.sqlite, Self.postgres, "no column"),
            ("code > 0", Self.sqlite, Self.postgres, "a text value compared with an integer"),
            ("CASE WHEN qty > 0 THEN 1 END = 1", Self.sqlite, Self.postgres, "CASE"),
            ("qty IN (SELECT 1)", Self.sqlite, Self.postgres, "subquery"),
            ("json_valid(`j`)", Self.mariadb, Self.postgres, "json_valid()"),
            ("`flag` = 2", Self.mariadb, Self.postgres, "boolean compared with 2"),
            ("`ci` in ('a','b')", Self.mariadb, Self.postgres, "ignores case or trailing spaces"),
            ("`ci` like 'a%'", Self.mariadb, Self.postgres, "ignores case or trailing spaces"),
            ("qty + 1", Self.sqlite, Self.postgres, "not a condition"),
            ("qty > 0 -- positive", Self.sqlite, Self.postgres, "comment"),
            ("d > '2020-02-30'", Self.sqlite, Self.postgres, "not a date"),
            ("t.qty > 0", Self.sqlite, Self.postgres, "qualified"),
            ("qty > 0 AND code", Self.sqlite, Self.postgres, "used as true or false"),
            ("price % 2 = 0", Self.sqlite, Self.postgres, "remainder"),
            ("'a' || 1 = 'a1'", Self.sqlite, Self.postgres, "'||'"),
            ("qty > 'x", Self.sqlite, Self.postgres, "not closed"),
            ("d > CURRENT_DATE", Self.sqlite, Self.postgres, "when and by whom"),
            ("length(`latin`) < 5", Self.mariadb, Self.postgres, "other than UTF-8"),
        ]
        for (text, source, target, expected) in cases {
            let reason = refusal(text, from: source, to: target)
            #expect(reason?.contains(expected) == true, "\(text): \(reason ?? "translated")")
        }
    }

    @Test("where a difference cannot change a result (an index that is not unique), case mapping and LIKE follow the target")
    func relaxedForPlainIndexes() throws {
        let reader = PortableExpressionReader(dialect: Self.sqlite, columns: Self.columns)
        let key = try reader.indexKey("lower(code) DESC", strict: false)
        #expect(key.descending)
        #expect(try PortableExpressionWriter(dialect: Self.postgres).sql(key.expression, strict: false) == #"lower("code")"#)
        #expect(throws: PortableExpressionRefusal.self) { try reader.indexKey("lower(code)", strict: true) }
        #expect(throws: PortableExpressionRefusal.self) { try reader.indexKey("code COLLATE NOCASE", strict: false) }
        let index = PortableIndex(
            name: "i", columns: [("lower(code)", true), ("qty", false)], unique: false, expressions: [0: key.expression],
            predicate: try reader.condition("code LIKE 'a%' AND qty > 0", strict: false))
        let written = try PortableExpressionWriter(dialect: Self.postgres).index(index)
        #expect(written.keys == #"(lower("code")) DESC, "qty""#)
        #expect(written.predicate == #"(("code" LIKE 'a%' ESCAPE '\') AND ("qty" > 0))"#)
        #expect(throws: PortableExpressionRefusal.self) { try PortableExpressionWriter(dialect: Self.mariadb).index(index) }
        var partialOnly = index
        partialOnly.expressions = [:]
        partialOnly.columns = [("qty", false)]
        #expect(throws: PortableExpressionRefusal.self) { try PortableExpressionWriter(dialect: Self.mariadb).index(partialOnly) }
    }

    @Test("numbers in exponent notation are written out in digits (MariaDB would read them as doubles)")
    func exponents() {
        #expect(Typing.plainDigits("1.5e3") == "1500")
        #expect(Typing.plainDigits("2E-2") == "0.02")
        #expect(Typing.plainDigits(".5") == "0.5")
        #expect(Typing.plainDigits("12.50") == "12.50")
        #expect(Typing.plainDigits("0.5e1") == "5")
        #expect(Typing.plainDigits("1e+2") == "100")
        #expect(Typing.plainDigits("1e300") == nil)
    }

    @Test("a LIKE pattern keeps its meaning whatever the source's escape character")
    func likeEscapes() {
        #expect(Typing.backslashEscaped(#"a\b%"#, escape: nil) == #"a\\b%"#)
        #expect(Typing.backslashEscaped(#"a!%b!!"#, escape: "!") == #"a\%b!"#)
        #expect(Typing.backslashEscaped(#"a\%"#, escape: "\\") == #"a\%"#)
        #expect(Typing.backslashEscaped("100!", escape: "!") == "100!")
    }

    @Test("--fold-identifiers folds the names inside expressions too")
    func folding() throws {
        var options = CrossEngineOptions()
        options.foldIdentifiers = true
        let expression = try PortableExpressionReader(
            dialect: Self.sqlite, columns: [PortableExpressionColumn(name: "Qty", type: .integer(bits: 64))]
        ).condition(#""Qty" > 0"#)
        let table = PortableTable(
            id: 1, name: "T", columns: [PortableColumn(name: "Qty", type: .integer(bits: 64), sourceTypeName: "INTEGER")],
            indexes: [PortableIndex(name: "I", columns: [("Qty + 1", false)], unique: false, expressions: [0: .binary(.plus, .column("Qty"), .number("1"))], predicate: expression)],
            checks: [.condition(name: "C", expression, definition: #"CHECK ("Qty" > 0)"#)])
        let (folded, _) = try PortableSchemaAdjustment(options: options, schemas: [:]).apply(to: PortableSchema(tables: [table]))
        #expect(folded.tables[0].checks[0].rule == .condition(.binary(.greater, .column("qty"), .number("0"))))
        #expect(folded.tables[0].indexes[0].expressions[0] == .binary(.plus, .column("qty"), .number("1")))
        #expect(folded.tables[0].indexes[0].predicate == .binary(.greater, .column("qty"), .number("0")))
    }

    @Test("an expression over a column --cast gave another type is not carried, and says so")
    func castColumn() throws {
        let expression = try PortableExpressionReader(dialect: Self.sqlite, columns: Self.columns).condition("qty > 0")
        var column = PortableColumn(name: "qty", type: .integer(bits: 32), sourceTypeName: "INTEGER")
        column.type = .text(maxLength: nil)
        let table = PortableTable(id: 1, name: "t", columns: [column], checks: [.condition(name: "c", expression, definition: "CHECK (qty > 0)")])
        let (fitted, translated) = PortableExpressionFitting(dialect: Self.postgres, targetEngine: "postgres").apply(to: PortableSchema(tables: [table]))
        #expect(fitted.tables[0].checks.isEmpty && translated.isEmpty)
        #expect(fitted.notCarried.first?.reason.contains("--cast") == true)
        #expect(fitted.notCarried.first?.definition == "CHECK (qty > 0)")
    }
}

/// How the SQLite reader finds CHECKs and index parts in the statements the archive keeps.
@Suite("SQLite DDL expressions")
struct SQLiteDDLExpressionTests {
    @Test("CHECKs of columns and of the table, named or not; a CHECK inside a string or a name is none; NOCASE columns are noted")
    func checks() throws {
        let ddl = #"""
            CREATE TABLE t (a INT CONSTRAINT nn NOT NULL CHECK (a > 0), "check" TEXT DEFAULT 'CHECK (x)' COLLATE NOCASE,
                b TEXT CHECK (b <> ')') COLLATE BINARY, -- CHECK (no)
                CONSTRAINT "both" CHECK (a < 10 AND b IS NOT NULL), CHECK(a <> 5)) WITHOUT ROWID
            """#
        let (checks, collated) = try SQLiteDDLExpressions.checks(inCreateTable: ddl)
        #expect(checks.map(\.name) == [nil, nil, "both", nil])
        #expect(checks.map(\.column) == ["a", "b", nil, nil])
        #expect(checks.map(\.text) == ["a > 0", "b <> ')'", "a < 10 AND b IS NOT NULL", "a <> 5"])
        #expect(collated == ["check"])
    }

    @Test("a CREATE INDEX: unique or not, its table, each key as written, its WHERE")
    func index() throws {
        let index = try #require(try SQLiteDDLExpressions.index(#"CREATE UNIQUE INDEX IF NOT EXISTS "i x" ON "t" (a, lower(b) DESC) WHERE a > 0;"#))
        #expect(index.unique && index.table == "t")
        #expect(index.keys == ["a", "lower(b) DESC"])
        #expect(index.predicate == "a > 0")
        let plain = try #require(try SQLiteDDLExpressions.index("CREATE INDEX i ON [t t] ((a + 1))"))
        #expect(!plain.unique && plain.table == "t t" && plain.keys == ["(a + 1)"] && plain.predicate == nil)
    }
}
