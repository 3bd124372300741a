#!/usr/bin/env bash
# Installs the Pulumi CLI in CI from its release tarball, checked against the SHA-256 recorded in
# .gitea/pulumi-cli.sha256 before anything in it runs: no `curl | sh`, no unverified binary.
# The workflows run this file (and read the checksum file) from the protected branch's checkout.
#
#   bash .gitea/install-pulumi.sh VERSION [CHECKSUM-FILE]
#
# Adds the CLI's directory to $GITHUB_PATH when the runner provides it.
set -euo pipefail
# shellcheck source=verified-download.sh source-path=SCRIPTDIR
. "$(dirname "$0")/verified-download.sh"

die() {
    echo "install-pulumi: $*" >&2
    exit 1
}

main() {
    local version="${1:?usage: install-pulumi.sh VERSION [CHECKSUM-FILE]}"
    local sums="${2:-$(dirname "$0")/pulumi-cli.sha256}"
    local tarball="pulumi-v$version-linux-x64.tar.gz"
    local url="${PULUMI_DOWNLOAD_BASE:-https://get.pulumi.com/releases/sdk}/$tarball"
    local dir
    dir="$(mktemp -d)"
    verified_download "$url" "$tarball" "$sums" "$dir/$tarball"
    local dest="${PULUMI_HOME_DIR:-$HOME/.pulumi}"
    mkdir -p "$dest/bin"
    tar -xzf "$dir/$tarball" -C "$dest/bin" --strip-components=1
    rm -rf "$dir"
    "$dest/bin/pulumi" version
    if [ -n "${GITHUB_PATH:-}" ]; then echo "$dest/bin" >>"$GITHUB_PATH"; fi
}

main "$@"
