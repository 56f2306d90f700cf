#!/usr/bin/env bash
# Builds PoolKit and runs all its tests, with database servers.
#
#   bash scripts/test.sh                       # everything
#   bash scripts/test.sh --filter Postgres     # arguments go to `swift test`
#
# The integration tests read POOLKIT_TEST_POSTGRES_URL and POOLKIT_TEST_MARIADB_URL. When they
# are not set, this script uses the servers that `scripts/test-servers.sh start` left running
# for this checkout, or else starts throwaway servers itself and stops them when it exits.
# Set POOLKIT_REQUIRE_SERVERS=1 to make a missing server fail the tests instead of skipping them.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Installs the Debian packages that are missing (quiet and quick when all are there).
bash scripts/bootstrap.sh

if [[ -z ${POOLKIT_TEST_POSTGRES_URL:-} || -z ${POOLKIT_TEST_MARIADB_URL:-} ]]; then
    given_postgres=${POOLKIT_TEST_POSTGRES_URL:-}
    given_mariadb=${POOLKIT_TEST_MARIADB_URL:-}
    if exports=$(bash scripts/test-servers.sh env 2>/dev/null); then
        echo "test.sh: using the running test servers" >&2
    else
        trap 'bash scripts/test-servers.sh stop' EXIT
        exports=$(bash scripts/test-servers.sh start)
    fi
    eval "$exports"
    # A URL given by the caller wins over the script's.
    [[ -n $given_postgres ]] && export POOLKIT_TEST_POSTGRES_URL=$given_postgres
    [[ -n $given_mariadb ]] && export POOLKIT_TEST_MARIADB_URL=$given_mariadb
fi

swift build --build-tests
swift test "$@"
# The memory test measures the test process's resident set: it runs alone, in a process of its own,
# so that the other suites' allocations (a 50 MB value, spilled chunks) do not count as its own.
if [[ $# -eq 0 ]]; then
    POOLKIT_ISOLATED_MEMORY_TESTS=1 swift test --skip-build --filter PostgresStreamMemoryTests
    # Cross-engine restores of the sample databases and hostile fixtures, compared value by value
    # with their sources (small sizes; `bash scripts/check-migrations.sh` runs the full ones).
    POOLKIT="$PWD/.build/debug/poolkit" bash scripts/check-migrations.sh --quick
fi
