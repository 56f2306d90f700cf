#!/usr/bin/env bash
# PoolKit's pooled primary-key lookup against `pgbench -S -c 8 -j 2`, in alternating rounds, for
# both PostgreSQL statement paths (non-blocking on the task, and the connection's thread:
# URL option nonblocking=false). Each round runs pgbench, then each path, for SECONDS each, so a
# change in the machine's load hits all three alike. Prints queries/s, the ratio to the round's
# pgbench and the PoolKit process's CPU time per query.
#
#   bash scripts/bench-pg-paths.sh [TASKS [ROUNDS [SECONDS]]]     # default 16 tasks, 3 rounds, 3 s
set -euo pipefail
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
tasks=${1:-16}
rounds=${2:-3}
seconds=${3:-3}
bench_dir=$repo_root/Benchmarks
swift build -c release --package-path "$bench_dir" --scratch-path "$bench_dir/.build" --product PoolCompareServer >&2
bin=$(swift build -c release --package-path "$bench_dir" --scratch-path "$bench_dir/.build" --show-bin-path)/PoolCompareServer

started_servers=false
if [[ -z ${POOLKIT_TEST_POSTGRES_URL:-} ]]; then
    bash "$repo_root/scripts/test-servers.sh" status >/dev/null 2>&1 || started_servers=true
    eval "$(bash "$repo_root/scripts/test-servers.sh" start)"
fi
trap 'if $started_servers; then bash "$repo_root/scripts/test-servers.sh" stop >&2; fi' EXIT
pg_bin=${POOLKIT_TEST_PG_BIN:-/usr/lib/postgresql/15/bin}
case $POOLKIT_TEST_POSTGRES_URL in
*\?*) url="$POOLKIT_TEST_POSTGRES_URL&sslmode=disable" ;;
*) url="$POOLKIT_TEST_POSTGRES_URL?sslmode=disable" ;;
esac
"$pg_bin/pgbench" -i -s 1 -q "$url" >/dev/null 2>&1

lookup() {  # nonblocking=true|false → "q/s µs-CPU"
    POOLKIT_TEST_POSTGRES_URL="$url&nonblocking=$1" "$bin" --server-case poolkit lookup "$tasks" --seconds "$seconds" |
        tail -1 | awk -F'\t' '{ split($4, q, " "); split($6, c, " "); print q[1], c[2] }'
}
echo "round	pgbench tps	non-blocking q/s	ratio	CPU µs/query	thread q/s	ratio	CPU µs/query"
for round in $(seq 1 "$rounds"); do
    tps=$("$pg_bin/pgbench" -S -c 8 -j 2 -T "$seconds" -n "$url" 2>/dev/null | sed -n 's/^tps = \([0-9]*\).*/\1/p')
    read -r fast fast_cpu < <(lookup true)
    read -r thread thread_cpu < <(lookup false)
    printf '%s\t%s\t%s\t%.2f×\t%s\t%s\t%.2f×\t%s\n' "$round" "$tps" "$fast" "$(bc -l <<<"$fast / $tps")" "$fast_cpu" \
        "$thread" "$(bc -l <<<"$thread / $tps")" "$thread_cpu"
done
