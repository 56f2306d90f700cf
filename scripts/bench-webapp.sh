#!/usr/bin/env bash
# The example web app's GET /accounts/:id on PoolKit (Examples/AccountsService) against the same
# route on postgres-nio's PostgresClient (Benchmarks/Sources/AccountsServiceNIO), both release
# builds, both on one private PostgreSQL 15 with the same 10,000 accounts and the same pool size,
# driven by wrk with the same Lua script (a random id per request) in alternating rounds.
#
#   bash scripts/bench-webapp.sh                      # 3 rounds of 10 s at 16 and 64 connections
#   ROUNDS=5 DURATION=20 CONNECTIONS="16 64" POOL_MAX=8 bash scripts/bench-webapp.sh
#
# Prints one row per run (requests/s, p99 latency, the app's CPU time per request, wrk's errors
# and non-2xx answers), then per connection count the medians of both apps and their ratios.
# The machine has 2 cores shared by wrk, the app and PostgreSQL: figures measured while anything
# else runs are noisy, so the load average is printed with them.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

readonly ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} CONNECTIONS=${CONNECTIONS:-"16 64"} POOL_MAX=${POOL_MAX:-8}
readonly ACCOUNTS=10000
readonly PG_BIN=${POOLKIT_TEST_PG_BIN:-/usr/lib/postgresql/15/bin}
readonly TICKS=$(getconf CLK_TCK)
work=$(mktemp -d /tmp/poolkit-bench-webapp.XXXXXX)
say() { echo "bench-webapp.sh: $*" >&2; }

command -v wrk >/dev/null || { say "wrk is missing: apt-get install -y wrk (scripts/bootstrap.sh installs it)"; exit 1; }

