#!/usr/bin/env bash
# How long writers are blocked while a backup's N connections join one consistent snapshot, with
# BACKUP STAGE BLOCK_COMMIT against FLUSH TABLES WITH READ LOCK (`lock=` URL option). Writers
# (stored procedures on K sessions) insert rows in a loop and record each insert's latency on the
# server (SYSDATE(6) before and after); meanwhile `poolkit backup --jobs N` of the same database
# runs several times with each lock, once with only those writers and once while a 0.5 s write
# statement is running when the backup starts (FLUSH TABLES WITH READ LOCK waits for running write
# statements while new writes queue behind it; BLOCK_COMMIT waits only for commits). Prints, per
# lock and scenario, poolkit's own "writers blocked" figure of each backup, the writers' largest
# insert latency and how many inserts took over 10 ms, against a run without backups.
#
#   bash scripts/measure-mariadb-lock.sh                 # 4 writers, --jobs 4, 3 backups per run
#   bash scripts/measure-mariadb-lock.sh --writers 8 --workers 2
#
# Uses this checkout's MariaDB test server (scripts/test-servers.sh) unless
# POOLKIT_BENCH_MARIADB_URL names another; works in the database pk_lockbench (dropped at the end).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

WRITERS=4
WORKERS=4
LOCKS=3
while (($#)); do
    case $1 in
    --writers) WRITERS=$2; shift 2 ;;
    --workers) WORKERS=$2; shift 2 ;;
    --locks) LOCKS=$2; shift 2 ;;
    -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "measure-mariadb-lock.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

URL=${POOLKIT_BENCH_MARIADB_URL:-}
if [[ -z $URL ]]; then
    eval "$(bash scripts/test-servers.sh start)"
    URL=$POOLKIT_TEST_MARIADB_URL
fi
rest=${URL#*://}
credentials=${rest%%@*}
hostport=${rest#*@}
hostport=${hostport%%/*}
DB_USER=${credentials%%:*}
export MYSQL_PWD=${credentials#*:}
DB_HOST=${hostport%:*}
DB_PORT=${hostport##*:}
DB=pk_lockbench

sql() { mariadb --no-defaults -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" "$@"; }

W=$(mktemp -d -t poolkit-lock.XXXXXX)
cleanup() {
    sql -e "DROP DATABASE IF EXISTS $DB" 2>/dev/null || true
    rm -rf "$W"
}
trap cleanup EXIT

sql <<SQL
DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB; USE $DB;
CREATE TABLE w (id BIGINT AUTO_INCREMENT PRIMARY KEY, writer INT, pad CHAR(100)) ENGINE = InnoDB;
INSERT INTO w (writer, pad) SELECT 0, 'seed' FROM seq_1_to_1000;
CREATE TABLE r (writer INT, inserts INT, max_us BIGINT, over_10ms INT) ENGINE = InnoDB;
DELIMITER //
CREATE PROCEDURE writer(seconds DOUBLE, id INT)
BEGIN
  DECLARE stop DATETIME(6) DEFAULT SYSDATE(6) + INTERVAL seconds * 1000000 MICROSECOND;
  DECLARE started DATETIME(6);
  DECLARE took BIGINT;
  DECLARE n, slow INT DEFAULT 0;
  DECLARE worst BIGINT DEFAULT 0;
  WHILE SYSDATE(6) < stop DO
    SET started = SYSDATE(6);
    INSERT INTO w (writer, pad) VALUES (id, 'row');
    SET took = TIMESTAMPDIFF(MICROSECOND, started, SYSDATE(6));
    SET n = n + 1, worst = GREATEST(worst, took), slow = slow + (took > 10000);
  END WHILE;
  INSERT INTO r VALUES (id, n, worst, slow);
END//
DELIMITER ;
SQL

POOLKIT=.build/release/poolkit
[[ -x $POOLKIT ]] || POOLKIT=.build/debug/poolkit
[[ -x $POOLKIT ]] || { echo "measure-mariadb-lock.sh: build poolkit first (swift build -c release --product poolkit)" >&2; exit 1; }
BASE_URL="${URL%%://*}://${credentials}@${hostport}"

# run METHOD SCENARIO: writers for (LOCKS * 2 + 2) s; from the second one, every other second a
# `poolkit backup --jobs WORKERS` of this database with that lock (none: no backup at all).
run() {
    local method=$1 scenario=$2 seconds=$((LOCKS * 2 + 2)) i pids=() held=()
    sql "$DB" -e "TRUNCATE r"
    for ((i = 1; i <= WRITERS; i++)); do
        sql "$DB" -e "CALL writer($seconds, $i)" &
        pids+=($!)
    done
    sleep 1
    for ((i = 0; i < LOCKS; i++)); do
        if [[ $scenario == long-write ]]; then
            # A write statement that runs for 0.5 s when the lock is requested.
            sql "$DB" -e "INSERT INTO w (writer, pad) SELECT 99, IF(SLEEP(0.5) = 0, 'slow', 'x') FROM seq_1_to_1" &
            pids+=($!)
            sleep 0.1
        fi
        if [[ $method != none ]]; then
            held+=("$("$POOLKIT" backup "$BASE_URL/$DB?lock=$method" -o "$W/lock.poolkit" --force --jobs "$WORKERS" 2>&1 |
                sed -n 's/.*writers blocked \([0-9.]*\) ms.*/\1/p')")
        fi
        sleep 1
    done
    wait "${pids[@]}"
    local shown
    shown=$(IFS=/; echo "${held[*]:-–}")
    sql "$DB" -N -e "SELECT SUM(inserts), MAX(max_us) / 1000, SUM(over_10ms) FROM r" |
        awk -F'\t' -v m="$method" -v s="$scenario" -v h="${shown//\// \/ }" \
            '{ printf "| %s | %s | %s | %s | %.1f | %s |\n", m, s, h, $1, $2, $3 }'
}

echo "MariaDB $(sql -N -e 'SELECT VERSION()'): $WRITERS writers, $WORKERS --jobs $WORKERS, $LOCKS backups per lock"
echo
echo "| lock | scenario | writers blocked ms (poolkit's figure, each backup) | inserts | largest insert latency ms | inserts over 10 ms |"
echo "|---|---|---|---:|---:|---:|"
for scenario in idle long-write; do
    for method in none ftwrl backup_stage; do run "$method" "$scenario"; done
done
