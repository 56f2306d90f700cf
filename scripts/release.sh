#!/usr/bin/env bash
# Builds the release tarball of the poolkit command-line tool:
#
#   bash scripts/release.sh [OUTPUT_DIR]      # default: .build/dist
#
# dist/poolkit-<version>-linux-<arch>.tar.gz holds
#   poolkit-<version>/bin/poolkit                     release build, Swift runtime linked statically
#   poolkit-<version>/share/man/man1/poolkit*.1       man pages (ArgumentParser's generate-manual)
#   poolkit-<version>/share/bash-completion/completions/poolkit
#   poolkit-<version>/share/zsh/site-functions/_poolkit
#   poolkit-<version>/share/fish/vendor_completions.d/poolkit.fish
#   poolkit-<version>/LICENSE, README.md
# The binary still links the system's C client libraries (libpq, libmariadb, libsqlite3, libzstd,
# libcrypto, and libstdc++ for the static Swift runtime): on the target machine, install
# libpq5 libmariadb3 libsqlite3-0 libzstd1 libssl3 libstdc++6.
# The version is PoolKitVersion.current (the one written into archives); the commit is passed to
# the build as a C macro, so `poolkit --version` names it.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
output_dir=${1:-.build/dist}

version=$(sed -n 's/.*public static let current = "\(.*\)".*/\1/p' Sources/PoolKit/Backup/BackupEngine.swift)
[[ -n $version ]] || { echo "release.sh: could not read PoolKitVersion.current" >&2; exit 1; }
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [[ $commit != unknown ]] && ! git diff --quiet HEAD -- Sources Package.swift Package.resolved 2>/dev/null; then
    commit="$commit-dirty"
fi
arch=$(uname -m)
name=poolkit-$version
echo "release.sh: building poolkit $version (commit $commit) for linux-$arch" >&2

swift build -c release --product poolkit --static-swift-stdlib -Xcc "-DPOOLKIT_COMMIT=\"$commit\""
binary=$(swift build -c release --product poolkit --static-swift-stdlib -Xcc "-DPOOLKIT_COMMIT=\"$commit\"" --show-bin-path)/poolkit

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
root=$staging/$name
mkdir -p "$root/bin" "$root/share/man/man1" "$root/share/bash-completion/completions" \
    "$root/share/zsh/site-functions" "$root/share/fish/vendor_completions.d"
install -m 0755 "$binary" "$root/bin/poolkit"
strip "$root/bin/poolkit"

# Man pages: the generate-manual tool of ArgumentParser's GenerateManual plugin, run on the release
# binary (the plugin itself would build the whole package a second time).
swift build --product generate-manual
"$(swift build --show-bin-path)/generate-manual" "$root/bin/poolkit" --output-directory "$root/share/man/man1"

"$root/bin/poolkit" --generate-completion-script bash >"$root/share/bash-completion/completions/poolkit"
"$root/bin/poolkit" --generate-completion-script zsh >"$root/share/zsh/site-functions/_poolkit"
"$root/bin/poolkit" --generate-completion-script fish >"$root/share/fish/vendor_completions.d/poolkit.fish"
cp LICENSE README.md "$root/"

mkdir -p "$output_dir"
tarball=$output_dir/$name-linux-$arch.tar.gz
tar -C "$staging" -czf "$tarball" "$name"
echo "release.sh: wrote $tarball ($(du -h "$tarball" | cut -f1))" >&2
echo "$tarball"
