#!/usr/bin/env python3
"""Compares the rows of two databases of any engines, table by table and column by column, after a
`poolkit restore` from one into the other: row counts, and for each column a SHA-256 over the sorted
normalized text form of its values (docs/migrating.md, "Checking a migration", says what that form
is). Exits 1 on any difference, naming the table and column and showing a few values only one side
has; 0 when every table and column matches.

    python3 scripts/compare-migration.py sqlite:///tmp/a.db 'postgres://user@127.0.0.1:5432/a' --report a.json
    python3 scripts/compare-migration.py 'mariadb://user@127.0.0.1:3306/shop' sqlite:///tmp/shop.db --same-shape

URLs: sqlite:///path, postgres://user[:password]@host:port/db, mariadb:// (or mysql://) likewise. A
password in a URL reaches psql and mariadb through PGPASSWORD and MYSQL_PWD, never a command line;
PGPASSWORD and MYSQL_PWD already set are used when the URL has none. Tables are matched by name
without regard to case; PostgreSQL tables are read from whichever schema holds them (pgloader puts a
MySQL database's tables in a schema of its name), and a name in two schemas is an error.

Each value is normalized by the kind of its *source* column (the portable type docs/migrating.md
maps it to), so that one value reads the same in every engine. PostgreSQL columns: a domain's is
read as the domain's base type (through domains over domains, with the domain's type modifier); an
enum's as its label (kind enum); money's as `col::numeric` (kind numeric); those of PostgreSQL's own
types (inet, cidr, macaddr, macaddr8, timetz, tsvector, ranges, multiranges, geometric types, xml,
interval, bit varying, arrays of anything) as their `::text` (kind text) — inet as psql prints it
(`::1`; its `::text` adds the prefix length, `::1/128`) — which compares with the target's text;
psql reads under TimeZone=UTC, DateStyle=ISO, YMD and extra_float_digits=1. A
partitioned table is read from its parent, with every partition's rows; the target must hold one
table of the parent's name, and a table there named as a partition is a difference.

With --report (the JSON of `poolkit restore --report`), a value the restore refused and loaded as
NULL (--on-bad-value null) is listed as refused instead of as a difference, when the report names
its table and column. With --same-shape (for a round trip into the source's own engine) each
column's kind must match too. With --expect-not-carried, each view, materialized view, function,
procedure, trigger and event of the source must be listed in a report's notCarried (by kind and
name, once per object; PostgreSQL names without schema and arguments): one that is not is a
difference. Uses Python's standard library and the psql and mariadb command-line clients.
"""
import argparse, collections, datetime, decimal, hashlib, json, os, re, sqlite3, struct, subprocess, sys, urllib.parse, uuid

NULL = None


# --- reading -----------------------------------------------------------------------------------

