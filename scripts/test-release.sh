#!/usr/bin/env bash
# Tests a release tarball as a user would meet it: unpacked into an empty directory, run with
# nothing of the build on PATH and an empty environment, a SQLite database backed up (pages and
# logical), verified and restored; and `ldd` of the binary lists only system libraries (no Swift
# runtime, nothing from the build directory, nothing missing).
#
#   bash scripts/test-release.sh [TARBALL]     # default: the newest .build/dist/poolkit-*.tar.gz
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
tarball=${1:-$(ls -t .build/dist/poolkit-*.tar.gz 2>/dev/null | head -n 1)}
[[ -f $tarball ]] || { echo "test-release.sh: no tarball (run scripts/release.sh first)" >&2; exit 1; }
tarball=$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")

fail() { echo "test-release.sh: FAIL: $*" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/install" "$work/data"
tar -C "$work/install" -xzf "$tarball"
root=$(echo "$work"/install/poolkit-*)
poolkit=$root/bin/poolkit
[[ -x $poolkit ]] || fail "no bin/poolkit in the tarball"
for file in LICENSE README.md share/man/man1/poolkit.1 share/bash-completion/completions/poolkit \
    share/zsh/site-functions/_poolkit share/fish/vendor_completions.d/poolkit.fish; do
    [[ -s $root/$file ]] || fail "the tarball lacks $file"
done
grep -q "Apache License" "$root/LICENSE" || fail "LICENSE is not the Apache-2.0 text"

# Only system libraries: every one resolved under /lib or /usr/lib, none of Swift's runtime.
libraries=$(ldd "$poolkit")
echo "$libraries" | sed 's/^/  ldd: /' >&2
! grep -q "not found" <<<"$libraries" || fail "a library is missing"
! grep -Eq 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime' <<<"$libraries" || fail "the Swift runtime is linked dynamically"
while read -r line; do
    path=$(sed -n 's/.*=> \(\/[^ ]*\).*/\1/p' <<<"$line")
    [[ -z $path || $path == /lib/* || $path == /usr/lib/* || $path == /lib64/* ]] || fail "a library outside the system's directories: $line"
done <<<"$libraries"
for wanted in libpq libmariadb libsqlite3 libzstd libcrypto libc.so; do
    grep -q "$wanted" <<<"$libraries" || fail "ldd does not list $wanted"
done

# Nothing of the build on PATH, no environment but PATH and HOME.
run() { env -i PATH=/usr/bin:/bin HOME="$work/data" "$poolkit" "$@"; }
version=$(run --version)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+\ \(commit\ [0-9a-f]{7,}(-dirty)?\)$ ]] || fail "--version printed '$version'"

source_db=$work/data/source.db
sqlite3 "$source_db" "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT, price REAL, data BLOB);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
    INSERT INTO items SELECT i, 'item ' || i, i * 0.25, randomblob(64) FROM n;
    CREATE INDEX items_name ON items(name);"
digest() { sqlite3 "$1" "SELECT count(*), sum(price), group_concat(name), group_concat(hex(data)) FROM items;" | sha256sum; }
want=$(digest "$source_db")
for strategy in pages logical; do
    archive=$work/data/$strategy.poolkit
    run backup "sqlite://$source_db" --strategy "$strategy" -o "$archive" --quiet || fail "backup ($strategy) failed"
    run verify "$archive" --quiet || fail "verify ($strategy) failed"
    run restore "$archive" "sqlite://$work/data/restored-$strategy.db" --quiet || fail "restore ($strategy) failed"
    [[ $(digest "$work/data/restored-$strategy.db") == "$want" ]] || fail "the $strategy restore differs from the source"
done
# A pipe, as users compose it.
run backup "sqlite://$source_db" -o - --quiet | run restore - "sqlite://$work/data/piped.db" --quiet || fail "backup | restore failed"
[[ $(digest "$work/data/piped.db") == "$want" ]] || fail "the piped restore differs from the source"

echo "test-release.sh: ok: $(basename "$tarball") ($(du -h "$tarball" | cut -f1)), $version" >&2
