#!/usr/bin/env bash
# Side-by-side comparison of PoolKit's PostgreSQL backup/restore (strategy `copy`) with pg_dump,
# pg_restore, a COPY floor and pgcopydb, on one generated data set, in one run. Prints wall time,
# peak RSS and archive size of every operation, and PoolKit's ratios to each peer (PoolKit time /
# peer time: below 1 means PoolKit is faster). Timings drift between runs and machines: compare
# the ratios, and rerun a row when the machine was busy.
#
#   bash scripts/compare-postgres.sh               # scale 1: ~0.5 GB of table data, --jobs 2
#   bash scripts/compare-postgres.sh --scale 0.2 --jobs 2
#   bash scripts/compare-postgres.sh --restore-rounds 3   # only the restores, in alternating rounds,
#                                                        # with client and server CPU of each
#   bash scripts/compare-postgres.sh --restore-rounds 5 --autovacuum on
#
# During the restore rounds the server's autovacuum is off (ALTER SYSTEM, reset at the end): its
# workers start at moments of their own, vacuum and analyze whatever tables a restore has loaded so
# far, and take a core from whichever tool happens to run — on a small machine that alone moves a
# round's wall time by a second. `--autovacuum on` keeps it, for the figure a user meets.
#
# Uses the server of $POOLKIT_TEST_POSTGRES_URL when set (as scripts/test-servers.sh prints it),
# otherwise starts the disposable test servers for this checkout and stops them at the end.
# POOLKIT=/path/to/poolkit skips the release build. REUSE=1 keeps an already generated data set.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SCALE=1
JOBS=2
ROUNDS=0
AUTOVACUUM=off
while [[ $# -gt 0 ]]; do
    case $1 in
        --scale) SCALE=$2; shift 2 ;;
        --jobs) JOBS=$2; shift 2 ;;
        --restore-rounds) ROUNDS=$2; shift 2 ;;
        --autovacuum) AUTOVACUUM=$2; shift 2 ;;
        *) echo "usage: $0 [--scale N] [--jobs N] [--restore-rounds N [--autovacuum off|on]]" >&2; exit 2 ;;
    esac
done

bash scripts/bootstrap.sh
for tool in pg_dump pg_restore psql pgcopydb bc; do
    command -v "$tool" >/dev/null || { echo "compare-postgres.sh: $tool is missing (scripts/bootstrap.sh installs it)" >&2; exit 1; }
done
[[ -x /usr/bin/time ]] || { echo "compare-postgres.sh: /usr/bin/time is missing" >&2; exit 1; }

W=$(mktemp -d -t poolkit-pg-compare.XXXXXX)
source scripts/use-test-servers.sh
AUTOVACUUM_CHANGED=0
cleanup() {
    if [[ $AUTOVACUUM_CHANGED == 1 ]]; then
        psql -X -q "$ADMIN" -c "ALTER SYSTEM RESET autovacuum" -c "SELECT pg_reload_conf()" >/dev/null || true
    fi
    rm -rf "$W"
    stop_started_test_servers
}
trap cleanup EXIT
use_test_servers
need_poolkit release

