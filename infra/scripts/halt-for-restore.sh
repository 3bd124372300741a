#!/usr/bin/env bash
# Before node 1 restores etcd from a snapshot, on every other server: stop k3s, so no server keeps
# quorum on the old cluster while node 1 resets (k3s docs, docs/cli/etcd-snapshot.md, "Multiple
# Servers": stop K3s on all servers, reset S1, start it, then the others rejoin). The other
# servers start again when their own step rejoins the restored cluster (k3s-server.sh
# --rejoin-restored), after node 1 is ready.
#
#   bash -s -- --node NAME --snapshot SNAPSHOT
#
# Once per snapshot name: a server that already rejoined after this snapshot (restored=SNAPSHOT in
# /etc/rancher/k3s/honeydue-bootstrap) is left alone; a stopped one stays stopped.
# Environment: K3S_ROOT (prefix for paths, for tests), SYSTEMCTL_TIMEOUT (90 s).
set -euo pipefail

NODE=""
MARKER="${K3S_ROOT:-}/etc/rancher/k3s/honeydue-bootstrap"

die() {
    echo "halt-for-restore[${NODE:-?}]: $*" >&2
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
    local snapshot="" stop="${SYSTEMCTL_TIMEOUT:-90}" rc=0
    while [ $# -gt 0 ]; do
        case "$1" in
            --node) NODE="${2:?--node needs a value}"; shift 2 ;;
            --snapshot) snapshot="${2:?--snapshot needs a value}"; shift 2 ;;
            *) die "unknown argument '$1'; expected --node NAME --snapshot SNAPSHOT" ;;
        esac
    done
    if [ -z "$NODE" ] || [ -z "$snapshot" ]; then die "usage: --node NAME --snapshot SNAPSHOT"; fi
    [[ "$snapshot" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "the snapshot must be a file name in the bucket's folder, got '$snapshot'"

    if [ -f "$MARKER" ] && grep -qxF "restored=$snapshot" "$MARKER"; then
        echo "$NODE: already rejoined the cluster restored from $snapshot; left alone"
        return 0
    fi
    if ! command -v k3s >/dev/null 2>&1; then
        echo "$NODE: k3s is not installed; nothing to stop before the restore"
        return 0
    fi
    if ! k3s_running; then
        echo "$NODE: k3s already stopped for the restore from $snapshot"
        return 0
    fi
    timeout "$stop" systemctl stop k3s || rc=$?
    [ "$rc" -ne 124 ] || die "k3s did not stop within ${stop}s before the restore from $snapshot; see 'systemctl status k3s' and 'journalctl -u k3s -n 100' on $NODE"
    [ "$rc" -eq 0 ] || die "could not stop k3s before the restore from $snapshot (exit $rc); see 'systemctl status k3s' on $NODE"
    echo "$NODE: k3s stopped; it rejoins after the first server restored $snapshot"
}

main "$@"; exit $?
