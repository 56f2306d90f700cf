#!/usr/bin/env bash
# Side-by-side timing of PoolKit's SQLite backup/restore against sqlite3's own tools, on one
# generated database, in one run. Prints medians, peak RSS and ratios (PoolKit time / tool time:
# below 1 means PoolKit is faster). Timings drift between runs and machines: compare the ratios.
#
#   bash scripts/bench-sqlite.sh              # ~1 GB database, 3 timed runs after a warm-up
#   SIZE_MB=200 RUNS=1 bash scripts/bench-sqlite.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SIZE_MB=${SIZE_MB:-1024}
RUNS=${RUNS:-3}
W=${BENCH_DIR:-$(mktemp -d -t poolkit-bench.XXXXXX)}
mkdir -p "$W/out"
trap 'rm -rf "$W/out"' EXIT

bash scripts/bootstrap.sh
swift build -c release --product poolkit >&2
POOLKIT="$PWD/.build/release/poolkit"
DB="$W/bench.db"

if [[ ! -f $DB ]]; then
    echo "generating a ~${SIZE_MB} MB SQLite database in $DB" >&2
    rows=$((SIZE_MB * 4200))
    sqlite3 "$DB" >/dev/null <<SQL
PRAGMA journal_mode = wal;
PRAGMA synchronous = off;
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, created REAL, notes BLOB);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), total REAL,
                     status TEXT, placed_at TEXT, comment TEXT);
CREATE TABLE "order items" (order_id INTEGER, line INTEGER, sku TEXT, qty INTEGER, price REAL, PRIMARY KEY (order_id, line)) WITHOUT ROWID;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $((rows / 20)))
INSERT INTO customers SELECT i, 'customer ' || i, 'c' || i || '@example.com', julianday('2020-01-01') + i / 1000.0, randomblob(32) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
INSERT INTO orders SELECT i, 1 + i % $((rows / 20)), round(i * 1.37 % 10000, 2), CASE i % 3 WHEN 0 THEN 'new' WHEN 1 THEN 'paid' ELSE 'shipped' END,
  datetime('2024-01-01', '+' || (i % 100000) || ' minutes'), hex(randomblob(40)) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $((rows / 2)))
INSERT INTO "order items" SELECT i, 1 + i % 3, 'SKU-' || (i % 5000), 1 + i % 7, (i % 900) / 10.0 FROM n;
COMMIT;
CREATE INDEX orders_customer ON orders(customer_id);
CREATE INDEX orders_status ON orders(status) WHERE status <> 'shipped';
PRAGMA wal_checkpoint(TRUNCATE);
SQL
fi
size=$(stat -c %s "$DB")
echo "database: $DB ($((size / 1000000)) MB), runs: $RUNS after one warm-up" >&2

# Prepare inputs for the restore rows.
sqlite3 "$DB" .dump > "$W/dump.sql"
"$POOLKIT" backup "sqlite://$DB" -o "$W/logical.poolkit" --strategy logical --jobs 2 --quiet --force
"$POOLKIT" backup "sqlite://$DB" -o "$W/pages.poolkit" --strategy pages --jobs 2 --quiet --force

declare -A MEDIAN RSS
# measure ID PREP COMMAND: one warm-up, then RUNS timed runs; records the median wall time and peak RSS.
measure() {
    local id=$1 prep=$2 cmd=$3 times=() peak=0
    for run in $(seq 0 "$RUNS"); do
        bash -c "$prep"
        local start end rss
        start=$(date +%s.%N)
        /usr/bin/time -f "%M" -o "$W/rss" bash -c "set -eo pipefail; $cmd" >/dev/null
        end=$(date +%s.%N)
        rss=$(tail -1 "$W/rss")
        ((rss > peak)) && peak=$rss
        ((run > 0)) && times+=("$(echo "$end - $start" | bc)")
    done
    MEDIAN[$id]=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    RSS[$id]=$((peak / 1024))
    printf '%-14s %8.2f s  %6s MiB  %s\n' "$id" "${MEDIAN[$id]}" "${RSS[$id]}" "$cmd" >&2
}

O="$W/out"
measure cp "rm -f $O/cp.db" "cp $DB $O/cp.db"
measure sq_backup "rm -f $O/b.db" "sqlite3 $DB '.backup $O/b.db'"
measure vacuum_into "rm -f $O/v.db" "sqlite3 $DB \"VACUUM INTO '$O/v.db'\""
measure dump_zstd "rm -f $O/d.zst" "sqlite3 $DB .dump | zstd -1 -q -f -o $O/d.zst"
for strategy in pages logical; do
    for jobs in 1 2; do
        measure "pk_${strategy}_j$jobs" "rm -f $O/p.poolkit" "$POOLKIT backup sqlite://$DB -o $O/p.poolkit --strategy $strategy --jobs $jobs --quiet"
    done
done
measure sq_restore "rm -f $O/r.db" "sqlite3 $O/r.db < $W/dump.sql"
measure pk_restore_logical "rm -f $O/r.db" "$POOLKIT restore $W/logical.poolkit sqlite://$O/r.db --jobs 2 --quiet"
measure pk_restore_pages "rm -f $O/r.db" "$POOLKIT restore $W/pages.poolkit sqlite://$O/r.db --jobs 2 --quiet"
measure pk_verify "" "$POOLKIT verify $W/logical.poolkit --quiet"

ratio() { echo "scale=2; ${MEDIAN[$1]} / ${MEDIAN[$2]}" | bc; }
cat <<REPORT

| operation | median s | peak RSS MiB | ratio |
|---|---|---|---|
| cp (floor) | ${MEDIAN[cp]} | ${RSS[cp]} | |
| sqlite3 .backup | ${MEDIAN[sq_backup]} | ${RSS[sq_backup]} | |
| VACUUM INTO | ${MEDIAN[vacuum_into]} | ${RSS[vacuum_into]} | |
| sqlite3 .dump \| zstd -1 | ${MEDIAN[dump_zstd]} | ${RSS[dump_zstd]} | |
| poolkit backup pages --jobs 1 | ${MEDIAN[pk_pages_j1]} | ${RSS[pk_pages_j1]} | $(ratio pk_pages_j1 sq_backup)× .backup |
| poolkit backup pages --jobs 2 | ${MEDIAN[pk_pages_j2]} | ${RSS[pk_pages_j2]} | $(ratio pk_pages_j2 sq_backup)× .backup |
| poolkit backup logical --jobs 1 | ${MEDIAN[pk_logical_j1]} | ${RSS[pk_logical_j1]} | $(ratio pk_logical_j1 dump_zstd)× .dump\|zstd |
| poolkit backup logical --jobs 2 | ${MEDIAN[pk_logical_j2]} | ${RSS[pk_logical_j2]} | $(ratio pk_logical_j2 dump_zstd)× .dump\|zstd |
| sqlite3 new.db < dump.sql | ${MEDIAN[sq_restore]} | ${RSS[sq_restore]} | |
| poolkit restore logical | ${MEDIAN[pk_restore_logical]} | ${RSS[pk_restore_logical]} | $(ratio pk_restore_logical sq_restore)× sqlite3 < dump |
| poolkit restore pages | ${MEDIAN[pk_restore_pages]} | ${RSS[pk_restore_pages]} | $(ratio pk_restore_pages sq_restore)× sqlite3 < dump |
| poolkit verify | ${MEDIAN[pk_verify]} | ${RSS[pk_verify]} | |

database $((size / 1000000)) MB; archives: logical $(($(stat -c %s "$W/logical.poolkit") / 1000000)) MB, pages $(($(stat -c %s "$W/pages.poolkit") / 1000000)) MB
REPORT