# The password goes to the tools through PGPASSWORD (libpq reads it, poolkit too), never on a
# command line that this script prints.
URL=${POOLKIT_TEST_POSTGRES_URL%%\?*}
if [[ $URL =~ ^([a-z]+://)([^:@/]+):([^@/]*)@(.*)$ ]]; then
    export PGPASSWORD="${BASH_REMATCH[3]}"
    URL="${BASH_REMATCH[1]}${BASH_REMATCH[2]}@${BASH_REMATCH[4]}"
fi
BASE=${URL%/*}
SRC_DB=pk_compare_src
TGT_DB=pk_compare_tgt
SRC="$BASE/$SRC_DB"
TGT="$BASE/$TGT_DB"
ADMIN="$URL"

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 "$ADMIN" "$@"; }
recreate() { psql_admin -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"; }

rows_wide=$(echo "$SCALE * 1500000 / 1" | bc)
rows_accounts=$(echo "$SCALE * 1000000 / 1" | bc)
if [[ ${REUSE:-0} != 1 ]] || ! psql -X -q "$SRC" -c "SELECT 1 FROM wide LIMIT 1" >/dev/null 2>&1; then
    echo "generating the data set (scale $SCALE: $rows_wide wide rows, $rows_accounts pgbench accounts, 200 small tables)" >&2
    recreate $SRC_DB
    psql -X -q -v ON_ERROR_STOP=1 "$SRC" <<SQL
CREATE TABLE wide (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2), created timestamptz,
                   attrs jsonb, note text);
INSERT INTO wide
SELECT g, 'customer ' || g, (g % 100000) / 100.0, '2020-01-01'::timestamptz + g * interval '1 second',
       jsonb_build_object('k', g % 97, 'tag', 'tag' || (g % 13), 'flag', g % 2 = 0), md5(g::text) || md5((g + 1)::text)
FROM generate_series(1, $rows_wide) g;
CREATE INDEX wide_created ON wide (created);
CREATE TABLE pgbench_branches (bid integer PRIMARY KEY, bbalance integer, filler char(88));
CREATE TABLE pgbench_tellers (tid integer PRIMARY KEY, bid integer REFERENCES pgbench_branches, tbalance integer, filler char(84));
CREATE TABLE pgbench_accounts (aid integer PRIMARY KEY, bid integer REFERENCES pgbench_branches, abalance integer, filler char(84));
CREATE TABLE pgbench_history (tid integer, bid integer, aid integer, delta integer, mtime timestamp, filler char(22));
INSERT INTO pgbench_branches SELECT g, 0, '' FROM generate_series(1, greatest(1, ($rows_accounts / 100000))) g;
INSERT INTO pgbench_tellers SELECT g, 1 + (g - 1) / 10, 0, '' FROM generate_series(1, greatest(1, ($rows_accounts / 100000)) * 10) g;
INSERT INTO pgbench_accounts SELECT g, 1 + (g - 1) / 100000, 0, '' FROM generate_series(1, $rows_accounts) g;
INSERT INTO pgbench_history SELECT 1 + g % 10, 1, 1 + g % $rows_accounts, g % 1000 - 500, '2024-01-01'::timestamp + g * interval '1 minute', ''
FROM generate_series(1, $rows_accounts / 10) g;
DO \$\$
BEGIN
    FOR i IN 1..200 LOOP
        EXECUTE format('CREATE TABLE small_%s (id integer PRIMARY KEY, v text, at timestamptz DEFAULT now())', i);
        EXECUTE format('INSERT INTO small_%s (id, v) SELECT g, md5(g::text) FROM generate_series(1, 200) g', i);
    END LOOP;
END
\$\$;
VACUUM ANALYZE;
SQL
fi
db_size=$(psql -X -At "$SRC" -c "SELECT pg_size_pretty(pg_database_size(current_database()))")
table_size=$(psql -X -At "$SRC" -c "SELECT pg_size_pretty(sum(pg_table_size(oid))) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace")
echo "source: $db_size ($table_size in tables), --jobs $JOBS" >&2

declare -A SECONDS_OF RSS_OF
# measure ID PREP COMMAND: runs PREP (untimed), then COMMAND once; records wall time and peak RSS.
measure() {
    local id=$1 prep=$2 cmd=$3 start end
    bash -c "$prep" >/dev/null
    start=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$W/rss" bash -c "set -eo pipefail; $cmd" >/dev/null
    end=$(date +%s.%N)
    SECONDS_OF[$id]=$(printf '%.2f' "$(echo "$end - $start" | bc)")
    RSS_OF[$id]=$(($(tail -1 "$W/rss") / 1024))
    printf '%-22s %8s s  %6s MiB  %s\n' "$id" "${SECONDS_OF[$id]}" "${RSS_OF[$id]}" "$cmd" >&2
}
size_mb() { du -sb "$1" | awk '{printf "%.1f", $1 / 1000000}'; }

FRESH="psql -X -q '$ADMIN' -c 'DROP DATABASE IF EXISTS $TGT_DB WITH (FORCE)' -c 'CREATE DATABASE $TGT_DB'"
# The floor: every table COPYed to /dev/null by psql, tables dealt largest first to $JOBS sessions.
psql -X -At "$SRC" -c "SELECT format('\\copy %I.%I to /dev/null', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY pg_relation_size(c.oid) DESC" |
    awk -v n="$JOBS" -v dir="$W" '{ print > (dir "/floor-stream-" (NR - 1) % n ".sql") }'
FLOOR="for f in $W/floor-stream-*.sql; do psql -X -q '$SRC' -f \$f & done; wait"

if [[ $ROUNDS -gt 0 ]]; then
    # The server's CPU so far, in seconds: the postmaster, its live children and the children it
    # has reaped (backends of finished connections), from /proc.
    data_dir=$(psql -X -At "$ADMIN" -c "SHOW data_directory")
    postmaster=$(head -1 "$data_dir/postmaster.pid")
    ticks=$(getconf CLK_TCK)
    server_cpu() {
        local total=0 pid fields
        read -r -a fields < <(sed 's/^.*) //' "/proc/$postmaster/stat")
        total=$((fields[11] + fields[12] + fields[13] + fields[14]))
        for pid in $(pgrep -P "$postmaster"); do
            read -r -a fields < <(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
            total=$((total + fields[11] + fields[12]))
        done
        echo "scale=2; $total / $ticks" | bc
    }
    if [[ $AUTOVACUUM == off ]]; then
        psql_admin -c "ALTER SYSTEM SET autovacuum = off" -c "SELECT pg_reload_conf()" >/dev/null
        AUTOVACUUM_CHANGED=1
    fi
    pg_dump -Fc -f "$W/dump.fc" "$SRC"
    "$POOLKIT" backup "$SRC" -o "$W/pk.poolkit" --jobs "$JOBS" --quiet
    declare -a NAMES=(pg_restore pk_file pk_pipe)
    declare -A CMD=(
        [pg_restore]="pg_restore -j $JOBS -d '$TGT' $W/dump.fc"
        [pk_file]="$POOLKIT restore $W/pk.poolkit '$TGT' --jobs $JOBS --quiet"
        [pk_pipe]="cat $W/pk.poolkit | $POOLKIT restore - '$TGT' --jobs $JOBS --quiet"
    )
    declare -A WALLS CLIENTS SERVERS
    for round in $(seq 1 "$ROUNDS"); do
        order=("${NAMES[@]}")
        if (( round % 2 == 0 )); then order=(pk_pipe pk_file pg_restore); fi
        for name in "${order[@]}"; do
            bash -c "$FRESH" >/dev/null
            sleep 2
            before=$(server_cpu)
            /usr/bin/time -f "%e %U %S" -o "$W/time" bash -c "set -eo pipefail; ${CMD[$name]}" >/dev/null
            sleep 1  # the backends of the closed connections are reaped: their CPU is in the postmaster's
            after=$(server_cpu)
            read -r wall user system < "$W/time"
            client=$(echo "$user + $system" | bc)
            server=$(echo "$after - $before" | bc)
            WALLS[$name]+="$wall "
            CLIENTS[$name]+="$client "
            SERVERS[$name]+="$server "
            printf 'round %d  %-10s wall %6s s  client CPU %6s s  server CPU %6s s\n' "$round" "$name" "$wall" "$client" "$server" >&2
        done
    done
    median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
    base=$(median "${WALLS[pg_restore]}")
    echo
    echo "PostgreSQL $(psql -X -At "$SRC" -c "SHOW server_version"), scale $SCALE ($db_size), --jobs $JOBS, $ROUNDS alternating rounds, medians, autovacuum $AUTOVACUUM"
    echo
    echo "| restore | wall s | client CPU s | server CPU s | speed vs pg_restore -j $JOBS |"
    echo "|---|---|---|---|---|"
    for name in "${NAMES[@]}"; do
        wall=$(median "${WALLS[$name]}")
        echo "| $name | $wall | $(median "${CLIENTS[$name]}") | $(median "${SERVERS[$name]}") | $(echo "scale=2; $base / $wall" | bc | sed 's/^\./0./')× |"
    done
    echo
    echo "walls: pg_restore ${WALLS[pg_restore]}; pk_file ${WALLS[pk_file]}; pk_pipe ${WALLS[pk_pipe]}"
    exit 0
fi

# Backups.
measure pg_dump_fc "rm -f $W/dump.fc" "pg_dump -Fc -f $W/dump.fc '$SRC'"
measure pg_dump_fd "rm -rf $W/dump.dir" "pg_dump -Fd -j $JOBS -f $W/dump.dir '$SRC'"
measure floor "" "$FLOOR"
measure pk_backup "rm -f $W/pk.poolkit" "$POOLKIT backup '$SRC' -o $W/pk.poolkit --jobs $JOBS --quiet"

# Restores from a file.
measure pg_restore "$FRESH" "pg_restore -j $JOBS -d '$TGT' $W/dump.fc"
measure pk_restore "$FRESH" "$POOLKIT restore $W/pk.poolkit '$TGT' --jobs $JOBS --quiet"
measure pk_restore_pipe "$FRESH" "cat $W/pk.poolkit | $POOLKIT restore - '$TGT' --jobs $JOBS --quiet"

# Server to server.
measure pg_dump_pipe "$FRESH" "pg_dump -Fc '$SRC' | pg_restore -d '$TGT'"
measure pgcopydb "$FRESH; rm -rf $W/pgcopydb" "pgcopydb clone --source '$SRC' --target '$TGT' --table-jobs $JOBS --index-jobs $JOBS --dir $W/pgcopydb 2>$W/pgcopydb.log"
measure pk_pipe "$FRESH" "$POOLKIT backup '$SRC' -o - --jobs $JOBS --quiet | $POOLKIT restore - '$TGT' --jobs $JOBS --quiet"

ratio() { echo "scale=2; ${SECONDS_OF[$1]} / ${SECONDS_OF[$2]}" | bc | sed 's/^\./0./'; }
cat <<REPORT

PostgreSQL $(psql -X -At "$SRC" -c "SHOW server_version"), scale $SCALE: database $db_size ($table_size of tables), --jobs $JOBS, $(nproc) cores

| operation | s | peak RSS MiB | archive MB | PoolKit / peer |
|---|---|---|---|---|
| pg_dump -Fc | ${SECONDS_OF[pg_dump_fc]} | ${RSS_OF[pg_dump_fc]} | $(size_mb "$W/dump.fc") | |
| pg_dump -Fd -j $JOBS | ${SECONDS_OF[pg_dump_fd]} | ${RSS_OF[pg_dump_fd]} | $(size_mb "$W/dump.dir") | |
| floor: psql \\copy of every table to /dev/null, $JOBS sessions (text; tables not split) | ${SECONDS_OF[floor]} | ${RSS_OF[floor]} | | |
| poolkit backup --jobs $JOBS | ${SECONDS_OF[pk_backup]} | ${RSS_OF[pk_backup]} | $(size_mb "$W/pk.poolkit") | $(ratio pk_backup pg_dump_fc) × pg_dump -Fc, $(ratio pk_backup pg_dump_fd) × -Fd -j$JOBS, $(ratio pk_backup floor) × floor |
| pg_restore -j $JOBS (file) | ${SECONDS_OF[pg_restore]} | ${RSS_OF[pg_restore]} | | |
| poolkit restore --jobs $JOBS (file) | ${SECONDS_OF[pk_restore]} | ${RSS_OF[pk_restore]} | | $(ratio pk_restore pg_restore) × pg_restore |
| poolkit restore --jobs $JOBS (pipe) | ${SECONDS_OF[pk_restore_pipe]} | ${RSS_OF[pk_restore_pipe]} | | $(ratio pk_restore_pipe pg_restore) × pg_restore |
| pg_dump -Fc \\| pg_restore | ${SECONDS_OF[pg_dump_pipe]} | ${RSS_OF[pg_dump_pipe]} | | |
| pgcopydb clone --table-jobs $JOBS --index-jobs $JOBS | ${SECONDS_OF[pgcopydb]} | ${RSS_OF[pgcopydb]} | | |
| poolkit backup -o - \\| poolkit restore - | ${SECONDS_OF[pk_pipe]} | ${RSS_OF[pk_pipe]} | | $(ratio pk_pipe pg_dump_pipe) × pg_dump\\|pg_restore, $(ratio pk_pipe pgcopydb) × pgcopydb |
REPORT
