#!/usr/bin/env bash
# The main job on an embedded SQLite database, no server needed: installs what is missing, builds
# poolkit, creates a small SQLite database and opens it through a pool.
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
