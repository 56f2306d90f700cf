#!/usr/bin/env python3
"""Compares two PostgreSQL databases object by object and row by row, as
scripts/check-postgres-regression.sh needs it.

    compare-postgres-databases.py snapshot URL OUT.json   # one database's objects and data digests
    compare-postgres-databases.py diff SRC.json DST.json  # the objects and tables that differ, as JSON

`snapshot` splits `pg_dump --schema-only` into its objects (each `-- Name: …; Type: …; Schema: …`
header starts one; the key is type, schema and name, the value the object's text) and reads, per
table and materialized view, its row count and a digest of its rows (each row's columns in the order
of their names, so that a column order that differs does not hide or fake a difference), every
sequence's value and every large object's digest. The password comes from PGPASSWORD, never from a
command line.
"""
import json
import re
import subprocess
import sys

# Secrets an archive never carries, by design (docs/postgres-strategies.md): a user mapping's
# password options and a subscription connection string's passwords are left out of the comparison.
SECRET_OPTION = re.compile(r"^\s*(password|sslpassword) '(?:[^']|'')*',?$", re.MULTILINE)
SECRET_CONNINFO = re.compile(r"\b(password|sslpassword)=('(?:[^'\\]|\\.)*'|\S+)\s*")
HEADER = re.compile(r"^-- (?:Data for )?Name: (.*); Type: (.*); Schema: (.*); Owner: .*$")
RESTRICT = re.compile(r"^\\(un)?restrict ")


def psql(url, sql):
    """Runs sql in one session; returns (stdout lines, stderr)."""
    done = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-d", url],
                          input=sql, capture_output=True, text=True)
    return done.stdout.splitlines(), done.stderr


def schema_objects(url):
    dump = subprocess.run(["pg_dump", "--schema-only", "-d", url], capture_output=True, text=True)
    if dump.returncode != 0:
        sys.exit(f"pg_dump failed: {dump.stderr.strip()}")
    objects, key, body = {}, None, []

    def close():
        if key is not None:
            text = "\n".join(line for line in body if line and not line.startswith("--"))
            if key.startswith("USER MAPPING "):
                text = SECRET_OPTION.sub("", text).replace("\n\n", "\n").replace(",\n)", "\n)")
            elif key.startswith("SUBSCRIPTION "):
                text = SECRET_CONNINFO.sub("", text)
            # A key can repeat (an ACL and a comment of one object have headers of their own kinds,
            # but two overloads of one name do not): keep them all, in order.
            objects[key] = objects.get(key, "") + text + "\n"

    for line in dump.stdout.splitlines():
        if RESTRICT.match(line):
            continue
        m = HEADER.match(line)
        if m:
            close()
            key, body = f"{m.group(2)} {m.group(3)}.{m.group(1)}", []
        else:
            body.append(line)
    close()
    return objects


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def table_digests(url):
    lines, err = psql(url, """
        SELECT c.oid, n.nspname, c.relname,
               coalesce((SELECT string_agg(quote_ident(a.attname), ',' ORDER BY a.attname COLLATE "C")
                         FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
          AND (c.relkind <> 'm' OR c.relispopulated)
        ORDER BY 2, 3;""")
    tables = [line.split("\t") for line in lines if line]
    queries = []
    for _, schema, name, columns in tables:
        qualified = f"{quote(schema)}.{quote(name)}"
        queries.append(
            f"SELECT {sql_literal(schema + '.' + name)}, count(*), "
            f"coalesce(md5(string_agg(r, E'\\n' ORDER BY r COLLATE \"C\")), '') "
            f"FROM (SELECT ROW({columns})::text AS r FROM ONLY {qualified}) q;")
    digests = {}
    out, err = psql(url, "\n".join(queries))
    for line in out:
        parts = line.split("\t")
        if len(parts) == 3:
            digests["table " + parts[0]] = f"{parts[1]} rows {parts[2]}"
    for _, schema, name, _ in tables:
        digests.setdefault(f"table {schema}.{name}", "unreadable")
    seq_lines, _ = psql(url, """
        SELECT format('SELECT %L, last_value, is_called FROM %I.%I;', n.nspname || '.' || c.relname, n.nspname, c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1;""")
    out, _ = psql(url, "\n".join(seq_lines))
    for line in out:
        parts = line.split("\t")
        if len(parts) == 3:
            digests["sequence " + parts[0]] = f"{parts[1]} {parts[2]}"
    out, _ = psql(url, "SELECT oid, md5(lo_get(oid)) FROM pg_largeobject_metadata ORDER BY 1;")
    for line in out:
        parts = line.split("\t")
        if len(parts) == 2:
            digests["large object " + parts[0]] = parts[1]
    return digests


def sql_literal(text):
    return "'" + text.replace("'", "''") + "'"


def differences(source, target):
    found = []
    for part in ("objects", "data"):
        a, b = source[part], target[part]
        for key in sorted(set(a) | set(b)):
            if key not in b:
                found.append(f"{part}: missing {key}")
            elif key not in a:
                found.append(f"{part}: extra {key}")
            elif a[key] != b[key]:
                found.append(f"{part}: differs {key}")
    return found


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "snapshot":
        snap = {"objects": schema_objects(sys.argv[2]), "data": table_digests(sys.argv[2])}
        with open(sys.argv[3], "w") as f:
            json.dump(snap, f)
        print(f"{len(snap['objects'])} objects, {len(snap['data'])} tables, sequences and large objects")
    elif len(sys.argv) == 4 and sys.argv[1] == "diff":
        with open(sys.argv[2]) as f:
            source = json.load(f)
        with open(sys.argv[3]) as f:
            target = json.load(f)
        print("\n".join(differences(source, target)))
    else:
        sys.exit(__doc__)


main()
