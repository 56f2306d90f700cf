#!/usr/bin/env bash
# Throwaway PostgreSQL 15 and MariaDB 10.11 servers for PoolKit's integration tests.
#
#   eval "$(bash scripts/test-servers.sh start)"   # start both, export POOLKIT_TEST_*_URL
#   bash scripts/test-servers.sh env               # print the export lines again
#   bash scripts/test-servers.sh status            # say whether they run (exit 1 if not)
#   bash scripts/test-servers.sh stop              # stop both and delete their data
#   bash scripts/test-servers.sh start-one mariadb|postgres [--tls] [--owner PID] [--server-option OPT]…
#                                                  # one private server in a directory of its own
#   bash scripts/test-servers.sh stop-one DIR      # stop a private server and delete DIR
#
# Both servers listen on 127.0.0.1 only, on free ports, with their data, sockets and logs in
# one fresh `mktemp -d` directory. Each has a user `poolkit` (PostgreSQL: superuser; MariaDB:
# ALL PRIVILEGES incl. RELOAD and PROCESS) with a generated password and a database
# `poolkit_test`. Setup goes through each server's unix socket, in a directory only the
# server's OS user can enter; no account without a password is reachable over TCP.
#
# PostgreSQL refuses to run as root, so when this script runs as root the servers run as a
# system user `poolkit-test` (created if missing; override with POOLKIT_TEST_OS_USER).
# As a normal user they run as that user.
#
# State (directory, pids, ports, URLs; mode 600 because it holds the password) is kept in
# $POOLKIT_TEST_STATE, by default /tmp/poolkit-test-servers-<uid>-<checkout hash>.env: one
# per user and checkout, so several checkouts on one machine do not stop each other's servers.
# `start` prints only the export lines on stdout; everything else goes to stderr.
# `start` when the servers already run prints their lines again; `stop` when none run is a no-op.
#
# TLS: `start` makes a throwaway CA and a server certificate (openssl; subjectAltName IP:127.0.0.1
# and DNS:localhost, nothing else) in the temporary directory, and both servers accept TLS with
# it (plain connections too). It exports the CA's file as POOLKIT_TEST_CA, a second, unrelated
# CA as POOLKIT_TEST_WRONG_CA, and, on Linux, POOLKIT_TEST_TLS_OTHER_HOST=127.0.0.2: both servers
# also listen there, an address the certificate does not name, for host-name mismatch tests.
#
# `start-one` starts one more server of an engine, set up like the shared one (same user,
# database and settings), in a `mktemp -d` directory of its own, for a test that must stop,
# freeze or reconfigure a server without disturbing the others; TLS only with --tls. It prints
# DIR=, URL=, PID= and PORT= lines on stdout. With --owner PID a watchdog stops the server once
# that process is gone (a killed test run leaves nothing behind). `stop-one DIR` stops it.
# --server-option (MariaDB only, repeatable) adds an option to mariadb-install-db and mariadbd,
# for settings fixed when the data directory is made (e.g. --lower-case-table-names=1).
set -euo pipefail

readonly PG_BIN=${POOLKIT_TEST_PG_BIN:-/usr/lib/postgresql/15/bin}
readonly DB_USER=poolkit
readonly DB_NAME=poolkit_test
readonly STARTUP_TIMEOUT=${POOLKIT_TEST_STARTUP_TIMEOUT:-60}
# Extra options of a private MariaDB server (start-one --server-option).
SERVER_OPTIONS=()

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
checkout_hash=$(printf '%s' "$repo_root" | cksum | cut -d' ' -f1)
STATE_FILE=${POOLKIT_TEST_STATE:-/tmp/poolkit-test-servers-$(id -u)-$checkout_hash.env}

# Only the export lines go to the real stdout (fd 3); everything else to stderr.
exec 3>&1 1>&2

log() { echo "test-servers.sh: $*"; }
die() { echo "test-servers.sh: error: $*"; exit 1; }

