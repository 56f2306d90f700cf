#!/usr/bin/env bash
# Installs the Debian packages PoolKit needs to build and to run its integration tests.
#
# Idempotent: it asks dpkg which packages are missing and calls apt-get only when some are.
# Quiet when everything is already installed. Uses sudo only when not run as root.
#
#   bash scripts/bootstrap.sh
set -euo pipefail

packages=(
    postgresql-15     # test server (PostgreSQL 15)
    mariadb-server    # test server (MariaDB 10.11) and the mariadb client
    libpq-dev         # CPoolKitLibPQ
    libmariadb-dev    # CPoolKitMariaDB
    libsqlite3-dev    # CPoolKitSQLite
    libzstd-dev       # CPoolKitZstd
    libssl-dev        # CPoolKitCrypto
    sqlite3           # oracle for SQLite round trips
    zstd              # inspecting archives by hand
    mydumper          # side-by-side comparisons
    pkg-config        # SwiftPM finds the C libraries through it
    openssl           # scripts/test-servers.sh: the throwaway CA and server certificates for the TLS tests
    bc                # benchmark arithmetic (scripts/bench-*.sh, scripts/compare-*.sh)
    pgcopydb          # scripts/compare-postgres.sh: the server-to-server peer
    pgloader          # scripts/compare-pgloader.sh: the peer of restores from SQLite and MariaDB into PostgreSQL
    time              # /usr/bin/time: peak RSS in benchmarks
    age               # scripts/test-recipes.sh: encryption at rest
    gnupg             # scripts/test-recipes.sh: gpg --symmetric
    pv                # scripts/test-recipes.sh: a copy with a rate
    openssh-server    # scripts/test-recipes.sh: a loopback sshd under a throwaway key
    openssh-client    # scripts/test-recipes.sh: ssh, ssh-keygen
    python3           # scripts/test-servers.sh and test-recipes.sh: a free TCP port
    binutils          # scripts/release.sh: strip
    curl              # scripts/test-example.sh: the HTTP client that drives the example application
    wrk               # scripts/bench-webapp.sh: HTTP load on the example app and its PostgresClient twin
    postgresql-server-dev-15  # scripts/check-postgres-regression.sh: pgxs and the server headers for regress.so
    make              # scripts/check-postgres-regression.sh: the pgxs build
    gcc               # scripts/check-postgres-regression.sh: the pgxs build
)

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap.sh: this script needs a Debian-based system (dpkg-query and apt-get); install these packages by hand: ${packages[*]}" >&2
    exit 1
fi

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
    if [[ "$status" != "installed" ]]; then
        missing+=("$package")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "bootstrap.sh: missing packages (${missing[*]}) and not root, and sudo is not installed; run this script as root" >&2
    exit 1
fi

echo "bootstrap.sh: installing ${missing[*]}" >&2
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2

# The postgresql package starts a cluster and mariadb-server starts a service when a service
# manager is present; the tests do not use them (scripts/test-servers.sh starts its own on free ports).
