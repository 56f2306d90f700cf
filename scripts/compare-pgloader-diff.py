#!/usr/bin/env python3
"""Compares one source with the two PostgreSQL databases poolkit and pgloader loaded it into, for
scripts/compare-pgloader.sh: rows per table (source, poolkit, pgloader), and for every column whose
values differ between the two targets (compared by an MD5 over each column's sorted text form) the
type each tool chose and a few values of each; then what each tool reported. Prints Markdown.
Connection details come from the environment the calling script sets (PGPASSWORD, MYSQL_PWD,
PG_BASE, MY_HOST, MY_PORT, MY_USER)."""
import argparse, json, os, re, sqlite3, subprocess


def pg(database, sql):
    out = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\x1f", "-v", "ON_ERROR_STOP=1", f"{os.environ['PG_BASE']}/{database}", "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\x1f") for line in out.splitlines()]


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def source_counts(source):
    kind, where = source.split(":", 1)
    if kind == "sqlite":
        db = sqlite3.connect(where)
        names = [n for (n,) in db.execute("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {n.lower(): db.execute(f"SELECT count(*) FROM {quote(n)}").fetchone()[0] for n in names}
    command = ["mariadb", "--no-defaults", "-N", "-h", os.environ["MY_HOST"], "-P", os.environ["MY_PORT"], "-u", os.environ["MY_USER"], where]
    names = subprocess.run(command + ["-e", "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'"],
                           check=True, capture_output=True, text=True).stdout.split("\n")
    counts = {}
    for name in filter(None, names):
        out = subprocess.run(command + ["-e", f"SELECT COUNT(*) FROM `{name.replace('`', '``')}`"], check=True, capture_output=True, text=True)
        counts[name.lower()] = int(out.stdout.strip())
    return counts


def target_tables(database):
    rows = pg(database, "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
                        "AND table_schema NOT IN ('pg_catalog', 'information_schema')")
    return {name.lower(): (schema, name) for schema, name in rows}


def columns(database, schema, table):
    return pg(database, "SELECT column_name, CASE WHEN data_type IN ('USER-DEFINED', 'ARRAY') THEN udt_name ELSE data_type END "
                        f"FROM information_schema.columns WHERE table_schema = '{schema}' AND table_name = '{table.replace(chr(39), chr(39) * 2)}' "
                        "ORDER BY ordinal_position")


def digest(database, schema, table, column):
    relation = f"{quote(schema)}.{quote(table)}"
    c = quote(column)
    row = pg(database, f"SELECT md5(coalesce(string_agg({c}::text, E'\\x1e' ORDER BY {c}::text), '')), count({c}) FROM {relation}")[0]
    return row


def samples(database, schema, table, column):
    relation = f"{quote(schema)}.{quote(table)}"
    c = quote(column)
    values = pg(database, f"SELECT coalesce({c}::text, 'NULL') FROM {relation} ORDER BY {c}::text NULLS FIRST LIMIT 3")
    return ", ".join(v[0][:24].replace("|", "\\|").replace("\n", "\\n") for v in values)


def main():
    parser = argparse.ArgumentParser()
    for option in ["source", "poolkit", "pgloader", "report", "pgloader-log", "title"]:
        parser.add_argument("--" + option, required=True)
    args = parser.parse_args()
    counts = source_counts(args.source)
    ours, theirs = target_tables(args.poolkit), target_tables(args.pgloader)
    print(f"#### {args.title}\n")
    print("| table | source rows | poolkit rows | pgloader rows |")
    print("|---|---:|---:|---:|")
    differing = []
    for name in sorted(counts):
        row = [str(counts[name])]
        for database, tables in [(args.poolkit, ours), (args.pgloader, theirs)]:
            if name in tables:
                schema, table = tables[name]
                row.append(pg(database, f"SELECT count(*) FROM {quote(schema)}.{quote(table)}")[0][0])
            else:
                row.append("missing")
        print(f"| {name} | " + " | ".join(row) + " |")
        if name in ours and name in theirs:
            our_columns = dict((c.lower(), (c, t)) for c, t in columns(args.poolkit, *ours[name]))
            their_columns = dict((c.lower(), (c, t)) for c, t in columns(args.pgloader, *theirs[name]))
            for column in our_columns:
                if column not in their_columns:
                    differing.append((name, column, our_columns[column][1], "missing", "", ""))
                    continue
                a = digest(args.poolkit, ours[name][0], ours[name][1], our_columns[column][0])
                b = digest(args.pgloader, theirs[name][0], theirs[name][1], their_columns[column][0])
                if a != b:
                    differing.append((name, column, our_columns[column][1], their_columns[column][1],
                                      f"{a[1]} non-null: " + samples(args.poolkit, ours[name][0], ours[name][1], our_columns[column][0]),
                                      f"{b[1]} non-null: " + samples(args.pgloader, theirs[name][0], theirs[name][1], their_columns[column][0])))
    print()
    if differing:
        print("Columns whose loaded values differ (first values in text order):\n")
        print("| column | poolkit type | pgloader type | poolkit values | pgloader values |")
        print("|---|---|---|---|---|")
        for table, column, our_type, their_type, our_values, their_values in differing:
            print(f"| {table}.{column} | {our_type} | {their_type} | {our_values} | {their_values} |")
    else:
        print("Every column's values are the same in both targets.")
    print()
    report = json.load(open(args.report))
    refused = sum(t["refused"] for t in report["tables"])
    converted = {}
    for table in report["tables"]:
        for rule, count in table["converted"].items():
            converted[rule] = converted.get(rule, 0) + count
    rules = ", ".join(f"{rule} {count}" for rule, count in sorted(converted.items())) or "none"
    print(f"- poolkit: {refused} values refused (loaded as NULL by --on-bad-value null), converted by rule: {rules}; "
          f"{len(report['notCarried'])} objects not carried, each with its definition in the report; {len(report['warnings'])} warnings")
    log = open(args.pgloader_log, encoding="utf-8", errors="replace").read()
    errors = len(re.findall(r"\bERROR\b", log))
    warnings = len(re.findall(r"\bWARNING\b", log))
    total = [line.strip() for line in log.splitlines() if "Total import time" in line]
    print(f"- pgloader: {errors} ERROR and {warnings} WARNING lines in its log; summary: `{' '.join(total[-1].split()) if total else 'none (it failed)'}`")
    for line in [line for line in log.splitlines() if re.search(r"\b(ERROR|FATAL)\b", line)][:3]:
        text = re.sub(r"^\S+Z ", "", line.strip())
        print(f"  - `{(text[:200] + '…') if len(text) > 200 else text}`")
    print()


if __name__ == "__main__":
    main()
