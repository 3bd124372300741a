#!/usr/bin/env bash
# Installs the Pulumi CLI in CI from its release tarball, checked against the SHA-256 recorded in
# .gitea/pulumi-cli.sha256 before anything in it runs: no `curl | sh`, no unverified binary.
# The workflows run this file (and read the checksum file) from the protected branch's checkout.
#
#   bash .gitea/install-pulumi.sh VERSION [CHECKSUM-FILE]
#
# Adds the CLI's directory to $GITHUB_PATH when the runner provides it.
set -euo pipefail

die() {
    echo "install-pulumi: $*" >&2
    exit 1
}

main() {
    local version="${1:?usage: install-pulumi.sh VERSION [CHECKSUM-FILE]}"
    local sums="${2:-$(dirname "$0")/pulumi-cli.sha256}"
    local tarball="pulumi-v$version-linux-x64.tar.gz"
    local url="${PULUMI_DOWNLOAD_BASE:-https://get.pulumi.com/releases/sdk}/$tarball"
    local expected
    expected="$(awk -v f="$tarball" '$2 == f && length($1) == 64 && $1 ~ /^[0-9a-f]+$/ { print $1 }' "$sums" 2>/dev/null || true)"
    [ -n "$expected" ] || die "no SHA-256 for $tarball in $sums; record it once from the release's checksums file (README, Checks that run for real) and commit it"

    local dir
    dir="$(mktemp -d)"
    curl -fsSL --retry 3 -o "$dir/$tarball" "$url" || die "could not download $url"
    echo "$expected  $dir/$tarball" | sha256sum -c --quiet - || die "$tarball does not match the SHA-256 in $sums ($expected); not installed"
    local dest="${PULUMI_HOME_DIR:-$HOME/.pulumi}"
    mkdir -p "$dest/bin"
    tar -xzf "$dir/$tarball" -C "$dest/bin" --strip-components=1
    rm -rf "$dir"
    "$dest/bin/pulumi" version
    if [ -n "${GITHUB_PATH:-}" ]; then echo "$dest/bin" >>"$GITHUB_PATH"; fi
}

main "$@"
