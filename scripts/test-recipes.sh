#!/usr/bin/env bash
# The recipes of docs/recipes.md, run with the real tools: encryption at rest with age and with
# gpg --symmetric, a copy through pv, an archive sent over ssh (a loopback sshd this script starts
# under a throwaway key), verified there and restored from `ssh host cat`. Each restore is compared
# with its source. Prints the throughput of a backup into age against one into nothing.
#
#   bash scripts/test-recipes.sh            # uses .build/debug/poolkit (or $POOLKIT_BIN)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
poolkit=${POOLKIT_BIN:-$PWD/.build/debug/poolkit}
[[ -x $poolkit ]] || { echo "test-recipes.sh: $poolkit not built (swift build)" >&2; exit 1; }
for tool in age age-keygen gpg pv ssh ssh-keygen /usr/sbin/sshd sqlite3; do
    command -v "$tool" >/dev/null || { echo "test-recipes.sh: missing $tool: run scripts/bootstrap.sh" >&2; exit 1; }
done

work=$(mktemp -d)
sshd_pid=
cleanup() {
    [[ -n $sshd_pid ]] && kill "$sshd_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "test-recipes.sh: FAIL: $*" >&2; exit 1; }
say() { echo "test-recipes.sh: $*" >&2; }

source_db=$work/source.db
sqlite3 "$source_db" "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT, data BLOB);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
    INSERT INTO items SELECT i, 'item ' || i, randomblob(200) FROM n;"
digest() { sqlite3 "$1" "SELECT count(*), group_concat(name), group_concat(hex(data)) FROM items;" | sha256sum; }
want=$(digest "$source_db")
check() { [[ $(digest "$1") == "$want" ]] || fail "$2: the restored database differs from the source"; say "ok: $2"; }
src=sqlite://$source_db

# Encryption at rest: age.
age-keygen -o "$work/age.key" 2>/dev/null
recipient=$(age-keygen -y "$work/age.key")
"$poolkit" backup "$src" -o - --quiet | age -r "$recipient" >"$work/x.age"
! grep -q "item 1" "$work/x.age" || fail "age: the encrypted file holds plain rows"
age -d -i "$work/age.key" "$work/x.age" | "$poolkit" restore - "sqlite://$work/age.db" --quiet
check "$work/age.db" "age -r / age -d"

# Encryption at rest: gpg --symmetric in batch mode (the passphrase from a file, never argv).
export GNUPGHOME=$work/gnupg
mkdir -m 700 "$GNUPGHOME"
head -c 32 /dev/urandom | base64 >"$work/passphrase"
gpg_batch=(gpg --batch --quiet --pinentry-mode loopback --passphrase-file "$work/passphrase")
"$poolkit" backup "$src" -o - --quiet | "${gpg_batch[@]}" --symmetric --cipher-algo AES256 -o "$work/x.gpg"
"${gpg_batch[@]}" --decrypt "$work/x.gpg" | "$poolkit" restore - "sqlite://$work/gpg.db" --quiet
check "$work/gpg.db" "gpg --symmetric / --decrypt"

# Copy without a file, with pv for a rate.
"$poolkit" backup "$src" -o - --quiet | pv -f -b 2>"$work/pv.log" | "$poolkit" restore - "sqlite://$work/pv.db" --quiet
grep -q "[0-9]" "$work/pv.log" || fail "pv reported nothing"
check "$work/pv.db" "backup | pv | restore"

# Over ssh to another host: a loopback sshd on a free port, host and user keys made here.
mkdir -p "$work/ssh" /run/sshd 2>/dev/null || mkdir -p "$work/ssh"
ssh-keygen -q -t ed25519 -N "" -f "$work/ssh/host_key"
ssh-keygen -q -t ed25519 -N "" -f "$work/ssh/user_key"
cp "$work/ssh/user_key.pub" "$work/ssh/authorized_keys"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/ssh/sshd_config" <<CONFIG
ListenAddress 127.0.0.1
Port $port
HostKey $work/ssh/host_key
AuthorizedKeysFile $work/ssh/authorized_keys
PidFile $work/ssh/sshd.pid
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
CONFIG
/usr/sbin/sshd -D -e -f "$work/ssh/sshd_config" 2>"$work/ssh/sshd.log" &
sshd_pid=$!
remote() {
    ssh -q -i "$work/ssh/user_key" -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o BatchMode=yes "$(id -un)@127.0.0.1" "$@"
}
for _ in $(seq 1 100); do remote true 2>/dev/null && break; sleep 0.1; done
remote true || { cat "$work/ssh/sshd.log" >&2; fail "the loopback sshd does not accept the test key"; }
"$poolkit" backup "$src" -o - --quiet | remote "cat > '$work/remote.poolkit'"
remote "'$poolkit' verify '$work/remote.poolkit' --quiet" || fail "poolkit verify on the remote file"
remote "cat '$work/remote.poolkit'" | "$poolkit" restore - "sqlite://$work/ssh.db" --quiet
check "$work/ssh.db" "backup | ssh host 'cat > x'; ssh host poolkit verify; ssh host cat x | restore"

# What encryption costs: bytes of data per second into nothing, and into age (best of 3 runs, as
# the machine may be busy).
rate() {
    local start end best=0 current
    for _ in 1 2 3; do
        start=$(date +%s.%N)
        "$@"
        end=$(date +%s.%N)
        current=$(echo "scale=1; $(stat -c %s "$source_db") / ($end - $start) / 1000000" | bc)
        if (($(echo "$current > $best" | bc))); then best=$current; fi
    done
    echo "$best"
}
plain=$(rate sh -c "'$poolkit' backup '$src' -o - --quiet >/dev/null")
aged=$(rate sh -c "'$poolkit' backup '$src' -o - --quiet | age -r '$recipient' >/dev/null")
say "throughput ($(du -h "$source_db" | cut -f1) SQLite database): backup -o - > /dev/null $plain MB/s; | age -r $aged MB/s"
say "all recipes passed"