usage() {
    sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

is_root() { [[ $(id -u) -eq 0 ]]; }

# The OS user the servers run as.
server_os_user() {
    if is_root; then echo "${POOLKIT_TEST_OS_USER:-poolkit-test}"; else id -un; fi
}

# Runs a command as the server's OS user, from a directory that user can enter.
as_server_user() {
    if is_root; then
        (cd / && runuser -u "$OS_USER" -- "$@")
    else
        (cd / && "$@")
    fi
}

ensure_os_user() {
    is_root || return 0
    if ! id -u "$OS_USER" >/dev/null 2>&1; then
        log "creating system user $OS_USER"
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$OS_USER" ||
            id -u "$OS_USER" >/dev/null 2>&1 || die "could not create the system user $OS_USER"
    fi
}

require_tools() {
    local missing=()
    local tool
    for tool in "$PG_BIN/initdb" "$PG_BIN/pg_ctl" "$PG_BIN/pg_isready" "$PG_BIN/psql"; do
        [[ -x $tool ]] || missing+=("$tool")
    done
    for tool in mariadb-install-db mariadbd mariadb-admin mariadb; do
        command -v "$tool" >/dev/null 2>&1 || [[ -x /usr/sbin/$tool ]] || missing+=("$tool")
    done
    command -v openssl >/dev/null 2>&1 || missing+=(openssl)
    if is_root; then
        command -v runuser >/dev/null 2>&1 || missing+=(runuser)
    fi
    [[ ${#missing[@]} -eq 0 ]] || die "missing ${missing[*]}: run 'bash scripts/bootstrap.sh' first"
}

mariadbd_path() {
    command -v mariadbd 2>/dev/null || echo /usr/sbin/mariadbd
}

# True if nothing accepts connections on 127.0.0.1:$1.
port_is_free() {
    ! (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints a TCP port that is free now (distinct from any port given as arguments).
free_port() {
    local port attempt
    for attempt in $(seq 1 50); do
        if command -v python3 >/dev/null 2>&1 &&
            port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null); then
            :
        else
            port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        fi
        local taken=0 other
        for other in "$@"; do [[ $other == "$port" ]] && taken=1; done
        if [[ $taken -eq 0 ]] && port_is_free "$port"; then
            echo "$port"
            return 0
        fi
    done
    die "found no free TCP port on 127.0.0.1"
}

# True if $1 is the pid of a live process whose command name starts with $2.
process_alive() {
    local pid=$1 name=$2 comm
    [[ -n $pid && -r /proc/$pid/comm ]] || return 1
    read -r comm <"/proc/$pid/comm" || return 1
    [[ $comm == "$name"* ]]
}

log_tail() {
    local file=$1
    if [[ -f $file ]]; then
        echo "---- last lines of $file ----"
        tail -n 30 "$file"
        echo "----"
    fi
}

load_state() {
    [[ -f $STATE_FILE ]] || return 1
    # shellcheck disable=SC1090
    source "$STATE_FILE"
}

print_exports() {
    printf 'export POOLKIT_TEST_POSTGRES_URL=%q\n' "$POSTGRES_URL" >&3
    printf 'export POOLKIT_TEST_MARIADB_URL=%q\n' "$MARIADB_URL" >&3
    printf 'export POOLKIT_TEST_PG_BIN=%q\n' "$PG_BIN" >&3
    if [[ ! -f $SERVERS_DIR/tls/ca.pem ]]; then
        # Servers started by an older version of this script, without TLS.
        log "these servers have no TLS (started by an older test-servers.sh): the TLS tests skip; restart them with 'stop' then 'start'"
        printf 'unset POOLKIT_TEST_CA POOLKIT_TEST_WRONG_CA POOLKIT_TEST_TLS_OTHER_HOST\n' >&3
        return 0
    fi
    printf 'export POOLKIT_TEST_CA=%q\n' "$SERVERS_DIR/tls/ca.pem" >&3
    printf 'export POOLKIT_TEST_WRONG_CA=%q\n' "$SERVERS_DIR/tls/wrong-ca.pem" >&3
    if [[ -n ${OTHER_HOST:-} ]]; then
        printf 'export POOLKIT_TEST_TLS_OTHER_HOST=%q\n' "$OTHER_HOST" >&3
    else
        printf 'unset POOLKIT_TEST_TLS_OTHER_HOST\n' >&3
    fi
}

servers_alive() {
    process_alive "${PG_PID:-}" postgres && process_alive "${MARIADB_PID:-}" mariadbd
}

write_state() {
    local tmp="$STATE_FILE.tmp.$$"
    (
        umask 077
        {
            printf 'SERVERS_DIR=%q\n' "$SERVERS_DIR"
            printf 'OS_USER=%q\n' "$OS_USER"
            printf 'PG_PORT=%q\n' "$PG_PORT"
            printf 'PG_PID=%q\n' "$PG_PID"
            printf 'MARIADB_PORT=%q\n' "$MARIADB_PORT"
            printf 'MARIADB_PID=%q\n' "$MARIADB_PID"
            printf 'POSTGRES_URL=%q\n' "$POSTGRES_URL"
            printf 'MARIADB_URL=%q\n' "$MARIADB_URL"
            printf 'OTHER_HOST=%q\n' "${OTHER_HOST:-}"
        } >"$tmp"
    )
    mv -f "$tmp" "$STATE_FILE"
}

stop_postgres() {
    local dir=$1 pid=$2
    if [[ -f $dir/postgres/postmaster.pid ]] && process_alive "$pid" postgres; then
        as_server_user "$PG_BIN/pg_ctl" stop -D "$dir/postgres" -m fast -w -t 30 >/dev/null 2>&1 ||
            kill -KILL "$pid" 2>/dev/null || true
    fi
    wait_for_exit "$pid" postgres 30 || die "PostgreSQL (pid $pid) did not stop"
}

stop_mariadb() {
    local pid=$1
    if process_alive "$pid" mariadbd; then
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_for_exit "$pid" mariadbd 30; then
            log "MariaDB (pid $pid) did not stop within 30 s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
            wait_for_exit "$pid" mariadbd 10 || die "MariaDB (pid $pid) did not stop"
        fi
    fi
}

# Waits until process $1 (named $2) is gone; false after $3 seconds.
wait_for_exit() {
    local pid=$1 name=$2 seconds=$3 i
    for ((i = 0; i < seconds * 10; i++)); do
        process_alive "$pid" "$name" || return 0
        sleep 0.1
    done
    return 1
}

# Deletes a directory only if it is one this script made.
remove_servers_dir() {
    local dir=$1
    [[ -n $dir && -d $dir ]] || return 0
    case "$(basename "$dir")" in
        poolkit-test-servers.*) rm -rf -- "$dir" ;;
        *) log "not deleting $dir: it does not look like a directory this script made" ;;
    esac
}

# Stops whatever a failed start had started, deletes its directory, and exits non-zero.
abort_start() {
    local message=$1
    echo "test-servers.sh: error: $message"
    [[ -n ${PG_PID:-} ]] && stop_postgres "$SERVERS_DIR" "$PG_PID" || true
    [[ -n ${MARIADB_PID:-} ]] && stop_mariadb "$MARIADB_PID" || true
    if [[ -z ${MARIADB_PID:-} && -f $SERVERS_DIR/mariadb.pid ]]; then
        stop_mariadb "$(cat "$SERVERS_DIR/mariadb.pid")" || true
    fi
    remove_servers_dir "$SERVERS_DIR"
    [[ -n $STATE_FILE ]] && rm -f "$STATE_FILE"
    exit 1
}

# Makes $SERVERS_DIR/tls: a throwaway CA (ca.pem; its key is deleted once it has signed), a
# server certificate and key signed by it for 127.0.0.1 and localhost only (server.pem,
# server.key: readable by the server's OS user only), and an unrelated CA (wrong-ca.pem).
make_certificates() {
    local tls=$SERVERS_DIR/tls
    mkdir -p "$tls"
    (
        set -e
        cd "$tls"
        umask 077
        local days=30
        openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" -subj "/CN=PoolKit throwaway test CA" \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
            -keyout ca.key -out ca.pem
        openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" -subj "/CN=PoolKit unrelated test CA" \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
            -keyout wrong-ca.key -out wrong-ca.pem
        openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/CN=localhost" -keyout server.key -out server.csr
        printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=critical,CA:FALSE" \
            "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial "0x$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')" \
            -days "$days" -sha256 -extfile server.ext -out server.pem
        rm -f ca.key wrong-ca.key server.csr server.ext
        chmod 644 ca.pem wrong-ca.pem server.pem
        chmod 600 server.key
    ) >"$SERVERS_DIR/openssl.log" 2>&1 || { log_tail "$SERVERS_DIR/openssl.log"; abort_start "making the test certificates with openssl failed"; }
    chmod 755 "$tls"
    if is_root; then chown -R "$OS_USER:" "$tls"; fi
}

# The extra loopback address both shared servers listen on (Linux routes all of 127/8 to lo).
other_loopback_host() {
    [[ $(uname -s) == Linux ]] && echo 127.0.0.2 || true
}

random_password() {
    od -An -tx1 -N16 /dev/urandom | tr -d ' \n'
}

start_postgres() {
    local dir=$SERVERS_DIR
    log "initialising PostgreSQL in $dir/postgres"
    as_server_user "$PG_BIN/initdb" -D "$dir/postgres" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$dir/postgres-initdb.log" 2>&1 ||
        { log_tail "$dir/postgres-initdb.log"; abort_start "initdb failed"; }
    # Appended settings win over the defaults above them.
    local listen=127.0.0.1
    [[ -n ${OTHER_HOST:-} ]] && listen+=",$OTHER_HOST"
    cat >>"$dir/postgres/postgresql.conf" <<CONF
# poolkit test server
listen_addresses = '$listen'
port = $PG_PORT
unix_socket_directories = '$dir/run'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
CONF
    if [[ $TLS -eq 1 ]]; then
        cat >>"$dir/postgres/postgresql.conf" <<CONF
ssl = on
ssl_cert_file = '$dir/tls/server.pem'
ssl_key_file = '$dir/tls/server.key'
ssl_ca_file = '$dir/tls/ca.pem'
CONF
    fi
    if [[ -n ${OTHER_HOST:-} ]]; then
        echo "host all all $OTHER_HOST/32 scram-sha-256" >>"$dir/postgres/pg_hba.conf"
    fi
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    if ! as_server_user "$PG_BIN/pg_ctl" start -D "$dir/postgres" -l "$dir/postgres.log" \
        -w -t "$STARTUP_TIMEOUT" </dev/null >/dev/null 2>&1 3>&-; then
        [[ -f $dir/postgres/postmaster.pid ]] && PG_PID=$(head -n 1 "$dir/postgres/postmaster.pid")
        log_tail "$dir/postgres.log"
        abort_start "PostgreSQL did not start on 127.0.0.1:$PG_PORT within $STARTUP_TIMEOUT s"
    fi
    PG_PID=$(head -n 1 "$dir/postgres/postmaster.pid")
    local i
    for ((i = 0; i < STARTUP_TIMEOUT * 10; i++)); do
        "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres && break
        sleep 0.1
    done
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres || {
        log_tail "$dir/postgres.log"
        abort_start "PostgreSQL does not accept connections on 127.0.0.1:$PG_PORT after $STARTUP_TIMEOUT s"
    }
    # The password goes through stdin, never through a command line that `ps` shows.
    as_server_user "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/run" -p "$PG_PORT" -U postgres -d postgres \
        >"$dir/postgres-setup.log" 2>&1 <<SQL || { log_tail "$dir/postgres-setup.log"; abort_start "creating the PostgreSQL test user failed"; }
CREATE ROLE $DB_USER LOGIN SUPERUSER PASSWORD '$PASSWORD';
CREATE DATABASE $DB_NAME OWNER $DB_USER;
SQL
}

start_mariadb() {
    local dir=$SERVERS_DIR
    local install_args=(--no-defaults --datadir="$dir/mariadb" --skip-test-db --skip-name-resolve
        --auth-root-authentication-method=socket --auth-root-socket-user="$OS_USER")
    local server_args=(--no-defaults --datadir="$dir/mariadb" --socket="$dir/run/mariadb.sock"
        --tmpdir="$dir/mariadb-tmp" --port="$MARIADB_PORT" --bind-address="127.0.0.1${OTHER_HOST:+,$OTHER_HOST}" --pid-file="$dir/mariadb.pid"
        --log-error="$dir/mariadb.log" --skip-name-resolve --character-set-server=utf8mb4
        --collation-server=utf8mb4_unicode_ci --innodb-buffer-pool-size=128M
        --innodb-flush-log-at-trx-commit=2 --innodb-doublewrite=0 --max-connections=200
        --max-allowed-packet=256M)
    if [[ $TLS -eq 1 ]]; then
        server_args+=(--ssl-ca="$dir/tls/ca.pem" --ssl-cert="$dir/tls/server.pem" --ssl-key="$dir/tls/server.key")
    else
        server_args+=(--skip-ssl)
    fi
    if is_root; then
        install_args+=(--user="$OS_USER")
        server_args+=(--user="$OS_USER")
    fi
    install_args+=("${SERVER_OPTIONS[@]}")
    server_args+=("${SERVER_OPTIONS[@]}")
    # Its temporary tables live in a directory of its own: in the shared /tmp, other programs
    # that clean up temporary files removed them under the server (seen: a failed query, and a
    # crash in ha_maria::drop_table).
    mkdir -p "$dir/mariadb-tmp"
    if is_root; then chown "$OS_USER:" "$dir/mariadb-tmp"; fi
    log "initialising MariaDB in $dir/mariadb"
    # mariadb-install-db runs mariadbd itself: as root it switches to --user, as a normal user it stays.
    # Its bootstrap server takes its temporary directory from TMPDIR.
    (cd / && TMPDIR="$dir/mariadb-tmp" mariadb-install-db "${install_args[@]}") >"$dir/mariadb-install.log" 2>&1 </dev/null 3>&- ||
        { log_tail "$dir/mariadb-install.log"; abort_start "mariadb-install-db failed"; }
    log "starting MariaDB on 127.0.0.1:$MARIADB_PORT"
    # As root, mariadbd drops to --user itself; as a normal user it runs as that user. A background
    # job of a non-interactive shell ignores SIGINT, so ^C on a later command does not stop it.
    (cd / && exec "$(mariadbd_path)" "${server_args[@]}") </dev/null >"$dir/mariadb.out" 2>&1 3>&- &
    local launched=$!
    local i
    for ((i = 0; i < STARTUP_TIMEOUT * 10; i++)); do
        if [[ -S $dir/run/mariadb.sock ]] &&
            as_server_user mariadb-admin --no-defaults --socket="$dir/run/mariadb.sock" -u "$OS_USER" \
                --connect-timeout=2 ping >/dev/null 2>&1; then
            break
        fi
        if ! kill -0 "$launched" 2>/dev/null; then
            log_tail "$dir/mariadb.out"
            log_tail "$dir/mariadb.log"
            abort_start "MariaDB exited during startup"
        fi
        sleep 0.1
    done
    [[ -f $dir/mariadb.pid ]] && MARIADB_PID=$(cat "$dir/mariadb.pid")
    as_server_user mariadb-admin --no-defaults --socket="$dir/run/mariadb.sock" -u "$OS_USER" \
        --connect-timeout=2 ping >/dev/null 2>&1 || {
        log_tail "$dir/mariadb.log"
        abort_start "MariaDB does not accept connections on 127.0.0.1:$MARIADB_PORT after $STARTUP_TIMEOUT s"
    }
    # TCP-accessible wait: the socket answering does not prove the port is bound yet.
    for ((i = 0; i < STARTUP_TIMEOUT * 10; i++)); do
        port_is_free "$MARIADB_PORT" || break
        sleep 0.1
    done
    port_is_free "$MARIADB_PORT" && { log_tail "$dir/mariadb.log"; abort_start "MariaDB does not listen on 127.0.0.1:$MARIADB_PORT"; }
    as_server_user mariadb --no-defaults --socket="$dir/run/mariadb.sock" -u "$OS_USER" \
        >"$dir/mariadb-setup.log" 2>&1 <<SQL || { log_tail "$dir/mariadb-setup.log"; abort_start "creating the MariaDB test user failed"; }
CREATE DATABASE $DB_NAME CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$PASSWORD';
CREATE USER '$DB_USER'@'localhost' IDENTIFIED BY '$PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'localhost' WITH GRANT OPTION;
SQL
}

# Makes a fresh server directory ($1: the mktemp name prefix) that the server's OS user owns.
prepare_servers_dir() {
    require_tools
    OS_USER=$(server_os_user)
    ensure_os_user
    SERVERS_DIR=$(mktemp -d "${POOLKIT_TEST_TMPDIR:-/tmp}/$1.XXXXXXXX")
    PG_PID=""
    MARIADB_PID=""
    trap 'abort_start "interrupted"' INT TERM
    mkdir -p "$SERVERS_DIR/run"
    chmod 700 "$SERVERS_DIR"
    if is_root; then
        chown -R "$OS_USER:" "$SERVERS_DIR"
        as_server_user test -w "$SERVERS_DIR" ||
            abort_start "$OS_USER cannot write to $SERVERS_DIR; set POOLKIT_TEST_TMPDIR to a directory it can reach"
    fi
    PASSWORD=$(random_password)
}

cmd_start() {
    if load_state; then
        if servers_alive; then
            log "servers already running (state in $STATE_FILE)"
            print_exports
            return 0
        fi
        log "found a stale state file $STATE_FILE; cleaning up before starting afresh"
        cmd_stop
    fi
    prepare_servers_dir poolkit-test-servers
    TLS=1
    OTHER_HOST=$(other_loopback_host)
    make_certificates
    PG_PORT=$(free_port)
    MARIADB_PORT=$(free_port "$PG_PORT")

    start_postgres
    start_mariadb

    POSTGRES_URL="postgres://$DB_USER:$PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME"
    MARIADB_URL="mariadb://$DB_USER:$PASSWORD@127.0.0.1:$MARIADB_PORT/$DB_NAME"
    write_state
    trap - INT TERM
    log "PostgreSQL (pid $PG_PID) on 127.0.0.1:$PG_PORT and MariaDB (pid $MARIADB_PID) on 127.0.0.1:$MARIADB_PORT (TLS with $SERVERS_DIR/tls/ca.pem${OTHER_HOST:+; also on $OTHER_HOST}); data in $SERVERS_DIR"
    print_exports
}

# start-one ENGINE [--tls] [--owner PID] [--server-option OPT]…
cmd_start_one() {
    local engine=${1:-} owner=""
    [[ $engine == postgres || $engine == mariadb ]] || die "start-one needs an engine: postgres or mariadb"
    shift
    TLS=0
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --tls) TLS=1 ;;
            --owner) owner=${2:-}; shift ;;
            --server-option)
                [[ $engine == mariadb && ${2:-} == --* ]] || die "start-one: --server-option takes a mariadbd option (--name=value), for mariadb only"
                SERVER_OPTIONS+=("$2"); shift ;;
            *) die "start-one: unknown argument $1" ;;
        esac
        shift
    done
    [[ -z $owner || $owner =~ ^[0-9]+$ ]] || die "start-one: --owner needs a process id"
    OTHER_HOST=""
    # A state file of its own, inside its directory, so it never touches the shared servers' one
    # (none until the directory exists: a failure before that removes no state file).
    STATE_FILE=""
    prepare_servers_dir poolkit-test-servers.one
    STATE_FILE=$SERVERS_DIR/state.env
    [[ $TLS -eq 1 ]] && make_certificates
    local port url pid
    port=$(free_port)
    if [[ $engine == postgres ]]; then
        PG_PORT=$port
        start_postgres
        pid=$PG_PID
        url="postgres://$DB_USER:$PASSWORD@127.0.0.1:$port/$DB_NAME"
    else
        MARIADB_PORT=$port
        start_mariadb
        pid=$MARIADB_PID
        url="mariadb://$DB_USER:$PASSWORD@127.0.0.1:$port/$DB_NAME"
    fi
    (
        umask 077
        {
            printf 'ENGINE=%q\n' "$engine"
            printf 'SERVERS_DIR=%q\n' "$SERVERS_DIR"
            printf 'OS_USER=%q\n' "$OS_USER"
            printf 'PG_PID=%q\n' "${PG_PID:-}"
            printf 'MARIADB_PID=%q\n' "${MARIADB_PID:-}"
        } >"$STATE_FILE"
    )
    trap - INT TERM
    if [[ -n $owner ]]; then
        # Detached from every stream of this script, so a caller reading its output sees the end.
        setsid bash "${BASH_SOURCE[0]}" watch-one "$SERVERS_DIR" "$owner" </dev/null >/dev/null 2>&1 3>&- &
    fi
    log "private $engine (pid $pid) on 127.0.0.1:$port; data in $SERVERS_DIR"
    printf 'DIR=%s\nURL=%s\nPID=%s\nPORT=%s\n' "$SERVERS_DIR" "$url" "$pid" "$port" >&3
}

