#!/usr/bin/env bash
# Side by side, in one run: PoolKit's MariaDB backup/restore (`snapshot` strategy) against
# mariadb-dump | zstd -1, mydumper/myloader and the floor (SELECT * of every table to /dev/null on
# N streams), on one generated database. Prints wall times, peak RSS (largest process of each
# command), archive sizes and ratios (PoolKit time / tool time: below 1 means PoolKit is faster).
#
#   bash scripts/compare-mariadb.sh                 # scale 1 (~0.4 GB), N = 2, 1 run each
#   bash scripts/compare-mariadb.sh --scale 2 --jobs 4 --runs 3
#
# Uses this checkout's throwaway MariaDB test server (scripts/test-servers.sh; started if needed)
# unless POOLKIT_BENCH_MARIADB_URL names another server. The generated database `pk_bench` is kept
# between runs of the same scale (delete it with --regenerate); restores go into `pk_bench_r`.
# Passwords reach the client tools through MYSQL_PWD, never their command lines.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SCALE=1
JOBS=2
RUNS=1
REGENERATE=0
while (($#)); do
    case $1 in
    --scale) SCALE=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --regenerate) REGENERATE=1; shift ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare-mariadb.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

for tool in mariadb mariadb-dump mydumper myloader zstd bc /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "compare-mariadb.sh: $tool is missing: run scripts/bootstrap.sh" >&2; exit 1; }
done

URL=${POOLKIT_BENCH_MARIADB_URL:-}
if [[ -z $URL ]]; then
    eval "$(bash scripts/test-servers.sh start)"
    URL=$POOLKIT_TEST_MARIADB_URL
