#!/usr/bin/env bash
# Runs on a node that leaves the estate (its server replaced or removed), on that node, first:
# cordon and drain it through its own API server, then stop k3s, so nothing runs here when a
# surviving server deletes the Node object (remove-node.sh) and k3s drops the etcd member. The
# Node is never deleted from here: a removed member that keeps running rejoins, or on node 1
# starts a cluster of its own (k3s-io/k3s#13623).
#
#   bash -s -- --node NAME
#
# Idempotent: a node without k3s, whose k3s already stopped, or whose Node object is gone, only
# gets what is left to do. A node whose k3s is down is not drained (its pods are not running;
# they are rescheduled once its Node object is deleted).
# Environment: DRAIN_TIMEOUT (300 s), SYSTEMCTL_TIMEOUT (90 s).
set -euo pipefail

NODE=""

die() {
    echo "drain-node[${NODE:-?}]: $*" >&2
    exit 1
}

# Whether k3s runs here; a systemctl that does not answer is an error, not "stopped".
k3s_running() {
    local rc=0
    timeout "${SYSTEMCTL_TIMEOUT:-90}" systemctl is-active --quiet k3s || rc=$?
    [ "$rc" -ne 124 ] || die "systemctl did not answer within ${SYSTEMCTL_TIMEOUT:-90}s (is-active k3s); see 'systemctl status k3s' on $NODE"
    [ "$rc" -eq 0 ]
}

main() {
    local out timeout="${DRAIN_TIMEOUT:-300}" stop="${SYSTEMCTL_TIMEOUT:-90}" rc=0
    while [ $# -gt 0 ]; do
        case "$1" in
            --node) NODE="${2:?--node needs a value}"; shift 2 ;;
            *) die "unknown argument '$1'; expected --node NAME" ;;
        esac
    done
    [ -n "$NODE" ] || die "missing --node NAME"

    if ! command -v k3s >/dev/null 2>&1; then
        echo "$NODE: k3s is not installed; nothing to drain"
        return 0
    fi
    if ! k3s_running; then
        echo "$NODE: k3s is not running here; nothing to drain or stop"
        return 0
    fi
    if ! out="$(k3s kubectl --request-timeout=30s get node "$NODE" -o name 2>&1)"; then
        case "$out" in
            *NotFound* | *"not found"*) echo "$NODE: no Node object; nothing to drain" ;;
            *) die "cannot reach this node's API server to drain it: ${out:0:200}; see 'journalctl -u k3s -n 100' on $NODE (to replace it undrained, stop k3s there first: 'systemctl stop k3s')" ;;
        esac
    else
        k3s kubectl drain "$NODE" --ignore-daemonsets --delete-emptydir-data --timeout="${timeout}s" ||
            die "could not drain $NODE within ${timeout}s (a PodDisruptionBudget or a stuck pod? 'k3s kubectl get pods -A -o wide --field-selector spec.nodeName=$NODE'); fix it and run 'pulumi up' again"
    fi
    timeout "$stop" systemctl stop k3s || rc=$?
    [ "$rc" -ne 124 ] || die "k3s did not stop within ${stop}s; see 'systemctl status k3s' and 'journalctl -u k3s -n 100' on $NODE"
    [ "$rc" -eq 0 ] || die "could not stop k3s (exit $rc); see 'systemctl status k3s' on $NODE"
    echo "$NODE: drained and k3s stopped; a surviving server deletes its Node object next"
}

main "$@"; exit $?