# stop-one DIR
cmd_stop_one() {
    local dir=${1:-}
    [[ -n $dir && -f $dir/state.env ]] || { log "no private server in '${dir}' (no state.env); nothing to stop"; return 0; }
    case "$(basename "$dir")" in
        poolkit-test-servers.one.*) ;;
        *) die "stop-one: $dir is not a directory start-one made" ;;
    esac
    # shellcheck disable=SC1091
    source "$dir/state.env"
    [[ -n ${PG_PID:-} ]] && stop_postgres "$dir" "$PG_PID"
    [[ -n ${MARIADB_PID:-} ]] && stop_mariadb "$MARIADB_PID"
    remove_servers_dir "$dir"
    log "stopped the private server and removed $dir"
}

# watch-one DIR OWNER: stops the private server in DIR once process OWNER has gone.
cmd_watch_one() {
    local dir=$1 owner=$2
    while kill -0 "$owner" 2>/dev/null && [[ -f $dir/state.env ]]; do sleep 1; done
    cmd_stop_one "$dir"
}

cmd_env() {
    load_state || die "no test servers are running (no $STATE_FILE): run 'eval \"\$(bash scripts/test-servers.sh start)\"'"
    servers_alive || die "the test servers in $STATE_FILE are not running: run 'bash scripts/test-servers.sh stop' then 'start'"
    print_exports
}

cmd_status() {
    if load_state && servers_alive; then
        log "running: PostgreSQL pid $PG_PID on 127.0.0.1:$PG_PORT, MariaDB pid $MARIADB_PID on 127.0.0.1:$MARIADB_PORT, data in $SERVERS_DIR"
    else
        log "not running"
        return 1
    fi
}

cmd_stop() {
    if ! load_state; then
        log "no test servers to stop (no $STATE_FILE)"
        return 0
    fi
    OS_USER=${OS_USER:-$(server_os_user)}
    stop_postgres "$SERVERS_DIR" "${PG_PID:-}"
    stop_mariadb "${MARIADB_PID:-}"
    remove_servers_dir "$SERVERS_DIR"
    rm -f "$STATE_FILE"
    log "stopped the test servers and removed $SERVERS_DIR"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    env) cmd_env ;;
    status) cmd_status ;;
    start-one) shift; cmd_start_one "$@" ;;
    stop-one) shift; cmd_stop_one "$@" ;;
    watch-one) shift; cmd_watch_one "$@" ;;
    -h | --help | help) usage ;;
    *) usage; exit 2 ;;
esac