pids=()
private_dir=""
cleanup() {
    set +e
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
    [[ -n $private_dir ]] && bash scripts/test-servers.sh stop-one "$private_dir" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

say "building both apps (release)"
# The example's release build in a folder of its own, so it never waits on the debug build's lock.
(cd Examples/AccountsService && swift build -c release --scratch-path .build-release --product AccountsService >&2)
(cd Benchmarks && swift build -c release --product AccountsServiceNIO >&2)
poolkit_app=$(cd Examples/AccountsService && swift build -c release --scratch-path .build-release --show-bin-path)/AccountsService
nio_app=$(cd Benchmarks && swift build -c release --show-bin-path)/AccountsServiceNIO

private=$(bash scripts/test-servers.sh start-one postgres --owner $$)
private_dir=$(sed -n 's/^DIR=//p' <<<"$private")
url=$(sed -n 's/^URL=//p' <<<"$private")
[[ $url =~ ^postgres://([^:@/]+):([^@/]*)@([^:/]+):([0-9]+)/([^?]+)$ ]] || { say "unexpected URL form"; exit 1; }
psql_private() {
    PGPASSWORD=${BASH_REMATCH[2]} "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "${BASH_REMATCH[3]}" -p "${BASH_REMATCH[4]}" \
        -U "${BASH_REMATCH[1]}" -d "${BASH_REMATCH[5]}" "$@"
}

# start NAME BINARY: starts an app on a free port with logs at warning; sets port_of_NAME and pid_of_NAME.
start() {
    local name=$1 binary=$2 log=$work/$1.log port="" tries=0
    DATABASE_URL="$url?pool_max=$POOL_MAX" PORT=0 LOG_LEVEL=notice "$binary" >"$log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    while [[ -z $port ]]; do
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; say "$name exited at start"; exit 1; }
        ((tries++ < 600)) || { say "$name did not listen within 60 s"; exit 1; }
        sleep 0.1
        port=$(grep -o 'port=[0-9]*' "$log" | head -n 1 | cut -d= -f2 || true)
    done
    printf -v "port_of_$name" '%s' "$port"
    printf -v "pid_of_$name" '%s' "$pid"
}

start poolkit "$poolkit_app"   # creates the table
psql_private -c "INSERT INTO accounts (owner, balance) SELECT 'owner ' || n, n FROM generate_series(1, $ACCOUNTS) n; ANALYZE accounts"
start nio "$nio_app"
for name in poolkit nio; do
    port_var=port_of_$name
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${!port_var}/accounts/$ACCOUNTS")
    [[ $code == 200 ]] || { say "$name answers $code to GET /accounts/$ACCOUNTS"; exit 1; }
done

cat >"$work/get-by-id.lua" <<LUA
-- A random existing account per request; the same script and seed for both apps.
math.randomseed(16)
request = function()
    return wrk.format("GET", "/accounts/" .. math.random(1, $ACCOUNTS))
end
done = function(summary, latency, requests)
    io.write(string.format("RESULT %d %d %d %d %d\n", summary.requests, summary.duration,
        latency:percentile(99), summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
        summary.errors.status))
end
LUA

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# run NAME CONNECTIONS: one wrk run against one app; appends a row to results.
run() {
    local name=$1 connections=$2 port_var=port_of_$1 pid_var=pid_of_$1
    # A short warm-up at the same concurrency, not measured.
    wrk -t 2 -c "$connections" -d 2s -s "$work/get-by-id.lua" "http://127.0.0.1:${!port_var}" >/dev/null
    local before after line
    before=$(cpu_ticks "${!pid_var}")
    line=$(wrk -t 2 -c "$connections" -d "${DURATION}s" -s "$work/get-by-id.lua" "http://127.0.0.1:${!port_var}" | grep '^RESULT')
    after=$(cpu_ticks "${!pid_var}")
    read -r _ requests duration p99 errors non2xx <<<"$line"
    awk -v n="$name" -v c="$connections" -v r="$requests" -v d="$duration" -v p="$p99" -v e="$errors" -v s="$non2xx" \
        -v t=$((after - before)) -v hz="$TICKS" \
        'BEGIN { printf "%s\t%d\t%.0f\t%.2f\t%.1f\t%d\t%d\n", n, c, r / (d / 1e6), p / 1000, t / hz * 1e6 / r, e, s }' \
        | tee -a "$work/results" >&2
}

say "load before: $(uptime)"
echo -e "app\tconns\treq/s\tp99_ms\tcpu_us/req\terrors\tnon2xx" >&2
for connections in $CONNECTIONS; do
    for round in $(seq 1 "$ROUNDS"); do
        # Alternate which app goes first, so neither always runs on a warmer (or busier) machine.
        if ((round % 2)); then order="poolkit nio"; else order="nio poolkit"; fi
        for name in $order; do run "$name" "$connections"; done
    done
done
say "load after: $(uptime)"

echo
echo "GET /accounts/:id, wrk -t 2, ${DURATION} s x $ROUNDS rounds, pool_max=$POOL_MAX, medians (load: $(cut -d' ' -f1-3 /proc/loadavg))"
python3 - "$work/results" <<'PY'
import statistics, sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n") if l]
print("conns  app       req/s    p99 ms  cpu µs/req  errors")
for conns in sorted({int(r[1]) for r in rows}):
    med = {}
    for app in ("poolkit", "nio"):
        sel = [r for r in rows if r[0] == app and int(r[1]) == conns]
        med[app] = [statistics.median(float(r[i]) for r in sel) for i in (2, 3, 4)] + [sum(int(r[5]) + int(r[6]) for r in sel)]
        name = "PoolKit" if app == "poolkit" else "PGClient"
        print(f"{conns:5d}  {name:8s} {med[app][0]:7.0f}  {med[app][1]:7.2f}  {med[app][2]:10.1f}  {med[app][3]:6d}")
    p, n = med["poolkit"], med["nio"]
    print(f"{conns:5d}  ratio    {p[0] / n[0]:6.2f}x  {p[1] / n[1]:6.2f}x  {p[2] / n[2]:9.2f}x   (PoolKit / PostgresClient)")
PY
