#!/usr/bin/env bash
# Tests the example application (Examples/AccountsService, Hummingbird 2 on PoolKit) from
# outside, as its clients meet it: over HTTP with curl, against real PostgreSQL servers.
#
#   eval "$(bash scripts/test-servers.sh start)"   # or let this script start them
#   bash scripts/test-example.sh
#
# 1. Answers: every endpoint's status code and body; 404 for an unknown id, 400 for bad input,
#    409 for a transfer without funds; paging walks every account once, in order.
# 2. Concurrency: 200 transfers at once among 4 accounts, each answered 200 or 409; afterwards
#    every balance is what the successful transfers say, and the total has not moved.
# 3. Graceful shutdown: SIGTERM while 20 transfers are in flight (held on a row lock): the server
#    stops accepting, and every one of them still gets its complete 200 answer; exit status 0.
# 4. The database restarted under load, on a private server (`test-servers.sh start-one`, so the
#    shared one is never disturbed): while it is down, requests get 503 at once (within the
#    acquire timeout, no hang); once it is back they succeed again, and none gets a broken
#    connection.
#
# It runs against the shared test PostgreSQL (POOLKIT_TEST_POSTGRES_URL) in a database of its
# own, which it drops at the end. The app is built in debug (Examples/AccountsService/.build);
# the first build of Hummingbird and SwiftNIO takes several minutes on 2 cores.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)

readonly PSQL=${POOLKIT_TEST_PG_BIN:-/usr/lib/postgresql/15/bin}/psql
readonly PG_CTL=${POOLKIT_TEST_PG_BIN:-/usr/lib/postgresql/15/bin}/pg_ctl
work=$(mktemp -d /tmp/poolkit-example.XXXXXX)
passed=0
failed=0

say() { echo "test-example.sh: $*" >&2; }
pass() { passed=$((passed + 1)); echo "  ok   $*" >&2; }
fail() { failed=$((failed + 1)); echo "  FAIL $*" >&2; }
check() { # check DESCRIPTION COMMAND…: passes when COMMAND succeeds
    local description=$1
    shift
    if "$@"; then pass "$description"; else fail "$description"; fi
}

# --- servers and cleanup ----------------------------------------------------------------------

started_servers=0
if [[ -z ${POOLKIT_TEST_POSTGRES_URL:-} ]]; then
    if exports=$(bash scripts/test-servers.sh env 2>/dev/null); then
        eval "$exports"
    else
        exports=$(bash scripts/test-servers.sh start)
        eval "$exports"
        started_servers=1
    fi
fi

