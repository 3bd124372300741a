#!/usr/bin/env bash
# Installs kubectl in CI (the end-to-end run's kubeconfig check) from its release binary, checked
# against the SHA-256 recorded in .gitea/kubectl.sha256 before it runs.
#
#   bash .gitea/install-kubectl.sh VERSION [CHECKSUM-FILE]     (VERSION like v1.34.6)
#
# Adds the binary's directory to $GITHUB_PATH when the runner provides it.
set -euo pipefail
# shellcheck source=verified-download.sh source-path=SCRIPTDIR
. "$(dirname "$0")/verified-download.sh"

die() {
    echo "install-kubectl: $*" >&2
    exit 1
}

main() {
    local version="${1:?usage: install-kubectl.sh VERSION [CHECKSUM-FILE]}"
    local sums="${2:-$(dirname "$0")/kubectl.sha256}"
    [[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "version $version: expected vMAJOR.MINOR.PATCH, e.g. v1.34.6 (k3sVersion without +k3sN)"
    local name="kubectl-$version-linux-amd64"
    local dest="${KUBECTL_DIR:-$HOME/.local/kubectl}"
    local dir
    dir="$(mktemp -d)"
    verified_download "${KUBECTL_DOWNLOAD_BASE:-https://dl.k8s.io/release}/$version/bin/linux/amd64/kubectl" "$name" "$sums" "$dir/kubectl"
    mkdir -p "$dest"
    install -m 0755 "$dir/kubectl" "$dest/kubectl"
    rm -rf "$dir"
    "$dest/kubectl" version --client
    if [ -n "${GITHUB_PATH:-}" ]; then echo "$dest" >>"$GITHUB_PATH"; fi
}

main "$@"
