#!/usr/bin/env bash
# Fidelity check on PostgreSQL's own regression database: what `make installcheck` leaves behind
# (the database pg_upgrade's and pg_dump's own tests use, ~1,800 objects of every kind). It
#
#   1. fetches the PostgreSQL 15 sources with `apt-get source` (a private apt configuration in a
#      temporary directory: the machine's apt sources are not changed) and builds the regression
#      tests' C library (regress.so) with pgxs (postgresql-server-dev-15, see scripts/bootstrap.sh);
#   2. creates the database regression (the name some tests use) on the test server and runs src/test/regress's
#      parallel_schedule in it with pg_regress --use-existing (a few tests fail there because they
#      write server-side files or expect a fresh cluster: their objects are still left behind);
#   3. takes pg_dump -Fc | pg_restore's result as the baseline (its own differences to the source);
#   4. round-trips the database with poolkit at each --jobs, through a file and through a pipe, and
#      compares each target with the source object by object (pg_dump --schema-only, split at each
#      object's header) and row by row (a digest of each table's rows, sequences, large objects),
#      with scripts/compare-postgres-databases.py;
#   5. restores once more with --clean over the last round's target, and compares again.
#
# It fails (exit 1) when a backup or restore exits non-zero or when a round trip has a difference
# that pg_dump | pg_restore does not have.
#
#   bash scripts/check-postgres-regression.sh                       # --jobs 1 2 4 8, file and pipe
#   bash scripts/check-postgres-regression.sh --jobs "1 4" --modes file --keep
#
# Uses the server of $POOLKIT_TEST_POSTGRES_URL when set (as scripts/test-servers.sh prints it),
# otherwise starts the disposable test servers for this checkout and stops them at the end.
# POOLKIT=/path/to/poolkit skips the build. PG_SOURCE=/path/to/postgresql-15.x reuses an unpacked
# source tree. REUSE=1 keeps an already loaded regression database. --keep keeps the work directory
# (dumps, logs, each round's differences) and the databases. --load tap loads pg_dump's own test
# database instead (src/bin/pg_dump/t/002_pg_dump.pl's create_sql, in its create_order), --load
# contrib:MODULE a contrib module's regression tests (e.g. contrib:earthdistance); --source DATABASE
# checks an existing database of the test server (neither loaded nor dropped).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

JOBS_LIST="1 2 4 8"
MODES="file pipe"
KEEP=0
SOURCE=""
LOAD_KIND=regression
while [[ $# -gt 0 ]]; do
    case $1 in
        --source) SOURCE=$2; shift 2 ;;
        --load) LOAD_KIND=$2; shift 2 ;;
        --jobs) JOBS_LIST=$2; shift 2 ;;
        --modes) MODES=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        *) echo "usage: $0 [--jobs \"1 2 4 8\"] [--modes \"file pipe\"] [--keep] [--load regression|tap|contrib:MODULE | --source DATABASE]" >&2; exit 2 ;;
    esac
done

bash scripts/bootstrap.sh
PGXS=$(pg_config --pgxs)
PG_REGRESS=$(dirname "$PGXS")/../test/regress/pg_regress
for tool in pg_dump pg_restore psql python3 make gcc "$PG_REGRESS"; do
    command -v "$tool" >/dev/null || { echo "check-postgres-regression.sh: $tool is missing (scripts/bootstrap.sh installs it)" >&2; exit 1; }
done
[[ -f $(pg_config --includedir-server)/postgres.h ]] || {
    echo "check-postgres-regression.sh: the server headers are missing (postgresql-server-dev-15)" >&2; exit 1; }

W=$(mktemp -d -t poolkit-pg-regress.XXXXXX)
# The server reads the tests' data files and regress.so from here, as another user.
chmod 755 "$W"
source scripts/use-test-servers.sh
cleanup() {
    if [[ $KEEP == 1 ]]; then echo "kept $W" >&2; else rm -rf "$W"; fi
    stop_started_test_servers
}
trap cleanup EXIT
use_test_servers
need_poolkit debug

