# Sourced (not run) by the scripts that need the PostgreSQL test server and a poolkit binary:
# scripts/compare-postgres.sh and scripts/check-postgres-regression.sh.
#
#   use_test_servers            # the server of $POOLKIT_TEST_POSTGRES_URL when set, otherwise this
#                               # checkout's disposable test servers, started now
#   stop_started_test_servers   # in the caller's EXIT trap: stops them only if use_test_servers started them
#   need_poolkit debug|release  # builds poolkit in that configuration unless $POOLKIT names a binary

STARTED_SERVERS=0

use_test_servers() {
    if [[ -z ${POOLKIT_TEST_POSTGRES_URL:-} ]]; then
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