class Database:
    """One side: tables with their columns' declared types, and a column's values."""

    def __init__(self, url):
        parsed = urllib.parse.urlsplit(url)
        self.engine = {"sqlite": "sqlite", "postgres": "postgres", "postgresql": "postgres", "mariadb": "mariadb", "mysql": "mariadb"}.get(parsed.scheme)
        if self.engine is None:
            sys.exit(f"compare-migration.py: {url.split('://')[0]}: not a sqlite, postgres or mariadb URL")
        if self.engine == "sqlite":
            path = urllib.parse.unquote(parsed.path)
            if not os.path.exists(path):
                sys.exit(f"compare-migration.py: {path}: no such SQLite file")
            self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            self.db.text_factory = bytes
            return
        self.host, self.port = parsed.hostname or "127.0.0.1", str(parsed.port or (5432 if self.engine == "postgres" else 3306))
        self.user = urllib.parse.unquote(parsed.username or "")
        self.database = urllib.parse.unquote(parsed.path.lstrip("/"))
        self.env = dict(os.environ)
        if parsed.password is not None:
            self.env["PGPASSWORD" if self.engine == "postgres" else "MYSQL_PWD"] = urllib.parse.unquote(parsed.password)

    def _run(self, sql):
        """Rows of hex-encoded fields ('~' for NULL) from the client."""
        if self.engine == "postgres":
            command = ["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-h", self.host, "-p", self.port, "-U", self.user,
                       "-d", self.database, "-c", "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 1", "-c", sql]
        else:
            command = ["mariadb", "--no-defaults", "-N", "-B", "-h", self.host, "-P", self.port, "-u", self.user, self.database,
                       "-e", "SET time_zone = '+00:00'; SET NAMES utf8mb4; " + sql]
        out = subprocess.run(command, env=self.env, capture_output=True)
        if out.returncode != 0:
            sys.exit(f"compare-migration.py: {self.engine}: {out.stderr.decode(errors='replace').strip()}")
        return [line.split("\t") for line in out.stdout.decode().splitlines()]

    def tables(self):
        """{lower-case name: (name, [(column, declared type)])}"""
        result = {}
        if self.engine == "sqlite":
            names = [n.decode() for (n,) in self.db.execute("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                                                             "AND sql NOT LIKE 'CREATE VIRTUAL%'")]
            for name in names:
                columns = [(c.decode(), t.decode()) for _, c, t, *_ in self.db.execute(f"SELECT * FROM pragma_table_info({sql_text(name)})")]
                result[name.lower()] = (name, columns)
            return result
        if self.engine == "postgres":
            # A domain's column is read as the domain's base type (through domains over domains, with
            # the first type modifier met on the way down: a domain over numeric(5,2) is numeric(5,2));
            # an enum's as "enum NAME". Partitions are not tables of their own: the partitioned table's
            # rows are theirs.
            rows = self._run("WITH RECURSIVE walk (nspname, relname, attname, attnum, typid, typmod) AS ("
                             "SELECT n.nspname, c.relname, a.attname, a.attnum, a.atttypid, a.atttypmod FROM pg_class c "
                             "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid "
                             "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
                             "AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped "
                             "UNION ALL SELECT w.nspname, w.relname, w.attname, w.attnum, t.typbasetype, "
                             "CASE WHEN w.typmod <> -1 THEN w.typmod ELSE t.typtypmod END FROM walk w JOIN pg_type t ON t.oid = w.typid "
                             "WHERE t.typtype = 'd') "
                             "SELECT w.nspname, w.relname, w.attname, CASE WHEN t.typtype = 'e' THEN 'enum ' ELSE '' END || format_type(w.typid, w.typmod) "
                             "FROM walk w JOIN pg_type t ON t.oid = w.typid WHERE t.typtype <> 'd' ORDER BY w.nspname, w.relname, w.attnum")
            for schema, table, column, declared in rows:
                entry = result.setdefault(table.lower(), (table, [], schema))
                if entry[2] != schema:
                    sys.exit(f"compare-migration.py: table {table} is in schemas {entry[2]} and {schema}: compare one schema at a time")
                entry[1].append((column, declared))
            self.schemas = {name: schema for name, _, schema in result.values()}
            return {key: (name, columns) for key, (name, columns, _) in result.items()}
        else:
            rows = self._run("SELECT c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE FROM information_schema.COLUMNS c JOIN information_schema.TABLES t "
                             "USING (TABLE_SCHEMA, TABLE_NAME) WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE' "
                             "ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION")
        for table, column, declared in rows:
            result.setdefault(table.lower(), (table, []))[1].append((column, declared))
        return result

    def count(self, table):
        if self.engine == "sqlite":
            return self.db.execute(f"SELECT count(*) FROM {quote(table, 'sqlite')}").fetchone()[0]
        return int(self._run(f"SELECT count(*) FROM {self.relation(table)}")[0][0])

    def relation(self, table):
        return quote(table, self.engine, getattr(self, "schemas", {}).get(table))

    def values(self, table, columns):
        """Each column's raw values, read in one query: for SQLite as stored (int, float,
        ('text', bytes), ('blob', bytes)); for the servers text (str), or bytes for blob columns.
        `columns` is [(name, kind)]."""
        t = self.relation(table)
        if not columns:
            return []
        if self.engine == "sqlite":
            select = ", ".join(f"typeof({quote(c, 'sqlite')}), {quote(c, 'sqlite')}" for c, _ in columns)
            out = [[] for _ in columns]
            for row in self.db.execute(f"SELECT {select} FROM {t}"):
                for i in range(len(columns)):
                    storage, value = row[2 * i], row[2 * i + 1]
                    storage = storage.decode() if isinstance(storage, bytes) else storage
                    out[i].append((storage, value) if storage in ("text", "blob") else value)
            return out
        expressions = []
        for column, kind in columns:
            c = quote(column, self.engine)
            if self.engine == "postgres":
                declared = self.declared(table, column)
                if kind == "blob" and declared == "bytea":
                    expression = f"encode({c}, 'hex')"
                else:
                    # money's text follows lc_monetary ($1,234.50); as numeric it is the decimal. inet's
                    # ::text always writes the prefix length (::1/128), and xml's keeps a <?xml version…?>
                    # declaration; their output, as psql and pg_dump print them, does not.
                    output = f"CASE WHEN {c} IS NOT NULL THEN format('%s', {c}) END"
                    text = {"money": f"{c}::numeric::text", "inet": output, "xml": output}.get(declared, f"{c}::text")
                    expression = f"encode(convert_to({text}, 'UTF8'), 'hex')"
            elif kind == "blob":
                expression = f"HEX({c})"
            elif kind.startswith("bit"):
                expression = f"HEX(BIN({c}))"
            elif kind in ("real", "double"):
                # FLOAT's text has 6 digits; widened to DOUBLE it shows the binary32 value exactly
                expression = f"HEX(CAST(CAST({c} AS DOUBLE) AS CHAR))"
            else:
                expression = f"HEX(CAST({c} AS CHAR CHARACTER SET utf8mb4))"
            expressions.append(f"coalesce({expression}, '~')")
        out = [[] for _ in columns]
        for row in self._run(f"SELECT {', '.join(expressions)} FROM {t}"):
            for i, field in enumerate(row):
                if field == "~":
                    out[i].append(NULL)
                else:
                    raw = bytes.fromhex(field)
                    out[i].append(raw if columns[i][1] == "blob" else raw.decode("utf-8", errors="surrogateescape"))
        return out

    def declared(self, table, column):
        """A column's declared type as tables() gives it (a domain's base type)."""
        if not hasattr(self, "_tables"):
            self._tables = self.tables()
        return dict(self._tables[table.lower()][1])[column]

    def programs(self):
        """(kind, name) of the source's views, materialized views, functions and procedures (both
        "function"), triggers and events, as a Counter: what a restore into another engine lists as
        not carried. PostgreSQL: of every schema but the system's, without extensions' functions and
        the triggers a partition inherits."""
        if self.engine == "sqlite":
            rows = [(k.decode(), n.decode()) for k, n in self.db.execute("SELECT type, name FROM sqlite_schema WHERE type IN ('view', 'trigger')")]
        elif self.engine == "postgres":
            rows = self._run(
                "SELECT CASE c.relkind WHEN 'v' THEN 'view' ELSE 'materialized-view' END, c.relname FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') "
                "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
                "UNION ALL SELECT 'function', p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE p.prokind IN ('f', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                "AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') "
                "UNION ALL SELECT 'trigger', t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND t.tgparentid = 0 "
                "AND n.nspname NOT IN ('pg_catalog', 'information_schema')")
        else:
            rows = self._run("SELECT 'view', TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() "
                             "UNION ALL SELECT 'function', ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() "
                             "UNION ALL SELECT 'trigger', TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() "
                             "UNION ALL SELECT 'event', EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()")
        return collections.Counter((kind, name) for kind, name in rows)

    def partitions(self):
        """The names (lower-case) of the PostgreSQL partitions of the tables tables() lists."""
        if self.engine != "postgres":
            return {}
        rows = self._run("SELECT c.relname, p.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                         "JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = c.relnamespace "
                         "WHERE c.relispartition AND n.nspname NOT IN ('pg_catalog', 'information_schema')")
        return {child.lower(): parent for child, parent in rows}


def quote(name, engine, schema=None):
    if schema:
        return quote(schema, engine) + "." + quote(name, engine)
    if engine == "mariadb":
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


def sql_text(text):
    return "'" + text.replace("'", "''") + "'"


# --- kinds: the portable type of a declared type, as docs/migrating.md maps it ------------------

def kind_of(engine, declared):
    d = declared.lower().strip()
    if engine == "sqlite":
        u = d.upper()
        if u in ("BOOL", "BOOLEAN"):
            return "boolean"
        if u == "DATE":
            return "date"
        if u in ("DATETIME", "TIMESTAMP"):
            return "timestamp"
        if u == "TIMESTAMPTZ":
            return "timestamptz"
        if u == "TIME":
            return "time"
        if u == "JSON":
            return "json"
        if u == "UUID":
            return "uuid"
        if "INT" in u:
            return "integer"
        if any(k in u for k in ("CHAR", "CLOB", "TEXT")) or u == "":
            return "text"
        if "BLOB" in u:
            return "blob"
        if any(k in u for k in ("REAL", "FLOA", "DOUB")):
            return "double"
        return "numeric"
    if engine == "mariadb":
        base = re.sub(r"\(.*", "", d).replace(" unsigned", "").replace(" zerofill", "").strip()
        if d.startswith("tinyint(1)") and "unsigned" not in d or base == "bool" or base == "boolean":
            return "boolean"
        if base in ("tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year"):
            return "integer"
        if base in ("decimal", "numeric"):
            return "numeric"
        if base == "float":
            return "real"
        if base in ("double", "real"):
            return "double"
        if base == "char":
            return "char"
        if base in ("varchar", "tinytext", "text", "mediumtext", "longtext"):
            return "text"
        if base in ("binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "geometry", "point", "linestring", "polygon",
                    "multipoint", "multilinestring", "multipolygon", "geometrycollection"):
            return "blob"
        if base == "date":
            return "date"
        if base == "time":
            return "time"
        if base == "datetime":
            return "timestamp"
        if base == "timestamp":
            return "timestamptz"
        if base == "json":
            return "json"
        if base == "uuid":
            return "uuid"
        if base == "enum":
            return "enum"
        if base == "set":
            return "set"
        if base == "bit":
            return "bit" + re.search(r"\((\d+)\)", d).group(1) if "(" in d else "bit1"
        return "text"
    # PostgreSQL (format_type's spelling, a domain already resolved to its base type by tables())
    if d.endswith("]"):
        return "text"  # an array, whatever its elements: {1,2}
    if d.startswith("enum "):
        return "enum"
    if d == "money":
        return "numeric"  # read as col::numeric
    d = re.sub(r"\s*\([^)]*\)", "", d)  # timestamp(3) without time zone → timestamp without time zone
    if d == "boolean":
        return "boolean"
    if d in ("smallint", "integer", "bigint"):
        return "integer"
    if d.startswith("numeric"):
        return "numeric"
    if d == "real":
        return "real"
    if d == "double precision":
        return "double"
    if d == "text" or d.startswith("character varying"):
        return "text"
    if d == "bytea":
        return "blob"
    if d == "date":
        return "date"
    if d.startswith("time without") or d == "time":
        return "time"
    if d.startswith("timestamp without") or d == "timestamp":
        return "timestamp"
    if d.startswith("timestamp with") or d == "timestamptz":
        return "timestamptz"
    if d in ("json", "jsonb"):
        return "json"
    if d == "uuid":
        return "uuid"
    if d == "bit":
        return "bit" + re.search(r"\((\d+)\)", declared).group(1)
    if d == "character":
        return "char"
    return "text"


# --- normalizing: one value's text form by its source column's kind -----------------------------

class Invalid(Exception):
    """A value that is not one of its kind: the restore must have refused it."""


def as_text(value):
    if isinstance(value, tuple):
        storage, raw = value
        if storage == "text":
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                raise Invalid("text that is not UTF-8: " + raw.hex())
        return raw.hex()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def plain_decimal(d):
    if not d.is_finite():
        return str(d)
    d = d.normalize()
    if d == 0:
        return "0"
    return format(d, "f")


def number(value):
    if isinstance(value, (int, float)):
        return decimal.Decimal(repr(value)) if isinstance(value, float) else decimal.Decimal(value)
    try:
        return decimal.Decimal(as_text(value).strip())
    except decimal.InvalidOperation:
        raise Invalid(f"not a number: {as_text(value)!r}")


JULIAN_UNIX_EPOCH = 2440587.5


def from_julian(day):
    return datetime.datetime(1970, 1, 1) + datetime.timedelta(days=float(day) - JULIAN_UNIX_EPOCH)


ZERO_DATE = re.compile(r"^(0000-\d\d-\d\d|\d{4}-00-\d\d|\d{4}-\d\d-00)")
STAMP = re.compile(r"^(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d\d(?::?\d\d)?)?$")


def stamp(value, kind):
    """(date, time of day with fraction) of a date or timestamp value."""
    if isinstance(value, (int, float)):
        moment = from_julian(value)
        moment = moment.replace(microsecond=round(moment.microsecond / 1000) * 1000 % 1000000) if moment.microsecond % 1000 else moment
        return moment, "", None
    text = as_text(value).strip()
    if ZERO_DATE.match(text):
        return None, "", None
    match = STAMP.match(text)
    if not match:
        raise Invalid(f"not a {kind}: {text!r}")
    y, mo, d, h, mi, s, frac, zone = match.groups()
    try:
        moment = datetime.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    except ValueError:
        raise Invalid(f"not a {kind}: {text!r}")
    return moment, (frac or "").rstrip("0"), zone


def clock(moment, fraction):
    return moment.strftime("%H:%M:%S") + ("." + fraction if fraction else "")


def normalize(kind, value):
    """The text form of one value, or None for NULL; raises Invalid for a value that is not one."""
    if value is None:
        return None
    if kind == "boolean":
        if isinstance(value, (int, float)):
            if value in (0, 1):
                return "true" if value else "false"
            raise Invalid(f"not a boolean: {value!r}")
        text = as_text(value).strip().lower()
        if text in ("1", "t", "true", "y", "yes", "on"):
            return "true"
        if text in ("0", "f", "false", "n", "no", "off"):
            return "false"
        raise Invalid(f"not a boolean: {text!r}")
    if kind == "integer":
        n = number(value)
        if n != n.to_integral_value():
            raise Invalid(f"not an integer: {value!r}")
        return str(int(n))
    if kind == "numeric":
        return plain_decimal(number(value))
    if kind in ("double", "real"):
        f = float(number(value)) if not isinstance(value, float) else value
        if kind == "real":
            f = struct.unpack("f", struct.pack("f", f))[0]
            return "%.7g" % f
        return repr(f)
    if kind == "blob":
        if isinstance(value, bytes):
            return value.hex()
        if isinstance(value, tuple):
            return value[1].hex()
        return as_text(value).encode().hex() if not isinstance(value, (int, float)) else as_text(value).encode().hex()
    if kind == "date":
        moment, fraction, _ = stamp(value, kind)
        if moment is None:
            return None
        if moment.time() != datetime.time(0) or fraction:
            raise Invalid(f"a date with a time of day: {as_text(value)!r}")
        return moment.strftime("%Y-%m-%d")
    if kind in ("timestamp", "timestamptz"):
        moment, fraction, zone = stamp(value, kind)
        if moment is None:
            return None
        if zone and zone != "Z":
            sign = 1 if zone[0] == "+" else -1
            digits = zone[1:].replace(":", "")
            offset = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
            moment = moment - sign * offset
        return moment.strftime("%Y-%m-%d ") + clock(moment, fraction)
    if kind == "time":
        text = as_text(value).strip()
        match = re.match(r"^(\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?$", text)
        if not match or int(match.group(1)) > 23:
            raise Invalid(f"not a time: {text!r}")
        h, m, s, frac = match.groups()
        return f"{h}:{m}:{s or '00'}" + ("." + frac.rstrip("0") if frac and frac.rstrip("0") else "")
    if kind == "json":
        text = as_text(value)
        try:
            return json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
        except ValueError:
            raise Invalid(f"not JSON: {text!r}")
    if kind == "uuid":
        if isinstance(value, tuple) and value[0] == "blob":
            return str(uuid.UUID(bytes=value[1]))
        try:
            return str(uuid.UUID(as_text(value)))
        except ValueError:
            raise Invalid(f"not a UUID: {as_text(value)!r}")
    if kind == "set":
        text = as_text(value)
        if text.startswith("{") and text.endswith("}"):
            text = text[1:-1]
        return ",".join(sorted(label.strip('"') for label in text.split(",") if label != ""))
    if kind.startswith("bit"):
        return as_text(value).zfill(int(kind[3:]))
    if kind == "char":
        return normalize("text", value).rstrip(" ")
    text = as_text(value)
    if "\x00" in text:
        raise Invalid("text with a NUL character")
    return text


# --- comparing -----------------------------------------------------------------------------------

def normalized(kind, values):
    out = []
    for value in values:
        try:
            out.append(normalize(kind, value))
        except Invalid as invalid:
            out.append(("invalid", str(invalid)))
    return out


def digest(values):
    h = hashlib.sha256()
    for value in sorted(values, key=lambda v: (v is not None, isinstance(v, tuple), str(v))):
        h.update(b"\\N" if value is None else str(value).encode("utf-8", errors="surrogateescape"))
        h.update(b"\x1e")
    return h.hexdigest()[:16]


class Refusals:
    """What a restore report says it refused: per table the count, and the columns its examples name
    (a report keeps five examples a table; past that any column of the table may hold the rest)."""

    def __init__(self, reports):
        self.left = collections.Counter()
        self.named = collections.defaultdict(set)
        self.truncated = set()
        for report in reports:
            for table in report["tables"]:
                key = table["name"].lower()
                self.left[key] += table.get("refused", 0)
                examples = table.get("refusedExamples", [])
                if table.get("refused", 0) > len(examples):
                    self.truncated.add(key)
                for example in examples:
                    match = re.search(r"column (.+?) \(", example)
                    if match:
                        self.named[key].add(match.group(1).lower())

    def take(self, table, column, count):
        """Whether `count` values of the column, NULL in the target, are refusals the report counts."""
        if column not in self.named[table] and table not in self.truncated:
            return False
        if count > self.left[table]:
            return False
        self.left[table] -= count
        return True


def listed_not_carried(reports):
    """(kind, name) of what the reports list as not carried, once per listing: a procedure counts as
    a function, and a PostgreSQL source's names lose their schema and argument list."""
    listed = collections.Counter()
    for report in reports:
        for item in report.get("notCarried", []):
            name = item["name"]
            if report.get("sourceEngine") == "postgres":
                name = re.sub(r"\(.*", "", name).split(".", 1)[-1]
            listed[({"procedure": "function"}.get(item["kind"], item["kind"]), name)] += 1
    return listed


def show(value):
    text = "NULL" if value is None else (f"[{value[1]}]" if isinstance(value, tuple) else repr(value))
    return text if len(text) <= 60 else text[:57] + "..."


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--report", action="append", default=[], help="a restore's JSON report (repeat for each hop): values it refused are not differences")
    parser.add_argument("--same-shape", action="store_true", help="each column's kind must match too (a round trip)")
    parser.add_argument("--quiet", action="store_true", help="print only differences and the summary line")
    parser.add_argument("--expect-not-carried", action="store_true",
                        help="each view, materialized view, function, procedure and trigger of the source must be listed as not carried by a --report")
    args = parser.parse_args()
    source, target = Database(args.source), Database(args.target)
    refused = Refusals([json.load(open(path)) for path in args.report])
    source_tables, target_tables = source.tables(), target.tables()
    differences = 0
    columns_compared = rows_compared = refused_seen = 0
    say = (lambda *a: None) if args.quiet else print
    say(f"{'table':<28} {'rows':>9} {'column':<28} {'kind':<12} digest")
    for key in sorted(source_tables):
        name, columns = source_tables[key]
        if key not in target_tables:
            print(f"DIFFERENCE: table {name}: missing in the target")
            differences += 1
            continue
        target_name, target_columns = target_tables[key]
        target_by_name = {c.lower(): (c, t) for c, t in target_columns}
        pairs = []  # (column, declared, kind, target column, target declared)
        for column, declared in columns:
            kind = kind_of(source.engine, declared)
            if column.lower() not in target_by_name:
                print(f"DIFFERENCE: table {name}, column {column}: missing in the target")
                differences += 1
                continue
            target_column, target_declared = target_by_name[column.lower()]
            if args.same_shape and kind_of(target.engine, target_declared) != kind:
                print(f"DIFFERENCE: table {name}, column {column}: kind {kind} ({declared}) in the source, "
                      f"{kind_of(target.engine, target_declared)} ({target_declared}) in the target")
                differences += 1
            pairs.append((column, declared, kind, target_column, target_declared))
        source_values = source.values(name, [(p[0], p[2]) for p in pairs])
        target_values = target.values(target_name, [(p[3], p[2]) for p in pairs])
        rows = len(source_values[0]) if pairs else source.count(name)
        target_rows = len(target_values[0]) if pairs else target.count(target_name)
        rows_compared += rows
        if rows != target_rows:
            print(f"DIFFERENCE: table {name}: {rows} rows in the source, {target_rows} in the target")
            differences += 1
        for (column, declared, kind, target_column, target_declared), raw_a, raw_b in zip(pairs, source_values, target_values):
            a = normalized(kind, raw_a)
            b = normalized(kind, raw_b)
            columns_compared += 1
            da, db = digest(a), digest(b)
            if da == db:
                say(f"{name:<28} {rows:>9} {column:<28} {kind:<12} {da}")
                continue
            only_source = collections.Counter(a) - collections.Counter(b)
            only_target = collections.Counter(b) - collections.Counter(a)
            nulls = only_target.get(None, 0)
            if nulls and set(only_target) <= {None} and sum(only_source.values()) == nulls and refused.take(key, column.lower(), nulls):
                refused_seen += nulls
                say(f"{name:<28} {rows:>9} {column:<28} {kind:<12} {da} / {db}: {nulls} refused (NULL in the target, named in the report)")
                continue
            differences += 1
            print(f"DIFFERENCE: table {name}, column {column} ({declared} → {target_declared}, kind {kind}): digests {da} / {db}")
            print("  only in the source: " + ", ".join(show(v) for v in list(only_source.elements())[:5]))
            print("  only in the target: " + ", ".join(show(v) for v in list(only_target.elements())[:5]))
    partitions = source.partitions()
    for key in sorted(set(target_tables) - set(source_tables)):
        if key in partitions:
            print(f"DIFFERENCE: table {target_tables[key][0]}: a partition of {partitions[key]} in the source, a table of its own in the target "
                  f"(its rows belong in {partitions[key]})")
            differences += 1
        else:
            print(f"note: table {target_tables[key][0]} is in the target only")
    if args.expect_not_carried:
        for kind, name in (source.programs() - listed_not_carried(json.load(open(path)) for path in args.report)).elements():
            print(f"DIFFERENCE: {kind} {name}: in the source, but no report lists it as not carried")
            differences += 1
    print(f"compare-migration: {len(source_tables)} tables, {rows_compared} rows, {columns_compared} columns compared; "
          f"{refused_seen} values refused by the restore (per its report); {differences} differences")
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
