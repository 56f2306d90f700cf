#!/usr/bin/env bash
# PostgreSQL's own regression database (what `make installcheck` leaves behind, ~1,800 objects of
# every kind) restored into SQLite and into MariaDB: the most hostile PostgreSQL source we can build,
# for the restore into another engine. Every restore must exit 0 with --on-bad-value null, every
# value it refuses named in its report; prints per target the tables, rows, refused values (by
# reason) and objects not carried.
#
#   bash scripts/check-postgres-regression.sh --jobs 2 --modes file --keep   # loads the database (kept)
#   bash scripts/regression-into-engines.sh                                  # then this
#
# The tables of the schema `public` are restored (`--table` for each; its partitions come with their
# partitioned table): the database has tables of one name in several schemas, which a target with one
# namespace cannot hold together. Into MariaDB, `extra_wide_table` (1,600 columns) is left out:
# InnoDB allows 1,017. Uses the servers of $POOLKIT_TEST_POSTGRES_URL and $POOLKIT_TEST_MARIADB_URL
# (scripts/test-servers.sh); POOLKIT=path picks the binary (default .build/debug/poolkit).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

POOLKIT=${POOLKIT:-$PWD/.build/debug/poolkit}
[[ -x $POOLKIT ]] || { echo "regression-into-engines.sh: $POOLKIT is missing: run swift build (or set POOLKIT)" >&2; exit 1; }
[[ -n ${POOLKIT_TEST_POSTGRES_URL:-} && -n ${POOLKIT_TEST_MARIADB_URL:-} ]] || {
    echo "regression-into-engines.sh: start the test servers first: eval \"\$(bash scripts/test-servers.sh start)\"" >&2; exit 1; }
PG=${POOLKIT_TEST_POSTGRES_URL%%\?*}
MY=${POOLKIT_TEST_MARIADB_URL%%\?*}
W=$(mktemp -d -t poolkit-regression-engines.XXXXXX)
trap 'rm -rf "$W"' EXIT

"$POOLKIT" backup "${PG%/*}/regression" -o "$W/regression.poolkit" --quiet || {
    echo "regression-into-engines.sh: no regression database: run scripts/check-postgres-regression.sh --keep first" >&2; exit 1; }
# The tables of schema public that are not partitions, as --table options.
"$POOLKIT" inspect "$W/regression.poolkit" --json | python3 -c '
import json, sys
manifest = json.load(sys.stdin)["manifest"]
partitions = {(o.get("schema"), o["name"]) for o in manifest["objects"] if o["kind"] == "table-attach"}
for o in manifest["objects"]:
    if o["kind"] == "table" and o.get("schema") == "public" and ("public", o["name"]) not in partitions:
        print("--table=public." + o["name"])
' > "$W/tables"

summary() {
    python3 - "$1" "$2" <<'EOF'
import collections, json, sys
report = json.load(open(sys.argv[2]))
tables = report["tables"]
reasons = collections.Counter()
for table in tables:
    for example in table["refusedExamples"]:
        reasons[example.split(": ")[-1].split(" as a REAL")[0][:60]] += 1
print(f"| {sys.argv[1]} | {len(tables)} | {sum(t['rowsWritten'] for t in tables)} | {sum(t['refused'] for t in tables)} "
      f"| {len(report['notCarried'])} | {'; '.join(f'{r} ({n})' for r, n in reasons.most_common(4))} |")
EOF
}

mapfile -t TABLES < "$W/tables"
echo "| target | tables | rows | values refused | not carried | most refused (examples) |"
echo "|---|---:|---:|---:|---:|---|"
"$POOLKIT" restore "$W/regression.poolkit" "sqlite://$W/regression.db" --on-bad-value null --report "$W/sqlite.json" --quiet \
    "${TABLES[@]}" 2> "$W/sqlite.log" || { cat "$W/sqlite.log" >&2; exit 1; }
summary sqlite "$W/sqlite.json"
MYDB=pk_regression_engines
url_part() { python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.unquote(str(getattr(p, sys.argv[2]) or "")))' "$MY" "$1"; }
# The password reaches the client through MYSQL_PWD, never its command line.
MYSQL_PWD=$(url_part password) mariadb --no-defaults -h "$(url_part hostname)" -P "$(url_part port)" -u "$(url_part username)" \
    -e "DROP DATABASE IF EXISTS $MYDB; CREATE DATABASE $MYDB"
mapfile -t NARROW < <(grep -v '^--table=public.extra_wide_table$' "$W/tables")
"$POOLKIT" restore "$W/regression.poolkit" "${MY%/*}/$MYDB" --on-bad-value null --report "$W/mariadb.json" --quiet \
    "${NARROW[@]}" 2> "$W/mariadb.log" || { cat "$W/mariadb.log" >&2; exit 1; }
summary mariadb "$W/mariadb.json"
MYSQL_PWD=$(url_part password) mariadb --no-defaults -h "$(url_part hostname)" -P "$(url_part port)" -u "$(url_part username)" \
    -e "DROP DATABASE IF EXISTS $MYDB"
