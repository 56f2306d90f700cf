#!/usr/bin/env bash
# How long writers are blocked while N connections join one consistent snapshot, with
# FLUSH TABLES WITH READ LOCK against BACKUP STAGE BLOCK_COMMIT — the two ways the snapshot
# strategy can hold commits still. Writers (stored procedures on K sessions) insert rows in a loop
# and record each insert's latency on the server (SYSDATE(6) before and after); meanwhile a
# locker runs the backup's sequence (lock → N workers START TRANSACTION WITH CONSISTENT SNAPSHOT →
# SHOW MASTER STATUS → unlock) several times, once with the server otherwise idle and once while a
# long SELECT runs (FLUSH TABLES WITH READ LOCK waits for statements that have tables open, and
# the writers queue behind it). Prints, per method and scenario, the writers' largest insert
# latency and how many inserts took over 10 ms, against a run without any lock.
#
#   bash scripts/measure-mariadb-lock.sh                 # 4 writers, 4 workers, 3 locks per run
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
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
    for fd in "${OPEN_FDS[@]:-}"; do [[ -n $fd ]] && eval "exec $fd>&-" 2>/dev/null || true; done
    sql -e "DROP DATABASE IF EXISTS $DB" 2>/dev/null || true
    rm -rf "$W"
}
OPEN_FDS=()
trap cleanup EXIT

sql <<SQL
DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB; USE $DB;
CREATE TABLE w (id BIGINT AUTO_INCREMENT PRIMARY KEY, writer INT, pad CHAR(100)) ENGINE = InnoDB;
INSERT INTO w (writer, pad) SELECT 0, 'seed' FROM seq_1_to_1000;
CREATE TABLE r (writer INT, inserts INT, max_us BIGINT, over_10ms INT) ENGINE = InnoDB;
CREATE TABLE held (us BIGINT) ENGINE = InnoDB;
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

# A session driven through FIFOs: send SQL with `send I "…"`, wait for its end with `await I`.
open_session() {
    local i=$1
    mkfifo "$W/in$i" "$W/out$i"
    sql -N -B -n "$DB" <"$W/in$i" >"$W/out$i" 2>&1 &
    eval "exec {IN$i}>\"$W/in$i\" {OUT$i}<\"$W/out$i\""
    OPEN_FDS+=("$(eval echo "\$IN$i")" "$(eval echo "\$OUT$i")")
}
send() { local fd; fd=$(eval echo "\$IN$1"); printf '%s\n' "$2" >&"$fd"; }
await() {
    local fd line; fd=$(eval echo "\$OUT$1")
    send "$1" "SELECT 'poolkit-mark';"
    while read -r line <&"$fd"; do
        [[ $line == poolkit-mark ]] && return 0
        [[ $line == ERROR* ]] && { echo "measure-mariadb-lock.sh: session $1: $line" >&2; exit 1; }
    done
    echo "measure-mariadb-lock.sh: session $1 ended" >&2
    exit 1
}

for ((i = 0; i <= WORKERS; i++)); do open_session "$i"; done

# One lock → join → unlock sequence with METHOD; the locker is session 0, the workers 1…N.
lock_sequence() {
    local method=$1 i
    send 0 "SET @requested = SYSDATE(6);"
    case $method in
    ftwrl) send 0 "FLUSH TABLES WITH READ LOCK;" ;;
    stage) send 0 "BACKUP STAGE START; BACKUP STAGE BLOCK_COMMIT;" ;;
    esac
    send 0 "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY;"
    await 0
    for ((i = 1; i <= WORKERS; i++)); do send "$i" "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY;"; done
    for ((i = 1; i <= WORKERS; i++)); do await "$i"; done
    send 0 "SHOW MASTER STATUS;"
    case $method in
    ftwrl) send 0 "UNLOCK TABLES;" ;;
    stage) send 0 "BACKUP STAGE END;" ;;
    esac
    send 0 "SET @released = SYSDATE(6);"
    await 0
    for ((i = 0; i <= WORKERS; i++)); do send "$i" "ROLLBACK;"; done
    for ((i = 0; i <= WORKERS; i++)); do await "$i"; done
    send 0 "INSERT INTO held VALUES (TIMESTAMPDIFF(MICROSECOND, @requested, @released));"
    await 0
}

# run METHOD SCENARIO: writers for (LOCKS + 2) s, a lock sequence every second from the second one.
run() {
    local method=$1 scenario=$2 seconds=$((LOCKS + 2)) i pids=()
    sql "$DB" -e "TRUNCATE r; TRUNCATE held"
    for ((i = 1; i <= WRITERS; i++)); do
        sql "$DB" -e "CALL writer($seconds, $i)" &
        pids+=($!)
    done
    sleep 1
    for ((i = 0; i < LOCKS; i++)); do
        if [[ $scenario == long-select ]]; then
            # A 0.5 s read of w that is running when the lock is requested.
            sql "$DB" -N -e "SELECT SLEEP(0.5) FROM w LIMIT 1" >/dev/null &
            pids+=($!)
            sleep 0.1
        fi
        [[ $method != none ]] && lock_sequence "$method"
        sleep 0.9
    done
    wait "${pids[@]}"
    sql "$DB" -N -e "SELECT SUM(inserts), MAX(max_us) / 1000, SUM(over_10ms),
        (SELECT COALESCE(GROUP_CONCAT(ROUND(us / 1000, 1) ORDER BY us SEPARATOR ' / '), '–') FROM held) FROM r" |
        awk -F'\t' -v m="$method" -v s="$scenario" '{ printf "| %s | %s | %s | %s | %.1f | %s |\n", m, s, $4, $1, $2, $3 }'
}

echo "MariaDB $(sql -N -e 'SELECT VERSION()'): $WRITERS writers, $WORKERS workers joining, $LOCKS lock sequences per run"
echo
echo "| method | scenario | lock held ms (each sequence) | inserts | largest insert latency ms | inserts over 10 ms |"
echo "|---|---|---|---:|---:|---:|"
for scenario in idle long-select; do
    for method in none ftwrl stage; do run "$method" "$scenario"; done
done
