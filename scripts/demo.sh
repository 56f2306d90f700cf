#!/usr/bin/env bash
# The main job on an embedded SQLite database, no server needed: installs what is missing, builds
# poolkit, creates a small SQLite database, opens it through a pool, backs it up with both
# strategies, verifies and inspects the archives, restores them and compares with the original.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
swift build -c release --product poolkit >&2
poolkit=".build/release/poolkit"

work="${POOLKIT_DEMO_DIR:-$(mktemp -d -t poolkit-demo.XXXXXX)}"
db="$work/demo.db"
rm -f "$db"
sqlite3 "$db" <<'SQL'
PRAGMA journal_mode = wal;
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), total REAL, placed_at TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
INSERT INTO customers (id, name, email) SELECT i, 'customer ' || i, 'c' || i || '@example.com' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO orders (customer_id, total, placed_at) SELECT 1 + i % 1000, i * 1.25, datetime('2026-01-01', '+' || i || ' minutes') FROM n;
SQL
echo "demo database: $db" >&2
"$poolkit" drivers
"$poolkit" ping "sqlite://$db"

for strategy in pages logical; do
    archive="$work/demo-$strategy.poolkit"
    restored="$work/restored-$strategy.db"
    rm -f "$archive" "$restored"
    echo "== backup with the $strategy strategy" >&2
    "$poolkit" backup "sqlite://$db" -o "$archive" --strategy "$strategy" --jobs 2
    "$poolkit" verify "$archive"
    "$poolkit" inspect "$archive"
    "$poolkit" restore "$archive" "sqlite://$restored" --jobs 2
    fingerprint() {
        sqlite3 "$1" "SELECT type, name, sql FROM sqlite_schema ORDER BY name;
                      SELECT count(*), sum(id), total(total) FROM orders; SELECT count(*), group_concat(email) FROM customers;
                      PRAGMA user_version; PRAGMA integrity_check;" | sha256sum
    }
    if [[ $(fingerprint "$db") == "$(fingerprint "$restored")" ]]; then
        echo "== $strategy: the restored database matches the original" >&2
    else
        echo "== $strategy: the restored database DIFFERS from the original" >&2
        exit 1
    fi
done
echo "demo files are in $work" >&2
