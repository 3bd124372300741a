#!/usr/bin/env bash
# Verifies one server after its install, join or upgrade: its Node is Ready and runs the pinned
# version. The next server's join waits for this, so servers join (and upgrade) one at a time.
#
#   bash -s -- --node NAME --version vX.Y.Z+k3sN
#
# Environment: NODE_READY_TIMEOUT (600 s), POLL_INTERVAL (5 s).
set -euo pipefail

die() {
    echo "node-ready: $*" >&2
    exit 1
}

main() {
    local node="" version="" answer=""
    while [ $# -gt 0 ]; do
        case "$1" in
            --node) node="${2:?--node needs a value}"; shift 2 ;;
            --version) version="${2:?--version needs a value}"; shift 2 ;;
            *) die "unknown argument '$1'; expected --node NAME --version VERSION" ;;
        esac
    done
    if [ -z "$node" ] || [ -z "$version" ]; then die "usage: --node NAME --version VERSION"; fi
    command -v k3s >/dev/null 2>&1 || die "$node: k3s is not installed"

    local timeout="${NODE_READY_TIMEOUT:-600}" interval="${POLL_INTERVAL:-5}"
    local deadline=$((SECONDS + timeout))
    local want="True $version"
    while :; do
        answer="$(k3s kubectl --request-timeout=10s get node "$node" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.nodeInfo.kubeletVersion}' 2>&1 || true)"
        if [ "$answer" = "$want" ]; then
            echo "$node: Ready on $version"
            return 0
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            die "$node is not Ready on $version after ${timeout}s (last answer: '${answer:0:200}', expected '$want'); see 'k3s kubectl describe node $node' and 'journalctl -u k3s -n 100'"
        fi
        sleep "$interval"
    done
}

main "$@"; exit $?
