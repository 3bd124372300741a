#!/usr/bin/env bash
# Runs when a node leaves the estate (its membership command is deleted), on that node, before
# its server is deleted: cordon and drain it, then delete its Node object. k3s then removes the
# node's etcd member and node password, so the remaining servers keep a clean quorum and a
# rebuilt node of the same name can join again.
#
#   bash -s -- --node NAME
#
# Idempotent: a node that never joined, or whose Node object is gone, needs nothing.
# Environment: DRAIN_TIMEOUT (300 s).
set -euo pipefail

die() {
    echo "drain-node: $*" >&2
    exit 1
}

main() {
    local node="" out timeout="${DRAIN_TIMEOUT:-300}"
    while [ $# -gt 0 ]; do
        case "$1" in
            --node) node="${2:?--node needs a value}"; shift 2 ;;
            *) die "unknown argument '$1'; expected --node NAME" ;;
        esac
    done
    [ -n "$node" ] || die "missing --node NAME"

    if ! command -v k3s >/dev/null 2>&1; then
        echo "$node: k3s is not installed; nothing to drain"
        return 0
    fi
    if ! out="$(k3s kubectl get node "$node" -o name 2>&1)"; then
        case "$out" in
            *NotFound* | *"not found"*)
                echo "$node: no Node object; nothing to drain"
                return 0
                ;;
            *) die "cannot reach the cluster to drain $node: ${out:0:200}" ;;
        esac
    fi
    k3s kubectl drain "$node" --ignore-daemonsets --delete-emptydir-data --timeout="${timeout}s" ||
        die "could not drain $node within ${timeout}s (a PodDisruptionBudget or a stuck pod?); fix it and run 'pulumi up' again"
    k3s kubectl delete node "$node" --timeout="${timeout}s" || die "could not delete the Node object $node"
    echo "$node: drained and removed from the cluster"
}

main "$@"; exit $?