# The password goes to the tools through PGPASSWORD (libpq reads it, poolkit too), never on a
# command line that this script prints.
URL=${POOLKIT_TEST_POSTGRES_URL%%\?*}
if [[ $URL =~ ^([a-z]+://)([^:@/]+):([^@/]*)@(.*)$ ]]; then
    export PGPASSWORD="${BASH_REMATCH[3]}"
    URL="${BASH_REMATCH[1]}${BASH_REMATCH[2]}@${BASH_REMATCH[4]}"
fi
if [[ ! $URL =~ ^[a-z]+://([^@/]+)@([^:/]+):([0-9]+)/ ]]; then
    echo "check-postgres-regression.sh: cannot read user, host and port from the test server's URL" >&2; exit 1
fi
PG_USER=${BASH_REMATCH[1]} PG_HOST=${BASH_REMATCH[2]} PG_PORT=${BASH_REMATCH[3]}
BASE=${URL%/*}
case $LOAD_KIND in
    regression) LOADED_DB=regression ;;
    tap) LOADED_DB=pk_dump_tap ;;
    contrib:?*) LOADED_DB="pk_contrib_${LOAD_KIND#contrib:}"; LOADED_DB=${LOADED_DB//-/_} ;;
    *) echo "check-postgres-regression.sh: --load takes regression, tap or contrib:MODULE" >&2; exit 2 ;;
esac
SRC_DB=${SOURCE:-$LOADED_DB} PGR_DB=pk_regress_pgr TGT_DB=pk_regress_tgt
COMPARE="python3 scripts/compare-postgres-databases.py"

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 "$URL" "$@"; }
# A database with subscriptions cannot be dropped: they are disabled and detached from their
# slot first (none has one the publisher knows: the archive's are created without).
drop_database() {
    local sub
    for sub in $(psql -X -A -t "$BASE/$1" -c "SELECT quote_ident(subname) FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())" 2>/dev/null); do
        psql -X -q "$BASE/$1" -c "ALTER SUBSCRIPTION $sub DISABLE" -c "ALTER SUBSCRIPTION $sub SET (slot_name = NONE)" -c "DROP SUBSCRIPTION $sub" >/dev/null
    done
    psql_admin -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)"
}
recreate() { drop_database "$1"; psql_admin -c "CREATE DATABASE $1 TEMPLATE template0"; }

LOAD=0
if [[ -z $SOURCE ]] && { [[ ${REUSE:-0} != 1 ]] || ! psql -X -q "$BASE/$SRC_DB" -c "SELECT 1" >/dev/null 2>&1; }; then
    LOAD=1
fi
if [[ $LOAD == 1 ]]; then
    if [[ -z ${PG_SOURCE:-} ]]; then
        echo "fetching the PostgreSQL 15 sources (apt-get source postgresql-15)" >&2
        mkdir -p "$W/apt/lists/partial" "$W/apt/parts" "$W/apt/cache/archives/partial" "$W/src"
        cat > "$W/apt/parts/debian-src.sources" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
        apt_private=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$W/apt/parts"
                     -o "Dir::State::Lists=$W/apt/lists" -o "Dir::Cache=$W/apt/cache" -o APT::Sandbox::User=root)
        apt-get -qq "${apt_private[@]}" update >&2
        (cd "$W/src" && apt-get -qq "${apt_private[@]}" source --download-only postgresql-15 >&2)
        tar -xjf "$W"/src/postgresql-15_*.orig.tar.bz2 -C "$W/src" --wildcards '*/src/test/regress/*' '*/contrib/*' \
            '*/src/bin/pg_dump/t/*'
        PG_SOURCE=$(echo "$W"/src/postgresql-15.*/)
    fi
    REGRESS_DIR="${PG_SOURCE%/}/src/test/regress"
    [[ -f $REGRESS_DIR/parallel_schedule ]] || { echo "check-postgres-regression.sh: no regression suite in $PG_SOURCE" >&2; exit 1; }

    # The C functions the tests load: regress.so, and contrib/spi's refint.so and autoinc.so (the
    # triggers test), as `make installcheck` builds them.
    echo "building regress.so, refint.so and autoinc.so with pgxs" >&2
    mkdir -p "$W/lib"
    cp "$REGRESS_DIR/regress.c" "${PG_SOURCE%/}/contrib/spi/refint.c" "${PG_SOURCE%/}/contrib/spi/autoinc.c" "$W/lib/"
    printf 'MODULES = regress refint autoinc\nPGXS := %s\ninclude $(PGXS)\n' "$PGXS" > "$W/lib/Makefile"
    make -s -C "$W/lib" with_llvm=no >&2
    # pg_regress writes its results here and the server (another user) writes some tests' files
    # into results/.
    mkdir -p "$W/regress/results" && chmod 777 "$W/regress" "$W/regress/results"
    recreate $SRC_DB
    # Roles an earlier run's tests left behind (they are the cluster's) would make this run's
    # CREATE ROLE fail and change what the tests leave: dropped with what they own first.
    for db in $PGR_DB $TGT_DB; do drop_database $db; done
    while IFS= read -r -d '' role; do
        psql -X -q "$BASE/$SRC_DB" -c "DROP OWNED BY $role" -c "DROP ROLE $role" >/dev/null 2>&1 \
            || echo "check-postgres-regression.sh: could not drop the leftover role $role (it owns objects elsewhere)" >&2
    done < <(psql -X -A -t -0 "$URL" -c "SELECT quote_ident(rolname) FROM pg_roles WHERE rolname LIKE 'regress\_%'")
    case $LOAD_KIND in
        regression)
            echo "loading the regression database (parallel_schedule)" >&2
            "$PG_REGRESS" --use-existing --host="$PG_HOST" --port="$PG_PORT" --user="$PG_USER" --dbname=$SRC_DB \
                --inputdir="$REGRESS_DIR" --outputdir="$W/regress" --dlpath="$W/lib" \
                --schedule="$REGRESS_DIR/parallel_schedule" --max-connections=4 > "$W/regress.log" 2>&1 || true
            ;;
        tap)
            # pg_dump's own test database: every test's create_sql of src/bin/pg_dump/t/002_pg_dump.pl
            # for the database postgres, in create_order, as the test runs them (perl reads the
            # test's own definitions; the part that starts a cluster is left out).
            echo "loading pg_dump's test database (002_pg_dump.pl's create_sql)" >&2
            tap="${PG_SOURCE%/}/src/bin/pg_dump/t/002_pg_dump.pl"
            {
                echo 'use strict; no warnings; my $tempdir = "/tmp"; my $port = 5432;'
                sed -n '/^my %pgdump_runs = (/,/^# Create a PG instance to test actually dumping from/p' "$tap"
                cat <<'PERL'
foreach my $test (sort { ($tests{$a}->{create_order} // 0) <=> ($tests{$b}->{create_order} // 0) or $a cmp $b } keys %tests) {
    next unless $tests{$test}->{create_sql} && !defined($tests{$test}->{database});
    print "-- $test\n$tests{$test}->{create_sql};\n";
}
PERL
            } > "$W/tap.pl"
            perl "$W/tap.pl" > "$W/tap.sql"
            psql -X -q "$BASE/$SRC_DB" -f "$W/tap.sql" > "$W/regress.log" 2>&1 || true
            echo "  $(grep -c 'ERROR' "$W/regress.log" || true) statements failed (roles and databases of the cluster that exist already)" >&2
            ;;
        contrib:*)
            module=${LOAD_KIND#contrib:}
            dir="${PG_SOURCE%/}/contrib/$module"
            [[ -d $dir ]] || { echo "check-postgres-regression.sh: no contrib module $module" >&2; exit 1; }
            tests=$(sed -e :a -e '/\\$/N; s/\\\n//; ta' "$dir/Makefile" | sed -n 's/^REGRESS *= *//p')
            [[ -n $tests ]] || { echo "check-postgres-regression.sh: contrib/$module has no regression tests" >&2; exit 1; }
            echo "loading contrib/$module's regression tests ($tests)" >&2
            (cd "$dir" && "$PG_REGRESS" --use-existing --host="$PG_HOST" --port="$PG_PORT" --user="$PG_USER" \
                --dbname=$SRC_DB --inputdir=. --outputdir="$W/regress" --dlpath="$W/lib" $tests > "$W/regress.log" 2>&1) || true
            ;;
    esac
    grep -E '^ *(test |)[a-z_0-9.]+ +\.\.\. FAILED' "$W/regress.log" | sed 's/^ */  test failed (its objects stay): /' >&2 || true
    grep -E 'tests (passed|failed)' "$W/regress.log" >&2 || true
fi

$COMPARE snapshot "$BASE/$SRC_DB" "$W/source.json" | sed 's/^/source: /' >&2
echo "source: $(psql -X -A -t "$BASE/$SRC_DB" -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%'") relations" >&2

echo "baseline: pg_dump -Fc | pg_restore" >&2
recreate $PGR_DB
pgr_rc=0
pg_dump -Fc -d "$BASE/$SRC_DB" -f "$W/baseline.dump"
pg_restore -d "$BASE/$PGR_DB" "$W/baseline.dump" > "$W/pg_restore.log" 2>&1 || pgr_rc=$?
$COMPARE snapshot "$BASE/$PGR_DB" "$W/pg_restore.json" >/dev/null
$COMPARE diff "$W/source.json" "$W/pg_restore.json" > "$W/baseline.diff"
echo "baseline: pg_restore exit $pgr_rc, $(grep -c . "$W/baseline.diff" || true) differences:" >&2
grep . "$W/baseline.diff" | sed 's/^/  /' >&2 || true

failed=0
printf '%-5s %-5s %-7s %-8s %-12s %-12s %s\n' jobs mode backup restore differences "not in pg's" "not carried" > "$W/summary"
for jobs in $JOBS_LIST; do
    for mode in $MODES; do
        tag="j$jobs-$mode"
        recreate $TGT_DB
        b_rc=0 r_rc=0
        if [[ $mode == file ]]; then
            "$POOLKIT" backup "$BASE/$SRC_DB" -o "$W/$tag.poolkit" --jobs "$jobs" --quiet 2> "$W/$tag.backup.log" || b_rc=$?
            if [[ $b_rc == 0 ]]; then
                "$POOLKIT" restore "$W/$tag.poolkit" "$BASE/$TGT_DB" --jobs "$jobs" --quiet 2> "$W/$tag.restore.log" || r_rc=$?
            fi
            rm -f "$W/$tag.poolkit"
        else
            set +e
            "$POOLKIT" backup "$BASE/$SRC_DB" -o - --jobs "$jobs" --quiet 2> "$W/$tag.backup.log" \
                | "$POOLKIT" restore - "$BASE/$TGT_DB" --jobs "$jobs" --quiet 2> "$W/$tag.restore.log"
            statuses=("${PIPESTATUS[@]}")
            set -e
            b_rc=${statuses[0]} r_rc=${statuses[1]}
        fi
        $COMPARE snapshot "$BASE/$TGT_DB" "$W/$tag.json" >/dev/null
        $COMPARE diff "$W/source.json" "$W/$tag.json" > "$W/$tag.diff"
        grep -vxF -f "$W/baseline.diff" "$W/$tag.diff" > "$W/$tag.extra" || true
        n_diff=$(grep -c . "$W/$tag.diff" || true)
        n_extra=$(grep -c . "$W/$tag.extra" || true)
        n_omitted=$(grep -c 'not carried' "$W/$tag.backup.log" || true)
        printf '%-5s %-5s %-7s %-8s %-12s %-12s %s\n' "$jobs" "$mode" "$b_rc" "$r_rc" "$n_diff" "$n_extra" "$n_omitted" >> "$W/summary"
        if [[ $b_rc != 0 || $r_rc != 0 || $n_extra != 0 ]]; then
            failed=1
            echo "round $tag: backup exit $b_rc, restore exit $r_rc; differences pg_restore does not have:" >&2
            sed 's/^/  /' "$W/$tag.extra" >&2
            tail -n 5 "$W/$tag.backup.log" "$W/$tag.restore.log" | sed 's/^/  /' >&2
        fi
    done
done
# Last, --clean: the archive restored once more over the last round's target, which has all its objects.
last_jobs=${JOBS_LIST##* }
"$POOLKIT" backup "$BASE/$SRC_DB" -o "$W/clean.poolkit" --jobs "$last_jobs" --quiet 2> "$W/clean.backup.log" || { failed=1; echo "clean round: backup failed" >&2; }
c_rc=0
"$POOLKIT" restore "$W/clean.poolkit" "$BASE/$TGT_DB" --clean --jobs "$last_jobs" --quiet 2> "$W/clean.restore.log" || c_rc=$?
rm -f "$W/clean.poolkit"
$COMPARE snapshot "$BASE/$TGT_DB" "$W/clean.json" >/dev/null
$COMPARE diff "$W/source.json" "$W/clean.json" > "$W/clean.diff"
grep -vxF -f "$W/baseline.diff" "$W/clean.diff" > "$W/clean.extra" || true
printf '%-5s %-5s %-7s %-8s %-12s %-12s %s\n' "$last_jobs" clean 0 "$c_rc" "$(grep -c . "$W/clean.diff" || true)" \
    "$(grep -c . "$W/clean.extra" || true)" "$(grep -c 'not carried' "$W/clean.backup.log" || true)" >> "$W/summary"
if [[ $c_rc != 0 || -s $W/clean.extra ]]; then
    failed=1
    echo "--clean round: restore exit $c_rc; differences pg_restore does not have:" >&2
    sed 's/^/  /' "$W/clean.extra" >&2
    tail -n 5 "$W/clean.restore.log" | sed 's/^/  /' >&2
fi

grep -h 'not carried' "$W"/*.backup.log 2>/dev/null | sort -u | sed 's/^/  /' >&2 || true
cat "$W/summary"
if [[ $KEEP != 1 ]]; then
    for db in $([[ -z $SOURCE ]] && echo $SRC_DB) $PGR_DB $TGT_DB; do drop_database $db; done
fi
exit $failed
