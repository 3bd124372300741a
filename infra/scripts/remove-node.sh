#!/usr/bin/env bash
# Runs on a SURVIVING server when another node leaves the estate, after that node was drained and
# its k3s stopped (drain-node.sh), before its server is deleted: deletes its Node object. k3s then
# removes the node's etcd member (pkg/etcd/member_controller.go, onRemove) and its node password
# (owned by the Node), so the remaining servers keep a clean quorum and a rebuilt server of the
# same name can join (k3s refuses a "duplicate node name" otherwise, pkg/etcd/etcd.go).
#
#   bash -s -- --node NAME --from SURVIVOR
#
# Idempotent: a Node object that is already gone needs nothing.
# Environment: REMOVE_TIMEOUT (120 s), READY_TIMEOUT (300 s), POLL_INTERVAL (5 s).
set -euo pipefail

NODE=""
FROM=""

die() {
    echo "remove-node[$NODE from ${FROM:-?}]: $*" >&2
    exit 1
}

# This server's API answers /readyz (etcd with quorum), within READY_TIMEOUT.
wait_ready() {
    local timeout="${READY_TIMEOUT:-300}" interval="${POLL_INTERVAL:-5}" answer="" why="$1"
    local deadline=$((SECONDS + timeout))
    while :; do
        answer="$(k3s kubectl --request-timeout=10s get --raw /readyz 2>&1 || true)"
        [ "$answer" = ok ] && return 0
        if [ "$SECONDS" -ge "$deadline" ]; then
            die "the API server on $FROM is not ready after ${timeout}s $why (last /readyz answer: '${answer:0:200}'); see 'journalctl -u k3s -n 100' on $FROM"
        fi
        sleep "$interval"
    done
}

main() {
    local out timeout="${REMOVE_TIMEOUT:-120}"
    while [ $# -gt 0 ]; do
        case "$1" in
            --node) NODE="${2:?--node needs a value}"; shift 2 ;;
            --from) FROM="${2:?--from needs a value}"; shift 2 ;;
            *) die "unknown argument '$1'; expected --node NAME --from SURVIVOR" ;;
        esac
    done
    if [ -z "$NODE" ] || [ -z "$FROM" ]; then die "usage: --node NAME --from SURVIVOR"; fi
    [ "$NODE" != "$FROM" ] || die "a node's Node object is never deleted from its own API server"

    if ! command -v k3s >/dev/null 2>&1; then
        echo "$NODE: k3s is not installed on $FROM; no cluster to remove it from"
        return 0
    fi
    wait_ready "before deleting the Node object $NODE"
    if ! out="$(k3s kubectl --request-timeout=30s get node "$NODE" -o name 2>&1)"; then
        case "$out" in
            *NotFound* | *"not found"*)
                echo "$NODE: no Node object; nothing to remove"
                return 0
                ;;
            *) die "cannot read the Node object $NODE: ${out:0:200}; see 'journalctl -u k3s -n 100' on $FROM" ;;
        esac
    fi
    k3s kubectl delete node "$NODE" --timeout="${timeout}s" ||
        die "the Node object $NODE was not deleted within ${timeout}s; see 'k3s kubectl get node $NODE -o yaml' (finalizers?) on $FROM"
    wait_ready "after deleting the Node object $NODE (etcd drops its member)"
    echo "$NODE: Node object deleted from $FROM; k3s removes its etcd member and node password"
}

main "$@"; exit $?
