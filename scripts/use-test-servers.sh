# Sourced (not run) by the scripts that need the PostgreSQL test server and a poolkit binary:
# scripts/compare-postgres.sh, scripts/check-postgres-regression.sh and scripts/check-migrations.sh.
#
#   use_test_servers [ENGINE…]  # the servers of $POOLKIT_TEST_POSTGRES_URL (and, when `mariadb` is
#                               # named, $POOLKIT_TEST_MARIADB_URL) when set, otherwise this
#                               # checkout's disposable test servers, started now
#   stop_started_test_servers   # in the caller's EXIT trap: stops them only if use_test_servers started them
#   need_poolkit debug|release  # builds poolkit in that configuration unless $POOLKIT names a binary

STARTED_SERVERS=0

use_test_servers() {
    local missing=0
    [[ -z ${POOLKIT_TEST_POSTGRES_URL:-} ]] && missing=1
    [[ " $* " == *" mariadb "* && -z ${POOLKIT_TEST_MARIADB_URL:-} ]] && missing=1
    if [[ $missing == 1 ]]; then
        eval "$(bash scripts/test-servers.sh start)"
        STARTED_SERVERS=1
    fi
}

stop_started_test_servers() {
    if [[ $STARTED_SERVERS == 1 ]]; then bash scripts/test-servers.sh stop >&2; fi
}

need_poolkit() {
    if [[ -z ${POOLKIT:-} ]]; then
        swift build -c "$1" --product poolkit >&2
        POOLKIT="$PWD/.build/$1/poolkit"
    fi
}