app_pids=()
client_pids=()  # curl loops and in-flight requests running in the background
private_dir=""
lock_fd_open=0
lock_pid=""
cleanup() {
    local status=$?
    set +e
    for pid in "${client_pids[@]}"; do kill "$pid" 2>/dev/null; done
    [[ $lock_fd_open -eq 1 ]] && exec 7>&-
    [[ -n $lock_pid ]] && kill "$lock_pid" 2>/dev/null
    for pid in "${app_pids[@]}"; do
        kill "$pid" 2>/dev/null || continue
        # A graceful stop waits for requests in flight; one that takes over 60 s is killed.
        (sleep 60 & nap=$!; trap 'kill $nap; exit 0' TERM; wait $nap; kill -KILL "$pid" 2>/dev/null) &
        local watchdog=$!
        wait "$pid" 2>/dev/null
        kill "$watchdog" 2>/dev/null
    done
    if [[ -n $private_dir ]]; then
        # Stopped by pg_ctl first: after the restart its pid is not the one stop-one recorded.
        pg_as_owner "$PG_CTL" stop -D "$private_dir/postgres" -m immediate -w >/dev/null 2>&1
        bash scripts/test-servers.sh stop-one "$private_dir" >/dev/null 2>&1
    fi
    [[ -n ${admin_url:-} ]] && psql_admin -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1
    [[ $started_servers -eq 1 ]] && bash scripts/test-servers.sh stop
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT

# postgres://user:password@host:port/db → its parts (the test servers' URLs have this form).
[[ $POOLKIT_TEST_POSTGRES_URL =~ ^postgres(ql)?://([^:@/]+):([^@/]*)@([^:/]+):([0-9]+)/([^?]+)$ ]] ||
    { say "POOLKIT_TEST_POSTGRES_URL is not of the form postgres://user:password@host:port/db"; exit 1; }
pg_user=${BASH_REMATCH[2]}
pg_password=${BASH_REMATCH[3]}
pg_host=${BASH_REMATCH[4]}
pg_port=${BASH_REMATCH[5]}
admin_url=$POOLKIT_TEST_POSTGRES_URL
database=accounts_example_$$

# psql on the shared server; the password through the environment, not the command line.
psql_admin() {
    PGPASSWORD=$pg_password "$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$pg_host" -p "$pg_port" -U "$pg_user" -d "${PSQL_DB:-postgres}" "$@"
}

# Runs a command as the OS user that owns the private server's files (root cannot run pg_ctl).
pg_as_owner() {
    local owner
    owner=$(stat -c %U "$private_dir/postgres")
    if [[ $(id -u) -eq 0 && $owner != root ]]; then (cd / && runuser -u "$owner" -- "$@"); else "$@"; fi
}

# --- the app ----------------------------------------------------------------------------------

say "building Examples/AccountsService (debug)"
(cd Examples/AccountsService && swift build --product AccountsService >&2)
app_binary=$(cd Examples/AccountsService && swift build --show-bin-path)/AccountsService

# start_app NAME DATABASE_URL: starts the app on a free port; sets app_pid and base.
start_app() {
    local name=$1 url=$2 log=$work/$1.log
    DATABASE_URL=$url PORT=0 LOG_LEVEL=info "$app_binary" >"$log" 2>&1 &
    app_pid=$!
    app_pids+=("$app_pid")
    local port="" tries=0
    while [[ -z $port ]]; do
        kill -0 "$app_pid" 2>/dev/null || { cat "$log" >&2; say "the app ($name) exited at start"; exit 1; }
        ((tries++ < 600)) || { cat "$log" >&2; say "the app ($name) did not listen within 60 s"; exit 1; }
        sleep 0.1
        port=$(grep -o 'port=[0-9]*' "$log" | head -n 1 | cut -d= -f2 || true)
    done
    base=http://127.0.0.1:$port
    say "$name listening on $base"
}

# request METHOD PATH [JSON]: sets code and body.
request() {
    local out=$work/body
    code=$(curl -s -o "$out" -w '%{http_code}' --max-time 30 -X "$1" -H 'content-type: application/json' \
        ${3:+--data "$3"} "$base$2") || code="curl-exit-$?"
    body=$(cat "$out" 2>/dev/null || true)
}

# json EXPRESSION: evaluates a Python expression over the last body (as `b`) and prints it.
json() { python3 -c "import json,sys; b=json.loads(sys.argv[1]); print($1)" "$body"; }

expect() { # expect DESCRIPTION STATUS METHOD PATH [JSON]
    local description=$1 status=$2
    shift 2
    request "$@"
    if [[ $code == "$status" ]]; then pass "$description ($code)"; else fail "$description: expected $status, got $code: $body"; fi
}

psql_admin -c "CREATE DATABASE $database"
# A long acquire timeout: section 3 holds 12 requests waiting for a connection while it watches
# them, which takes longer than the default 30 s on a loaded machine.
start_app app "${admin_url%/*}/$database?acquire_timeout=10m"

# --- 1. answers -------------------------------------------------------------------------------

say "1. answers"
expect "health check" 200 GET /health
expect "create an account" 201 POST /accounts '{"owner": "ada", "balance": 100}'
ada=$(json 'b["id"]')
check "the created account is returned" [ "$(json 'b["owner"], b["balance"]')" == "ada 100" ]
expect "get it by id" 200 GET "/accounts/$ada"
check "… with its fields" [ "$(json 'b["id"], b["owner"], b["balance"]')" == "$ada ada 100" ]
expect "create with balance left out" 201 POST /accounts '{"owner": "  bob  "}'
bob=$(json 'b["id"]')
check "… opens at 0, owner trimmed" [ "$(json 'b["owner"], b["balance"]')" == "bob 0" ]
expect "unknown id" 404 GET /accounts/987654321
check "… says which id" grep -q 987654321 <<<"$body"
expect "id that is not a number" 400 GET /accounts/abc
expect "body that is not JSON" 400 POST /accounts '{"owner": '
expect "owner missing" 400 POST /accounts '{"balance": 5}'
expect "owner empty" 400 POST /accounts '{"owner": "   "}'
expect "negative balance" 400 POST /accounts '{"owner": "eve", "balance": -1}'
expect "a quote in the owner is stored as text" 201 POST /accounts "{\"owner\": \"o'hara; DROP TABLE accounts; --\"}"
check "… and read back as it was" [ "$(json 'b["owner"]')" == "o'hara; DROP TABLE accounts; --" ]
expect "limit 0" 400 GET '/accounts?limit=0'
expect "limit above 100" 400 GET '/accounts?limit=101'
expect "limit not a number" 400 GET '/accounts?limit=ten'
expect "after negative" 400 GET '/accounts?after=-1'

for i in $(seq 1 22); do request POST /accounts "{\"owner\": \"user $i\", \"balance\": $i}"; done
expected_ids=$(PSQL_DB=$database psql_admin -At -c "SELECT string_agg(id::text, ' ' ORDER BY id) FROM accounts")
walked=() after=0 pages=0
while :; do
    request GET "/accounts?after=$after&limit=10"
    [[ $code == 200 ]] || { fail "paging: page after $after answered $code"; break; }
    walked+=($(json '" ".join(str(a["id"]) for a in b["accounts"])'))
    pages=$((pages + 1))
    after=$(json 'b.get("next") or ""')
    [[ -n $after && $pages -lt 10 ]] || break
done
check "paging walks all 25 accounts once, in id order, in 3 pages" \
    [ "${walked[*]} pages=$pages" == "$expected_ids pages=3" ]
expect "default page" 200 GET /accounts
check "… holds 20 and points to the next" [ "$(json 'len(b["accounts"]), b["next"] == b["accounts"][-1]["id"]')" == "20 True" ]

expect "transfer" 200 POST /transfers "{\"from\": $ada, \"to\": $bob, \"amount\": 30}"
check "… returns both balances" [ "$(json 'b["from"]["balance"], b["to"]["balance"]')" == "70 30" ]
expect "transfer more than the balance" 409 POST /transfers "{\"from\": $bob, \"to\": $ada, \"amount\": 31}"
expect "transfer from an unknown account" 404 POST /transfers "{\"from\": 987654321, \"to\": $ada, \"amount\": 1}"
expect "transfer to an unknown account" 404 POST /transfers "{\"from\": $ada, \"to\": 987654321, \"amount\": 1}"
expect "transfer to the same account" 400 POST /transfers "{\"from\": $ada, \"to\": $ada, \"amount\": 1}"
expect "transfer of 0" 400 POST /transfers "{\"from\": $ada, \"to\": $bob, \"amount\": 0}"
expect "transfer with a field missing" 400 POST /transfers "{\"from\": $ada, \"amount\": 1}"
request GET "/accounts/$ada"; ada_balance=$(json 'b["balance"]')
request GET "/accounts/$bob"; bob_balance=$(json 'b["balance"]')
check "refused transfers changed nothing" [ "$ada_balance $bob_balance" == "70 30" ]
expect "metrics" 200 GET /metrics
check "… has the pool's gauges" grep -q '^poolkit_pool_connections_open' <<<"$body"
check "… and Hummingbird's request counter" grep -q '^hb_requests' <<<"$body"

# --- 2. concurrency ---------------------------------------------------------------------------

say "2. 200 transfers at once"
ids=()
for owner in w x y z; do
    request POST /accounts "{\"owner\": \"$owner\", \"balance\": 1000}"
    ids+=("$(json 'b["id"]')")
done
: >"$work/transfers"
python3 - "${ids[@]}" >"$work/transfer-plan" <<'PY'
import random, sys
ids = sys.argv[1:]
rng = random.Random(16)
for _ in range(200):
    source, target = rng.sample(ids, 2)
    print(source, target, rng.randint(1, 400))
PY
# Each line of the plan becomes one curl, 50 at a time; each records its plan and answer.
export base work
xargs -P 50 -L 1 bash -c '
    answer=$(curl -s -o /dev/null -w "%{http_code}" --max-time 60 -X POST -H "content-type: application/json" \
        --data "{\"from\": $0, \"to\": $1, \"amount\": $2}" "$base/transfers") || answer=curl-exit-$?
    echo "$0 $1 $2 $answer" >>"$work/transfers"' <"$work/transfer-plan"
for id in "${ids[@]}"; do request GET "/accounts/$id"; echo "$id $(json 'b["balance"]')"; done >"$work/balances"
verdict=$(python3 - "$work/transfers" "$work/balances" <<'PY'
import collections, sys
lines = [l.split() for l in open(sys.argv[1])]
answers = collections.Counter(l[3] for l in lines)
expected = collections.Counter()
for source, target, amount, answer in lines:
    if answer == "200":
        expected[source] -= int(amount)
        expected[target] += int(amount)
balances = {i: int(b) for i, b in (l.split() for l in open(sys.argv[2]))}
ok = (len(lines) == 200 and set(answers) <= {"200", "409"} and sum(balances.values()) == 4000
      and all(balances[i] == 1000 + expected[i] for i in balances) and all(b >= 0 for b in balances.values()))
print("ok" if ok else "bad", dict(answers), "balances", balances, "total", sum(balances.values()))
PY
)
say "   $verdict"
check "every transfer answered 200 or 409; balances match the successful ones; total 4000" [ "${verdict%% *}" == ok ]

# --- 3. graceful shutdown with requests in flight ----------------------------------------------

say "3. SIGTERM with 20 transfers in flight"
hot=${ids[0]}
# The 20 transfers come from an account of their own that can cover all of them: after section 2 the
# balances of the others are whatever the concurrent transfers left (4 once, so 16 answered 409).
request POST /accounts '{"owner": "payer", "balance": 20}'
payer=$(json 'b["id"]')
mkfifo "$work/lock"
# A session of our own holds the row lock until we say COMMIT, so the transfers touching that
# account stay in flight for as long as the test needs.
PSQL_DB=$database psql_admin <"$work/lock" >"$work/lock.out" 2>&1 &
lock_pid=$!
exec 7>"$work/lock"
lock_fd_open=1
echo "BEGIN; SELECT id FROM accounts WHERE id = $hot FOR UPDATE;" >&7
# The transfers start only once the lock is held (psql takes a while to start on a loaded machine;
# a transfer sent before would go through and never be in flight).
locked=0
for _ in $(seq 1 600); do
    locked=$(psql_admin -At -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$database'
        AND state = 'idle in transaction' AND query LIKE '%FOR UPDATE%'")
    [[ $locked -ge 1 ]] && break
    sleep 0.1
done
[[ $locked -ge 1 ]] || { fail "the test's psql session did not take the row lock"; exit 1; }
for i in $(seq 1 20); do
    # The time limit only guards against a hang; a loaded machine can be slow to get here.
    curl -s -o "$work/inflight-$i.body" -w '%{http_code}' --max-time 600 -X POST -H 'content-type: application/json' \
        --data "{\"from\": $payer, \"to\": $hot, \"amount\": 1}" "$base/transfers" >"$work/inflight-$i.code" 2>/dev/null &
    inflight_pids+=($!)
    client_pids+=($!)
done
# Wait until the server holds all 20 requests (Hummingbird's active-request gauge) and at least one
# transfer waits on the lock in PostgreSQL; the rest wait on it (8, the pool's size) or for a pooled
# connection.
active=0 waiting=0
for _ in $(seq 1 600); do
    active=$(curl -s --max-time 10 "$base/metrics" |
        sed -n 's/^http_server_active_requests{http_request_method="POST"} \([0-9]*\).*/\1/p' | head -n 1)
    waiting=$(psql_admin -At -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$database' AND wait_event_type = 'Lock'")
    [[ ${active:-0} -eq 20 && $waiting -ge 1 ]] && break
    sleep 0.1
done
check "20 transfers are in flight (server: ${active:-?} active), $waiting blocked on the lock" [ "${active:-0}" -eq 20 -a "$waiting" -ge 1 ]
kill -TERM "$app_pid"
# Once the listener is closed, shutdown has begun: new connections are refused.
refused=0
for _ in $(seq 1 300); do
    if ! curl -s -o /dev/null --max-time 5 "$base/health"; then refused=1; break; fi
    sleep 0.1
done
check "after SIGTERM the server accepts no new connection" [ $refused -eq 1 ]
check "the app is still running, serving what is in flight" kill -0 "$app_pid"
echo "COMMIT;" >&7
exec 7>&-
lock_fd_open=0
wait "$lock_pid" || true
complete=0
for i in $(seq 1 20); do
    wait "${inflight_pids[$((i - 1))]}" || true
    if [[ $(cat "$work/inflight-$i.code") == 200 ]] &&
        python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); assert b["to"]["id"] == int(sys.argv[2])' \
            "$work/inflight-$i.body" "$hot" 2>/dev/null; then
        complete=$((complete + 1))
    fi
done
answers=$(for f in "$work"/inflight-*.code; do cat "$f"; echo; done | sort | uniq -c | tr -s ' \n' ' ')
check "all 20 in-flight transfers got a complete 200 answer (status:count $answers)" [ $complete -eq 20 ]
app_status=0
wait "$app_pid" || app_status=$?
check "the app exited with status 0 after draining" [ $app_status -eq 0 ]
hot_balance=$(PSQL_DB=$database psql_admin -At -c "SELECT balance FROM accounts WHERE id = $hot")
before=$(grep "^$hot " "$work/balances" | cut -d' ' -f2)
check "the 20 transfers are in the database" [ "$hot_balance" -eq $((before + 20)) ]

# --- 4. the database restarted under load -----------------------------------------------------

say "4. the database restarted under load"
private=$(bash scripts/test-servers.sh start-one postgres --owner $$)
private_dir=$(sed -n 's/^DIR=//p' <<<"$private")
private_url=$(sed -n 's/^URL=//p' <<<"$private")
readonly health_period=2 acquire_timeout=2
start_app restart "$private_url?health_check_period=${health_period}s&acquire_timeout=${acquire_timeout}s&connect_timeout=2"
request POST /accounts '{"owner": "steady", "balance": 5}'
steady=$(json 'b["id"]')

# Background load: 4 clients reading the account until told to stop (at most 3,000 requests each).
: >"$work/load"
for client in 1 2 3 4; do
    (
        for _ in $(seq 1 3000); do
            [[ -e $work/stop-load ]] && break
            answer=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$base/accounts/$steady") || answer=curl-exit-$?
            echo "$answer" >>"$work/load"
        done
    ) &
    load_pids+=($!)
    client_pids+=($!)
done
sleep 1
pg_as_owner "$PG_CTL" stop -D "$private_dir/postgres" -m fast -w >/dev/null
say "   PostgreSQL stopped"
down_codes=()
for _ in $(seq 1 10); do
    request GET "/accounts/$steady"
    down_codes+=("$code")
done
check "while it is down, requests get 503 (no hang, no 500): ${down_codes[*]}" \
    [ "$(printf '%s\n' "${down_codes[@]}" | sort -u)" == 503 ]
check "… with a JSON error for the client" grep -q 'database is unavailable' <<<"$body"
expect "health says 503 while it is down" 503 GET /health
pg_as_owner "$PG_CTL" start -D "$private_dir/postgres" -l "$private_dir/postgres.log" -w >/dev/null
say "   PostgreSQL started again"
recovered=0 polls=0
# Bounded by the health-check period plus the pool's longest connect backoff (5 s) and a margin.
while ((polls < (health_period + 5 + 5) * 10)); do
    request GET "/accounts/$steady"
    [[ $code == 200 ]] && { recovered=1; break; }
    polls=$((polls + 1))
    sleep 0.1
done
check "requests succeed again after the restart (after $polls polls of 0.1 s)" [ $recovered -eq 1 ]
touch "$work/stop-load"
wait "${load_pids[@]}"
: >"$work/after"
seq 1 40 | xargs -P 8 -I{} sh -c 'curl -s -o /dev/null -w "%{http_code}\n" --max-time 20 "$0" >>"$1"' \
    "$base/accounts/$steady" "$work/after"
check "then 40 requests on every pooled connection all succeed (no broken connection kept)" \
    [ "$(sort -u "$work/after")" == 200 ]
load_summary=$(sort "$work/load" | uniq -c | tr -s ' \n' ' ')
check "the background load only ever saw 200 or 503 ($load_summary)" \
    [ -z "$(grep -v -x -e 200 -e 503 "$work/load")" ]
kill -TERM "$app_pid"
wait "$app_pid" || true
[[ $private_url =~ ^postgres://[^:@/]+:([^@/]*)@ ]]
private_password=${BASH_REMATCH[1]}
check "no password in the apps' logs" \
    [ -z "$(grep -l -F -e "$pg_password" -e "$private_password" "$work/app.log" "$work/restart.log")" ]

echo "test-example.sh: $passed passed, $failed failed" >&2
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