fi
# mariadb://user:password@host:port/database
rest=${URL#*://}
credentials=${rest%%@*}
hostport=${rest#*@}
hostport=${hostport%%/*}
DB_USER=${credentials%%:*}
export MYSQL_PWD=${credentials#*:}
DB_HOST=${hostport%:*}
DB_PORT=${hostport##*:}
BASE_URL="${URL%%://*}://${credentials}@${hostport}"
SRC=pk_bench
DST=pk_bench_r

W=$(mktemp -d -t poolkit-compare-mariadb.XXXXXX)
trap 'rm -rf "$W"' EXIT

swift build -c release --product poolkit >&2
POOLKIT="$PWD/.build/release/poolkit"

sql() { mariadb --no-defaults -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" "$@"; }
export -f sql
export DB_HOST DB_PORT DB_USER

# --- the data set ---------------------------------------------------------------------------
have=$(sql -N -e "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '$SRC'")
marker=$(sql -N -e "SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$SRC' AND TABLE_NAME = 'wide'" 2>/dev/null || true)
if [[ $REGENERATE == 1 || $have == 0 || $marker != "scale $SCALE" ]]; then
    echo "generating $SRC at scale $SCALE (wide table, pgbench-style tables, 200 small tables)" >&2
    wide_rows=$((SCALE * 1200000))
    accounts=$((SCALE * 1000000))
    {
        echo "DROP DATABASE IF EXISTS $SRC; CREATE DATABASE $SRC CHARACTER SET utf8mb4; USE $SRC;"
        echo "SET SESSION unique_checks = 0, foreign_key_checks = 0;"
        cat <<SQL
CREATE TABLE wide (id BIGINT PRIMARY KEY, customer INT NOT NULL, status ENUM('new','paid','shipped') NOT NULL,
  amount DECIMAL(12,2), ratio DOUBLE, placed DATETIME(6), note VARCHAR(100), code CHAR(12), flags BIT(8),
  payload VARBINARY(64), comment TEXT, KEY (customer)) COMMENT 'scale $SCALE';
INSERT INTO wide SELECT seq, seq % 50000, ELT(1 + seq % 3, 'new', 'paid', 'shipped'), (seq * 137 % 1000000) / 100,
  seq / 7, '2024-01-01' + INTERVAL seq SECOND, CONCAT('order note ', seq, ' with some text'), LPAD(seq, 12, '0'),
  seq % 256, UNHEX(SHA1(seq)), IF(seq % 10 = 0, NULL, REPEAT('c', seq % 60))
  FROM seq_1_to_$wide_rows;
CREATE TABLE pgbench_branches (bid INT PRIMARY KEY, bbalance INT, filler CHAR(88));
CREATE TABLE pgbench_tellers (tid INT PRIMARY KEY, bid INT, tbalance INT, filler CHAR(84));
CREATE TABLE pgbench_accounts (aid INT PRIMARY KEY, bid INT, abalance INT, filler CHAR(84));
CREATE TABLE pgbench_history (tid INT, bid INT, aid INT, delta INT, mtime DATETIME, filler CHAR(22));
INSERT INTO pgbench_branches SELECT seq, 0, '' FROM seq_1_to_$((SCALE * 10));
INSERT INTO pgbench_tellers SELECT seq, 1 + seq DIV 10, 0, '' FROM seq_1_to_$((SCALE * 100));
INSERT INTO pgbench_accounts SELECT seq, 1 + seq DIV 100000, 0, '' FROM seq_1_to_$accounts;
INSERT INTO pgbench_history SELECT seq % 100, seq % 10, seq, CAST(seq % 1000 AS SIGNED) - 500, '2024-01-01' + INTERVAL seq MINUTE, 'h'
  FROM seq_1_to_$((SCALE * 200000));
SQL
        for i in $(seq -w 1 200); do
            echo "CREATE TABLE small_$i (id INT PRIMARY KEY, name VARCHAR(40), value DOUBLE, at DATE);"
            echo "INSERT INTO small_$i SELECT seq, CONCAT('item ', seq), seq * 1.5, '2020-01-01' + INTERVAL seq DAY FROM seq_1_to_500;"
        done
        echo "ANALYZE TABLE wide, pgbench_accounts, pgbench_history;"
    } | sql >/dev/null
fi
size=$(sql -N -e "SELECT SUM(DATA_LENGTH + INDEX_LENGTH) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$SRC'")
tables=$(sql -N -e "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$SRC'")
echo "database $SRC: $tables tables, $((size / 1000000)) MB (data + indexes), N = $JOBS, $RUNS run(s) each" >&2

# The floor: SELECT * of every table, the tables dealt round-robin to N client streams.
sql -N -e "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$SRC' ORDER BY DATA_LENGTH DESC" >"$W/tables"
for ((j = 0; j < JOBS; j++)); do
    awk -v n="$JOBS" -v j="$j" 'NR % n == j { printf "SELECT * FROM `%s`;\n", $0 }' "$W/tables" >"$W/floor_$j.sql"
done
floor_cmd=""
for ((j = 0; j < JOBS; j++)); do floor_cmd+="sql --quick -N $SRC < $W/floor_$j.sql > /dev/null & "; done
floor_cmd+="wait"

reset_target="sql -e 'DROP DATABASE IF EXISTS $DST; CREATE DATABASE $DST CHARACTER SET utf8mb4'"

# The server's CPU seconds so far (user + system), when it runs on this machine and its pid file is
# readable (the test server's is); empty otherwise. On a machine shared with other work, CPU seconds
# say more than wall times about how much work each tool makes the client and the server do.
SERVER_PID=$(cat "$(sql -N -e 'SELECT @@pid_file')" 2>/dev/null || true)
server_cpu() {
    [[ -n $SERVER_PID && -r /proc/$SERVER_PID/stat ]] || return 0
    awk -v t="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$SERVER_PID/stat"
}

declare -A TIME RSS CCPU SCPU
# measure ID PREP COMMAND: RUNS timed runs (PREP untimed before each); median wall time, peak RSS,
# and the last run's client CPU (every process of the command) and server CPU.
measure() {
    local id=$1 prep=$2 cmd=$3 times=() peak=0
    for ((run = 0; run < RUNS; run++)); do
        bash -c "$prep"
        local start end rss s0 s1
        s0=$(server_cpu)
        start=$(date +%s.%N)
        /usr/bin/time -f "%M %U %S" -o "$W/rss" bash -c "set -eo pipefail; $cmd" >/dev/null
        end=$(date +%s.%N)
        s1=$(server_cpu)
        read -r rss user system < <(tail -1 "$W/rss")
        ((rss > peak)) && peak=$rss
        times+=("$(echo "$end - $start" | bc)")
        CCPU[$id]=$(echo "$user + $system" | bc)
        SCPU[$id]=$([[ -n $s0 ]] && echo "$s1 - $s0" | bc || echo "–")
    done
    TIME[$id]=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}')
    RSS[$id]=$((peak / 1024))
    printf '%-18s %8.2f s  %6s MiB  client CPU %6s s  server CPU %6s s\n' "$id" "${TIME[$id]}" "${RSS[$id]}" \
        "${CCPU[$id]}" "${SCPU[$id]}" >&2
}

O="$W/out"
mkdir -p "$O"
measure floor "" "$floor_cmd"
measure dump_zstd "rm -f $O/dump.sql.zst" \
    "mariadb-dump --no-defaults -h $DB_HOST -P $DB_PORT -u $DB_USER --single-transaction --quick $SRC | zstd -1 -q -f -o $O/dump.sql.zst"
measure mydumper "rm -rf $O/mydumper" \
    "mydumper -h $DB_HOST -P $DB_PORT -u $DB_USER -t $JOBS --compress -B $SRC -o $O/mydumper"
measure pk_backup "rm -f $O/pk.poolkit" "$POOLKIT backup $BASE_URL/$SRC -o $O/pk.poolkit --jobs $JOBS --quiet"

zstd -d -q -f "$O/dump.sql.zst" -o "$O/dump.sql"
measure mariadb_load "$reset_target" "sql $DST < $O/dump.sql"
measure myloader "sql -e 'DROP DATABASE IF EXISTS $DST'" \
    "myloader -h $DB_HOST -P $DB_PORT -u $DB_USER -t $JOBS -d $O/mydumper -B $DST"
measure pk_restore "$reset_target" "$POOLKIT restore $O/pk.poolkit $BASE_URL/$DST --jobs $JOBS --quiet"
# The same restore from an archive whose tables keep every key inside CREATE TABLE (keys_in_create=true),
# so the effect of adding secondary keys and foreign keys after the load shows in the same run.
[[ -f $O/pk_inline.poolkit ]] ||
    "$POOLKIT" backup "$BASE_URL/$SRC?keys_in_create=true" -o "$O/pk_inline.poolkit" --jobs "$JOBS" --quiet
measure pk_restore_inline "$reset_target" "$POOLKIT restore $O/pk_inline.poolkit $BASE_URL/$DST --jobs $JOBS --quiet"
measure pk_pipe "$reset_target" \
    "$POOLKIT backup $BASE_URL/$SRC -o - --jobs $JOBS --quiet | $POOLKIT restore - $BASE_URL/$DST --jobs $JOBS --quiet"

# The last restore (through the pipe) must hold the same data as the source.
checks=$(sql -N -e "CHECKSUM TABLE $SRC.wide, $DST.wide, $SRC.pgbench_accounts, $DST.pgbench_accounts EXTENDED" | awk '{print $2}' | paste -sd' ')
read -r a b c d <<<"$checks"
[[ $a == "$b" && $c == "$d" ]] || { echo "compare-mariadb.sh: restored data differs from the source ($checks)" >&2; exit 1; }

ratio() { printf '%.2f' "$(echo "scale=4; ${TIME[$1]} / ${TIME[$2]}" | bc)"; }
mb() { echo $(($(du -sb "$1" | cut -f1) / 1000000)); }
cat <<REPORT

MariaDB $(sql -N -e 'SELECT VERSION()'), database $SRC at scale $SCALE: $tables tables, $((size / 1000000)) MB; N = $JOBS; median of $RUNS run(s)

| operation | s | peak RSS MiB | client CPU s | server CPU s | PoolKit ratio |
|---|---|---|---|---|---|
| floor: SELECT * of every table → /dev/null, $JOBS streams | ${TIME[floor]} | ${RSS[floor]} | ${CCPU[floor]} | ${SCPU[floor]} | |
| mariadb-dump --single-transaction --quick \| zstd -1 | ${TIME[dump_zstd]} | ${RSS[dump_zstd]} | ${CCPU[dump_zstd]} | ${SCPU[dump_zstd]} | |
| mydumper -t $JOBS --compress | ${TIME[mydumper]} | ${RSS[mydumper]} | ${CCPU[mydumper]} | ${SCPU[mydumper]} | |
| **poolkit backup --jobs $JOBS** | ${TIME[pk_backup]} | ${RSS[pk_backup]} | ${CCPU[pk_backup]} | ${SCPU[pk_backup]} | $(ratio pk_backup dump_zstd)× mariadb-dump, $(ratio pk_backup mydumper)× mydumper, $(ratio pk_backup floor)× floor |
| mariadb < dump.sql | ${TIME[mariadb_load]} | ${RSS[mariadb_load]} | ${CCPU[mariadb_load]} | ${SCPU[mariadb_load]} | |
| myloader -t $JOBS | ${TIME[myloader]} | ${RSS[myloader]} | ${CCPU[myloader]} | ${SCPU[myloader]} | |
| **poolkit restore --jobs $JOBS** (file) | ${TIME[pk_restore]} | ${RSS[pk_restore]} | ${CCPU[pk_restore]} | ${SCPU[pk_restore]} | $(ratio pk_restore mariadb_load)× mariadb <, $(ratio pk_restore myloader)× myloader |
| poolkit restore --jobs $JOBS, keys inside CREATE TABLE (keys_in_create=true) | ${TIME[pk_restore_inline]} | ${RSS[pk_restore_inline]} | ${CCPU[pk_restore_inline]} | ${SCPU[pk_restore_inline]} | $(ratio pk_restore_inline mariadb_load)× mariadb < |
| **poolkit backup \| poolkit restore** (pipe) | ${TIME[pk_pipe]} | ${RSS[pk_pipe]} | ${CCPU[pk_pipe]} | ${SCPU[pk_pipe]} | |

sizes: dump.sql.zst $(mb "$O/dump.sql.zst") MB, mydumper directory $(mb "$O/mydumper") MB, poolkit archive $(mb "$O/pk.poolkit") MB
restored data checked: CHECKSUM TABLE wide and pgbench_accounts equal after the pipe restore
REPORT
