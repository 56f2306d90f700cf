#!/usr/bin/env bash
# PoolKit's pool against postgres-nio's, in one table with ratios (PoolKit / peer).
#
#   bash scripts/bench-pool.sh            # everything: no-op pools, HikariCP's scenarios, real server, allocations
#   bash scripts/bench-pool.sh --quick    # fewer and shorter runs
#
# Builds Benchmarks/ (its own package) in release into Benchmarks/.build, starts this checkout's
# test servers if they are not running (and stops them again at the end), loads pgbench's table
# (scale 1), runs `pgbench -S -c 8 -j 2` as the server's own reference, then PoolCompare (no-op
# pools, saturation, HikariCP's scenarios), PoolCompareServer (real-server queries) and the
# ordo-one/benchmark suite for allocations per cycle. Figures are medians of repeated runs; on a shared machine they move.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
bench_dir=$repo_root/Benchmarks
scratch=$bench_dir/.build
quick=()
pgbench_seconds=10
if [[ ${1:-} == --quick ]]; then
    quick=(--quick)
    pgbench_seconds=5
fi

log() { echo "bench-pool.sh: $*" >&2; }

log "building Benchmarks in release (first build takes several minutes)"
for product in PoolCompare PoolCompareServer; do
    swift build -c release --package-path "$bench_dir" --scratch-path "$scratch" --product "$product" >&2
done
bin=$(swift build -c release --package-path "$bench_dir" --scratch-path "$scratch" --show-bin-path)

started_servers=false
if [[ -z ${POOLKIT_TEST_POSTGRES_URL:-} ]]; then
    if ! bash "$repo_root/scripts/test-servers.sh" status >/dev/null 2>&1; then
        started_servers=true
    fi
    eval "$(bash "$repo_root/scripts/test-servers.sh" start)"
fi
pg_bin=${POOLKIT_TEST_PG_BIN:-/usr/lib/postgresql/15/bin}
# Every client on the same terms: plain TCP on loopback (the test server also offers TLS, which
# libpq would take by default while postgres-nio's client is set up without it).
case $POOLKIT_TEST_POSTGRES_URL in
*\?*) bench_url="$POOLKIT_TEST_POSTGRES_URL&sslmode=disable" ;;
*) bench_url="$POOLKIT_TEST_POSTGRES_URL?sslmode=disable" ;;
esac

rows=$(mktemp)
trap 'rm -f "$rows"; if $started_servers; then bash "$repo_root/scripts/test-servers.sh" stop >&2; fi' EXIT

log "loading pgbench's table (scale 1)"
"$pg_bin/pgbench" -i -s 1 -q "$bench_url" >/dev/null 2>&1
log "pgbench -S -c 8 -j 2 -T $pgbench_seconds"
pgbench_tps=$("$pg_bin/pgbench" -S -c 8 -j 2 -T "$pgbench_seconds" -n "$bench_url" 2>/dev/null |
    sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p')
[[ -n $pgbench_tps ]] || { log "pgbench printed no tps"; exit 1; }

log "PoolCompare: no-op pools, saturation, HikariCP's scenarios"
"$bin/PoolCompare" "${quick[@]}" | tee -a "$rows" >&2
log "PoolCompareServer: SELECT 1 and a primary-key lookup against PostgresClient"
POOLKIT_TEST_POSTGRES_URL=$bench_url "$bin/PoolCompareServer" "${quick[@]}" | tee -a "$rows" >&2

log "ordo-one/benchmark: allocations per cycle"
alloc_dir=$(mktemp -d)
swift package --package-path "$bench_dir" --scratch-path "$scratch" --allow-writing-to-directory "$alloc_dir" \
    benchmark --no-progress --format influx --path "$alloc_dir" >&2
python3 "$script_dir/bench-pool-table.py" "$rows" "$alloc_dir" "$pgbench_tps"
rm -rf "$alloc_dir"
